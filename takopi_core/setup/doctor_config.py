"""Doctor's checks of the config and its files: parsing, unknown keys, file modes, secrets.

``check_modes`` with ``fix=True`` makes the config file and its backup 0600 and the folder
0700; nothing else here changes a file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from takopi_core.config.atomic import PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE
from takopi_core.config.file import ConfigFile
from takopi_core.config.toml import display_path
from takopi_core.errors import ConfigError
from takopi_core.ids import ENGINE, TRANSPORT
from takopi_core.plugins.discovery import Discovery, DiscoveryError, PluginEntry
from takopi_core.plugins.fields import FieldSpec
from takopi_core.plugins.probe import LoadResult
from takopi_core.secrets import Masker
from takopi_core.setup.doctor_check import ERROR, OK, WARNING, Check, DoctorState
from takopi_core.text import safe_text


def check_config(config_path: Path, state: DoctorState) -> Check:
    from takopi_core.config.settings import Settings

    name = "config"
    where = display_path(config_path)
    try:
        config = ConfigFile.load(config_path)
    except ConfigError as exc:
        return Check(name, ERROR, f"cannot read {where}", _lines(exc), "fix or move the file")
    state.config = config
    if not config.exists:
        state.data = {}
        state.settings = Settings.from_data({}, config_path)
        return Check(
            name,
            WARNING,
            f"no config file at {where}; running on defaults",
            action="create one with `takopi setup`",
        )
    try:
        state.data = config.data
    except ConfigError as exc:
        return Check(
            name, ERROR, f"{where} is not valid TOML", _lines(exc), "fix the syntax shown above"
        )
    try:
        state.settings = Settings.from_data(state.data, config_path)
    except ConfigError as exc:
        problems = _lines(exc)
        return Check(
            name,
            ERROR,
            f"{where} has {len(problems)} wrong value{'s' if len(problems) != 1 else ''}",
            problems,
            "fix them with `takopi config set KEY VALUE` or an editor",
        )
    return Check(name, OK, f"{where} parses and its values have the right types")


def _lines(exc: BaseException) -> tuple[str, ...]:
    return tuple(line for line in str(exc).splitlines() if line.strip())


def check_unknown_keys(state: DoctorState) -> Check:
    unknown = unknown_keys(state.data or {}, state.discovery, state.results)
    if not unknown:
        return Check("unknown keys", OK, "every key is one takopi or an installed plugin uses")
    return Check(
        "unknown keys",
        WARNING,
        f"{len(unknown)} key{'s' if len(unknown) != 1 else ''} nothing uses (a typo, or a "
        "plugin that is not installed?)",
        tuple(unknown),
        "fix the spelling, or remove them: takopi config unset KEY",
    )


def unknown_keys(
    data: Mapping[str, Any],
    discovery: Discovery | None,
    results: Mapping[tuple[str, str, str | None], LoadResult] | None = None,
) -> list[str]:
    """Dotted paths of keys that neither takopi nor any installed plugin uses.

    Engine tables (``[codex]``) are known when an engine of that id is installed (enabled
    or not); ``[transports.<id>]`` and ``[plugins.<id>]`` when a plugin of that id is; keys
    inside a transport's table are checked only when that transport declares its fields.
    """
    from takopi_core.config.engines import unknown_engine_keys
    from takopi_core.config.settings import KNOWN_TOP_LEVEL, PROJECT_KEYS, key_path

    installed: dict[str, set[str]] = {}
    if discovery is not None:
        items: list[PluginEntry | DiscoveryError] = [*discovery.entries, *discovery.errors]
        for item in items:
            installed.setdefault(item.kind, set()).add(item.id)
    every_id = set().union(*installed.values()) if installed else set()
    declared: dict[str, tuple[FieldSpec, ...]] = {}
    for result in (results or {}).values():
        if result.kind == TRANSPORT and result.ok and result.setup_fields:
            declared[result.id] = result.setup_fields
    found: list[str] = []
    for key, value in data.items():
        if key in KNOWN_TOP_LEVEL:
            continue
        if key in installed.get(ENGINE, set()) and isinstance(value, dict):
            # The built-in engines' keys are known; a plugin engine's table is its own.
            found += [key_path(key, k) for k in unknown_engine_keys(key, value)]
            continue
        found.append(key_path(key))
    transports = data.get("transports")
    if isinstance(transports, dict):
        for transport_id, table in transports.items():
            if transport_id not in installed.get(TRANSPORT, set()):
                found.append(key_path("transports", transport_id))
            elif transport_id in declared and isinstance(table, dict):
                known = {spec.keys for spec in declared[transport_id]}
                for keys in _leaf_paths(table):
                    if not any(keys[: len(k)] == k for k in known):
                        found.append(key_path("transports", transport_id, *keys))
    plugins = data.get("plugins")
    if isinstance(plugins, dict):
        for plugin_id in plugins:
            if plugin_id != "enabled" and plugin_id not in every_id:
                found.append(key_path("plugins", plugin_id))
    projects = data.get("projects")
    if isinstance(projects, dict):
        for alias, table in projects.items():
            if isinstance(table, dict):
                found += [key_path("projects", alias, k) for k in table if k not in PROJECT_KEYS]
    return found


def _leaf_paths(table: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            paths += _leaf_paths(value, (*prefix, key))
        else:
            paths.append((*prefix, key))
    return paths


# --- files -----------------------------------------------------------------------------------


def check_modes(config_path: Path, *, fix: bool) -> list[Check]:
    """The config file 0600, its backup 0600, the folder 0700."""
    checks: list[Check] = []
    folder = config_path.parent
    backup = config_path.with_name(config_path.name + ".bak")
    targets = [("config file mode", config_path, PRIVATE_FILE_MODE)]
    if backup.is_symlink():
        # Never chmod through it: the link may point at any file of the user's. Saving
        # replaces the link itself with a regular file.
        checks.append(
            Check(
                "backup file mode",
                WARNING,
                f"{display_path(backup)} is a symlink (to {safe_text(os.readlink(backup))}); "
                "takopi does not follow it",
                action=f"remove it: rm {display_path(backup)}",
            )
        )
    elif backup.exists():
        targets.append(("backup file mode", backup, PRIVATE_FILE_MODE))
    targets.append(("config folder mode", folder, PRIVATE_FOLDER_MODE))
    for name, path, wanted in targets:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            checks.append(Check(name, ERROR, f"cannot stat {display_path(path)}: {exc}"))
            continue
        expected_kind = stat.S_ISDIR if wanted == PRIVATE_FOLDER_MODE else stat.S_ISREG
        if not expected_kind(info.st_mode):
            # A config linked to /dev/null or a FIFO: the read check reports it; its mode is
            # not ours to change (--fix once made /dev/null 0600 through such a link).
            checks.append(
                Check(name, WARNING, f"{display_path(path)} is not a regular file or folder")
            )
            continue
        mode = stat.S_IMODE(info.st_mode)
        if (mode & ~wanted & 0o077) == 0:
            checks.append(Check(name, OK, f"{display_path(path)} is {mode:04o}"))
            continue
        summary = f"{display_path(path)} is {mode:04o}; it should be {wanted:04o}"
        action = f"takopi doctor --fix (or: chmod {wanted:o} {display_path(path)})"
        if fix:
            try:
                os.chmod(path, wanted)
            except OSError as exc:
                checks.append(Check(name, ERROR, summary, (f"--fix failed: {exc}",), action))
                continue
            new_mode = stat.S_IMODE(os.stat(path).st_mode)
            checks.append(
                Check(
                    name,
                    OK,
                    f"{display_path(path)} was {mode:04o}, now {new_mode:04o}",
                    fixable=True,
                    fixed=True,
                )
            )
            continue
        checks.append(Check(name, WARNING, summary, action=action, fixable=True))
    return checks


def _masker(state: DoctorState) -> Masker:
    """What to hide: secret-named keys and the declared secret fields of probed transports."""
    from takopi_core.plugins.secret_fields import masker_from_results

    return masker_from_results(state.data, state.results.values())


def secret_values(state: DoctorState) -> list[str]:
    """Secret values in the config (arrays and arrays of tables too), for masking."""
    return sorted(_masker(state).values)


def _secret_keys(state: DoctorState) -> list[str]:
    from takopi_core.config.settings import key_path

    return [key_path(*keys) for keys in _masker(state).secret_keys(state.data or {})]


def check_secrets(config_path: Path, state: DoctorState, secrets: list[str]) -> Check:
    name = "secrets"
    if state.data is None:
        # An unreadable file may well hold a token: say nothing reassuring about it.
        return Check(
            name,
            WARNING,
            "not checked: the config could not be read",
            action="fix the config first (see above)",
        )
    keys = _secret_keys(state)
    if not keys:
        return Check(name, OK, "no secrets in the config")
    exposed: list[str] = []
    backup = config_path.with_name(config_path.name + ".bak")
    for path in (config_path, backup):
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            continue
        if mode & 0o044:
            who = (
                "group and others"
                if mode & 0o004 and mode & 0o040
                else ("others" if mode & 0o004 else "the group")
            )
            exposed.append(f"{display_path(path)} ({mode:04o}) is readable by {who}")
    listed = ", ".join(keys)
    if exposed:
        return Check(
            name,
            ERROR,
            f"{len(keys)} secret{'s' if len(keys) != 1 else ''} ({listed}) readable by other users",
            tuple(exposed),
            "takopi doctor --fix makes the files 0600; then rotate the exposed tokens",
            fixable=True,
        )
    return Check(
        name,
        OK,
        f"{len(keys)} secret{'s' if len(keys) != 1 else ''} ({listed}), readable only by you",
    )
