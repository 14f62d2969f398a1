"""The change a setup makes: the plan, the new config text, its diff, and the save.

Writes go through ConfigFile (checked, atomic, conflict-safe); a file that now holds
secrets is made private.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from takopi_core.config.file import ConfigFile
from takopi_core.config.toml import display_path
from takopi_core.plugins.fields import FieldSpec
from takopi_core.secrets import Masker
from takopi_core.setup.values import config_secrets


@dataclass(frozen=True, slots=True)
class SetupPlan:
    """What a setup writes.

    ``values`` are the declared fields for ``[transports.<id>]`` (a None value removes the
    key); ``make_default`` writes ``transport = "<id>"``; ``default_engine`` (when set) writes
    ``default_engine``.
    """

    transport_id: str
    values: Mapping[str, Any] = field(default_factory=dict)
    specs: tuple[FieldSpec, ...] = ()
    make_default: bool = False
    default_engine: str | None = None

    def secret_paths(self) -> list[tuple[str, ...]]:
        return [("transports", self.transport_id, *s.keys) for s in self.specs if s.secret]


def plan_text(config: ConfigFile, plan: SetupPlan) -> str:
    """The config text after ``plan``; comments and layout elsewhere are kept.

    Top-level keys are set before the transport's table is touched, so they stay with the
    other top-level keys, above the first table.
    """
    editor = config.edit()

    def put(keys: tuple[str, ...], value: Any) -> None:
        found, old = editor.get(keys)
        if not (found and old == value and type(old) is type(value)):
            editor.set(keys, value)

    if plan.make_default:
        put(("transport",), plan.transport_id)
    if plan.default_engine:
        put(("default_engine",), plan.default_engine)
    by_key = {spec.key: spec for spec in plan.specs}
    for key, value in plan.values.items():
        spec = by_key.get(key)
        keys = ("transports", plan.transport_id, *(spec.keys if spec else key.split(".")))
        if value is None:
            editor.unset(keys)
        else:
            put(keys, value)
    return editor.text()


def plan_diff(
    config: ConfigFile,
    new_text: str,
    *,
    secret_paths: Sequence[tuple[str, ...]] = (),
    show_secrets: bool = False,
) -> str:
    """The unified diff of ``new_text`` against the file.

    Secret-named keys are masked by ConfigFile; ``secret_paths`` masks declared secret fields
    whose key names do not say so (a ``webhook_url``, say). A changed secret reads
    ``******** (new value)``.
    """
    masker = Masker(paths=tuple(tuple(p) for p in secret_paths))
    return config.diff(new_text, show_secrets=show_secrets, masker=masker)


def holds_secrets(plan: SetupPlan, new_text: str, path: Path) -> bool:
    """True when ``new_text`` has a secret: a declared secret field, or a secret-named key."""
    from takopi_core.config.edit import lookup_quietly
    from takopi_core.config.toml import parse_toml_text

    data = parse_toml_text(new_text, path)
    for keys in plan.secret_paths():
        found, value = lookup_quietly(data, keys)
        if found and value not in (None, ""):
            return True
    return bool(config_secrets(data))


def save_plan(config: ConfigFile, new_text: str, *, holds_secrets: bool) -> str | None:
    """Write ``new_text`` through ConfigFile (checked, atomic, conflict-safe).

    ConfigFile keeps an existing file's mode; when the new text holds secrets and the file
    is readable by others, it is made private (group and other bits dropped). Returns a note
    saying so, else None.
    """
    import stat

    config.save(new_text)
    if not holds_secrets:
        return None
    from takopi_core.config.atomic import real_target

    target = real_target(config.path)
    mode = stat.S_IMODE(os.stat(target).st_mode)
    if not mode & 0o077:
        return None
    os.chmod(target, mode & ~0o077)
    return (
        f"{display_path(config.path)} holds secrets, so it is now readable only by you "
        f"({mode & ~0o077:04o}, was {mode:04o})"
    )
