"""The setup wizard's change to takopi.toml: planned from the answers, previewed, written.

No widgets here: the wizard passes in what the user chose and shows what comes back.
Both functions raise :class:`takopi_core.errors.ConfigError` (naming the file) when the
config cannot be read or written; nothing is written that could not be parsed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from takopi_core.config.file import ConfigFile
from takopi_core.config.toml import enabled_list
from takopi_core.plugins.discovery import is_distribution_enabled, normalize_allowlist
from takopi_core.plugins.fields import FieldSpec
from takopi_core.setup.plan import SetupPlan, holds_secrets, plan_diff, plan_text, save_plan


@dataclass(frozen=True, slots=True)
class PlannedChange:
    """The config as read, the plan, the file's new text and the diff (secrets masked)."""

    config: ConfigFile
    plan: SetupPlan
    new_text: str
    diff: str


def enabled_with(config: ConfigFile, distribution: str) -> list[str] | None:
    """``[plugins] enabled`` with ``distribution`` added; None when it is shown already
    (listed, or no list: everything is shown)."""
    names = enabled_list(config.data, config.path)
    allowlist = normalize_allowlist(names)
    if is_distribution_enabled(distribution, allowlist):
        return None
    return [*names, distribution]


def with_enabled(config: ConfigFile, distribution: str | None) -> ConfigFile:
    """``config`` as it would read with ``distribution`` enabled (in memory, never saved):
    what the wizard surveys when the setup also enables a disabled transport."""
    names = enabled_with(config, distribution) if distribution else None
    if names is None:
        return config
    return ConfigFile(config.path, config.with_enabled(names), None)


def plan_change(
    config_path: Path,
    transport_id: str,
    *,
    values: dict[str, Any],
    specs: tuple[FieldSpec, ...],
    make_default: bool,
    default_engine: str | None,
    enable: str | None = None,
) -> PlannedChange:
    """Read the config now and work out what the wizard's answers change in it.

    ``enable``: a distribution the change also adds to ``[plugins] enabled`` (the transport
    was disabled and the user chose to enable it with its setup), in the same diff.
    """
    config = ConfigFile.load(config_path)
    plan = SetupPlan(
        transport_id,
        values=values,
        specs=specs,
        make_default=make_default,
        default_engine=default_engine,
    )
    new_text = plan_text(config, plan)
    names = enabled_with(config, enable) if enable else None
    if names is not None:
        new_text = ConfigFile(config.path, new_text, None).with_enabled(names)
    diff = plan_diff(config, new_text, secret_paths=plan.secret_paths())
    return PlannedChange(config, plan, new_text, diff)


def write_change(change: PlannedChange) -> str | None:
    """Write the new text (atomically); returns save_plan's note, if it has one."""
    return save_plan(
        change.config,
        change.new_text,
        holds_secrets=holds_secrets(change.plan, change.new_text, change.config.path),
    )
