"""The checks a new config text must pass before anything is written.

:meth:`ConfigFile.save <takopi_core.config.file.ConfigFile.save>` already refuses text that
does not parse or fails the typed :class:`~takopi_core.config.settings.Settings` checks. A
transport's declared ``SetupField`` validators are plugin code, so they cannot run there (the
config layer never loads plugins) nor in the CLI's own process: :func:`check_new_text` runs
them in a child (:func:`takopi_core.setup.child.run_table_validators`) for every
``[transports.<id>]`` table the change touches, with the local type and choice checks.
``takopi config set transports.terminal.max_actions 999`` is refused here, with the key path
and the reason, instead of being saved for ``takopi run`` to refuse later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from takopi_core.config.file import ConfigFile
from takopi_core.config.settings import Settings, key_path
from takopi_core.config.toml import enabled_list, parse_toml_text
from takopi_core.errors import ConfigError
from takopi_core.ids import TRANSPORT
from takopi_core.plugins.discovery import discover
from takopi_core.setup.child import (
    DEFAULT_VALIDATE_TIMEOUT,
    ValidatorRunError,
    run_table_validators,
)
from takopi_core.text import safe_text


def check_new_text(
    config: ConfigFile,
    new_text: str,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_VALIDATE_TIMEOUT,
) -> list[str]:
    """Refuse ``new_text`` (ConfigError, one line per problem, each naming the key path) when
    it fails the typed checks or a changed transport table fails its declared fields.

    Returns warnings: a transport whose fields could not be checked (it fails to load, say)
    does not block the write, since the user may be fixing just that.
    """
    new_data = parse_toml_text(new_text, config.path)
    Settings.from_data(new_data, config.path)
    changed = changed_transport_tables(config.data, new_data)
    if not changed:
        return []
    discovery = discover(enabled_list(new_data, config.path))
    problems: list[str] = []
    warnings: list[str] = []
    for transport_id, (old_table, new_table) in changed.items():
        entry = discovery.find(TRANSPORT, transport_id)
        if entry is None or not entry.enabled:
            continue  # not installed (or hidden): nothing declared to check against
        try:
            errors = run_table_validators(entry, new_table, old_table, env=env, timeout=timeout)
        except ValidatorRunError as exc:
            warnings.append(
                f"the settings of transport {transport_id} ({entry.dist_label}) were not "
                f"checked: {safe_text(exc)}"
            )
            continue
        for field_key, message in sorted(errors.items()):
            parts = field_key.split(".") if field_key else []
            where = key_path("transports", transport_id, *parts)
            problems.append(f"{config.path}: `{where}` {safe_text(message)}")
    if problems:
        raise ConfigError("\n".join([*problems, "nothing was written"]))
    return warnings


def changed_transport_tables(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """``{transport id: (old table, new table)}`` for each ``[transports.<id>]`` the change
    adds or alters (removed tables need no check)."""
    old_all = _tables(old.get("transports"))
    changed: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for transport_id, table in _tables(new.get("transports")).items():
        before = old_all.get(transport_id, {})
        if table != before:
            changed[transport_id] = (before, table)
    return changed


def _tables(value: object) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, dict)}
