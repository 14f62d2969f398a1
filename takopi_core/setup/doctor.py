"""`takopi doctor`'s checks, as structured results (printing lives in cli/doctor.py).

Each check says ok, warning or error, with a one-line summary, detail lines and what to do.
Plugin code runs only in the probe (a child process): the chosen transport's
``check_setup``, plugin load errors, engines' CLI names and declared setup fields all come
from there; PATH lookups, file modes and the lock are read here.

``fix=True`` repairs what is safe to repair: the config file's mode (0600), its folder's
(0700), its backup's, and a stale lock file left by a run that is gone.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from takopi_core._child import child_environment
from takopi_core.config.atomic import PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE
from takopi_core.config.file import ConfigFile
from takopi_core.config.toml import display_path
from takopi_core.errors import ConfigError
from takopi_core.ids import ENGINE, FALLBACK_TRANSPORT, TRANSPORT
from takopi_core.plugins.discovery import Discovery, DiscoveryError, PluginEntry, discover
from takopi_core.plugins.fields import FieldSpec
from takopi_core.plugins.probe import DEFAULT_TIMEOUT, LoadResult, Probe, setup_engine_for
from takopi_core.secrets import Masker
from takopi_core.text import safe_text

Status = Literal["ok", "warning", "error"]
OK: Status = "ok"
WARNING: Status = "warning"
ERROR: Status = "error"


@dataclass(frozen=True, slots=True)
class Check:
    """One doctor finding."""

    name: str
    status: Status
    summary: str
    details: tuple[str, ...] = ()
    #: What to do about it (None when there is nothing to do).
    action: str | None = None
    #: ``--fix`` can repair it; ``fixed`` says it did.
    fixable: bool = False
    fixed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "details": list(self.details),
            "action": self.action,
            "fixable": self.fixable,
            "fixed": self.fixed,
        }


@dataclass(slots=True)
class DoctorReport:
    """Every check, in the order they ran."""

    config_path: Path
    checks: list[Check] = field(default_factory=list)
    #: Values to mask in every output (secrets found in the config).
    secrets: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.status == ERROR]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.status == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def find(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "config_path": str(self.config_path),
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "checks": [c.to_json() for c in self.checks],
        }


# --- the run ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _State:
    """What earlier checks learned, for the later ones."""

    config: ConfigFile | None = None
    data: dict[str, Any] | None = None
    settings: Any = None
    discovery: Discovery | None = None
    results: dict[tuple[str, str, str | None], LoadResult] = field(default_factory=dict)


def run_doctor(
    config_path: Path,
    *,
    fix: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    search_path: Sequence[str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
    env: Mapping[str, str] | None = None,
) -> DoctorReport:
    """Run every check on ``config_path``; ``fix`` repairs file modes and stale locks."""
    report = DoctorReport(config_path=config_path)
    state = _State()
    report.checks.append(_check_config(config_path, state))
    state.discovery = discover(_enabled(state), path=list(search_path) if search_path else None)
    state.results = _probe(state, timeout=timeout, env=_child_env(config_path, search_path, env))
    report.secrets = _secrets(state)
    if state.data is not None:
        report.checks.append(_check_unknown_keys(state))
    report.checks.extend(_check_modes(config_path, fix=fix))
    report.checks.append(_check_secrets(config_path, state, report.secrets))
    report.checks.append(_check_transport(state))
    report.checks.extend(_check_engines(state, which))
    report.checks.append(_check_plugins(state))
    report.checks.append(_check_lock(config_path, fix=fix))
    return report


def _enabled(state: _State) -> list[str] | None:
    settings = state.settings
    return list(settings.enabled) if settings is not None else None


def _child_env(
    config_path: Path, search_path: Sequence[str] | None, base: Mapping[str, str] | None
) -> dict[str, str]:
    return child_environment(config_path, search_path, base)


def _default_engine(state: _State) -> str | None:
    return state.settings.default_engine if state.settings is not None else None


def _chosen_transport(state: _State) -> str:
    if state.settings is not None and state.settings.transport:
        return state.settings.transport
    return FALLBACK_TRANSPORT


def _probe(
    state: _State, *, timeout: float, env: Mapping[str, str]
) -> dict[tuple[str, str, str | None], LoadResult]:
    """One probe run over every visible plugin; transports' check_setup runs with the
    default engine (as in the TUI), and the report reads the chosen transport's."""
    assert state.discovery is not None
    visible = state.discovery.visible()
    if not visible:
        return {}
    engine = setup_engine_for(state.discovery.entries, _default_engine(state))
    probe = Probe(visible, timeout=timeout, setup_engine=engine, env=env)
    return {result.key: result for result in probe.results()}


# --- config ----------------------------------------------------------------------------------


def _check_config(config_path: Path, state: _State) -> Check:
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


def _check_unknown_keys(state: _State) -> Check:
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


def _check_modes(config_path: Path, *, fix: bool) -> list[Check]:
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


def _masker(state: _State) -> Masker:
    """What to hide: secret-named keys and the declared secret fields of probed transports."""
    from takopi_core.plugins.secret_fields import masker_from_results

    return masker_from_results(state.data, state.results.values())


def _secrets(state: _State) -> list[str]:
    """Secret values in the config (arrays and arrays of tables too), for masking."""
    return sorted(_masker(state).values)


def _secret_keys(state: _State) -> list[str]:
    from takopi_core.config.settings import key_path

    return [key_path(*keys) for keys in _masker(state).secret_keys(state.data or {})]


def _check_secrets(config_path: Path, state: _State, secrets: list[str]) -> Check:
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


# --- plugins ---------------------------------------------------------------------------------


def _check_transport(state: _State) -> Check:
    assert state.discovery is not None
    transport_id = _chosen_transport(state)
    name = f"transport {transport_id}"
    entry = state.discovery.find(TRANSPORT, transport_id)
    if entry is None:
        for problem in state.discovery.errors:
            if problem.kind == TRANSPORT and problem.id == transport_id:
                return Check(name, ERROR, problem.message, action="fix or reinstall its plugin")
        available = sorted(e.id for e in state.discovery.visible() if e.kind == TRANSPORT)
        return Check(
            name,
            ERROR,
            f"transport {transport_id!r} is not installed",
            (f"installed: {', '.join(available) or 'none'}",),
            "install its plugin, or pick another: takopi setup",
        )
    label = f"{entry.dist_label}"
    if not entry.enabled:
        return Check(
            name,
            ERROR,
            f"{transport_id} ({label}) is disabled by [plugins] enabled",
            action=f"takopi plugins enable {label}",
        )
    result = state.results.get(entry.key)
    if result is None or not result.ok:
        message = result.message if result is not None else "not checked"
        return Check(
            name,
            ERROR,
            f"{transport_id} ({label}) failed to load: {message}",
            action="takopi plugins --load -v shows the traceback",
        )
    if result.setup_ok is None:
        return Check(
            name,
            WARNING,
            f"{transport_id} ({label}) loads; its setup was not checked (no engine installed)",
            action="install an engine, then run takopi doctor again",
        )
    if result.setup_ok:
        return Check(name, OK, f"{transport_id} ({label}) is set up")
    from takopi_core.setup.flow import describe_issues

    count = len(result.setup_issues)
    return Check(
        name,
        ERROR,
        f"{transport_id} ({label}) reports {count} setup issue{'s' if count != 1 else ''}",
        tuple(describe_issues(result.setup_issues)),
        f"takopi setup {transport_id}",
    )


def _check_engines(state: _State, which: Callable[[str], str | None]) -> list[Check]:
    assert state.discovery is not None
    engines = [e for e in state.discovery.visible() if e.kind == ENGINE]
    default = _default_engine(state)
    checks: list[Check] = []
    if not engines:
        return [
            Check(
                "engines",
                ERROR,
                "no engine is installed (or all are disabled by [plugins] enabled)",
                action="install an engine plugin; `takopi plugins` lists what is installed",
            )
        ]
    ids = [e.id for e in engines]
    if default is not None and default not in ids:
        checks.append(
            Check(
                "default engine",
                ERROR,
                f"default_engine {default!r} is not an installed engine",
                (f"installed: {', '.join(ids)}",),
                "takopi setup (or: takopi config set default_engine ID)",
            )
        )
    for entry in engines:
        result = state.results.get(entry.key)
        if result is not None and result.ok:  # load errors are reported under "plugins"
            checks.append(
                _check_engine(entry, result, default, which, _table_problems(state, entry))
            )
    return checks


def _table_problems(state: _State, entry: PluginEntry) -> tuple[str, ...]:
    """Wrong values in a built-in engine's table (``[codex]``...), as Settings found them."""
    if not entry.builtin or state.settings is None:
        return ()
    return tuple(state.settings.engine_problems.get(entry.id, ()))


def _version_note(entry: PluginEntry, found: str) -> str:
    """`` (codex-cli 0.77.0)`` for a built-in engine whose CLI says its version."""
    from takopi_core.config.engines import BUILTIN_ENGINE_CLIS
    from takopi_core.setup.engine_cli import cli_version

    cli = BUILTIN_ENGINE_CLIS.get(entry.id)
    if not entry.builtin or cli is None:
        return ""
    version = cli_version(found, cli.version_args)
    return f" ({version})" if version else " (its --version failed)"


def _check_engine(
    entry: PluginEntry,
    result: LoadResult,
    default: str | None,
    which: Callable[[str], str | None],
    problems: tuple[str, ...] = (),
) -> Check:
    name = f"engine {entry.id}"
    cmd = result.cli_cmd or entry.id
    found = which(cmd)
    if problems:
        status = ERROR if entry.id == default else WARNING
        where = f"{cmd} found at {found}" if found else f"{cmd} is not on PATH"
        return Check(
            name,
            status,
            f"[{entry.id}] has {_count(len(problems), 'wrong value')}; {where}",
            problems,
            "fix them with `takopi config set KEY VALUE` or an editor",
        )
    if found:
        return Check(name, OK, f"{cmd} found at {found}{_version_note(entry, found)}")
    status = ERROR if entry.id == default else WARNING
    why = " (the default engine: runs cannot start)" if entry.id == default else ""
    action = (
        f"install it: {result.install_cmd}"
        if result.install_cmd
        else ("install it (see the engine's documentation)")
    )
    return Check(name, status, f"{cmd} is not on PATH{why}", action=action)


def _check_plugins(state: _State) -> Check:
    from takopi_core.plugins.report import collect_errors

    assert state.discovery is not None
    records = collect_errors(state.discovery, state.results.values())
    total = len(state.discovery.visible())
    if not records:
        return Check("plugins", OK, f"all {total} visible plugins load")
    return Check(
        "plugins",
        ERROR,
        f"{len(records)} plugin error{'s' if len(records) != 1 else ''}",
        tuple(record.line() for record in records),
        "takopi plugins --load -v shows tracebacks; fix, upgrade or disable the plugin "
        "(takopi plugins disable DIST)",
    )


# --- the lock --------------------------------------------------------------------------------


def _check_lock(config_path: Path, *, fix: bool) -> Check:
    from takopi_core.run.lock import inspect_locks, remove_stale_lock

    name = "instance lock"
    states = inspect_locks(config_path)
    if not states:
        return Check(name, OK, "free (no takopi run holds it)")
    held = [_describe_holder(s.path, s.holder) for s in states if s.holder is not None]
    broken = [s for s in states if s.problem]
    stale = [s for s in states if s.holder is None and not s.problem]
    if broken:
        return Check(
            name,
            WARNING,
            f"{_count(len(broken), 'lock path')} that cannot be a lock",
            tuple(f"{display_path(s.path)} is {s.problem}, not a regular file" for s in broken)
            + tuple(held),
            "remove it: `takopi run` keeps its lock file there",
        )
    if stale and fix:
        removed = [s.path for s in stale if remove_stale_lock(s.path)]
        stale = [s for s in stale if s.path not in removed]
        if not stale:
            summary = "held: " + "; ".join(held) if held else "free"
            return Check(
                name,
                OK,
                f"{summary} (removed {_count(len(removed), 'stale lock file')})",
                tuple(f"removed {display_path(p)}" for p in removed),
                fixable=True,
                fixed=True,
            )
    if stale:
        details = tuple(
            f"{display_path(s.path)}: left by {_pid_text(s)}, which no longer holds it"
            for s in stale
        ) + tuple(held)
        return Check(
            name,
            WARNING,
            f"{len(stale)} stale lock file{'s' if len(stale) != 1 else ''} (harmless: the next "
            "run takes it over)",
            details,
            "takopi doctor --fix removes it",
            fixable=True,
        )
    return Check(name, OK, "held: " + "; ".join(held), action=None)


def _pid_text(state: Any) -> str:
    recorded = state.recorded
    if recorded is None or not recorded.pid:
        return "an unknown process"
    return f"pid {recorded.pid}" + (
        " (alive, but not a takopi run holding the lock)" if state.recorded_alive else " (gone)"
    )


def _describe_holder(path: Path, holder: Any) -> str:
    who = f"pid {holder.pid}" if holder.pid else "a running takopi"
    what = f" ({holder.transport})" if holder.transport else ""
    since = ""
    if holder.started_at:
        since = " since " + time.strftime("%Y-%m-%d %H:%M", time.localtime(holder.started_at))
    return f"{who}{what}{since}, {display_path(path)}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
