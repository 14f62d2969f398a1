"""Doctor's checks of the plugins: the chosen transport, the engines' CLIs, load errors.

Every result here comes from the probe (plugin code ran in a child); only the PATH lookup
of an engine's CLI and its ``--version`` run from this process.
"""

from __future__ import annotations

from collections.abc import Callable

from takopi_core.ids import ENGINE, TRANSPORT
from takopi_core.plugins.discovery import PluginEntry
from takopi_core.plugins.probe import LoadResult
from takopi_core.setup.doctor_check import ERROR, OK, WARNING, Check, DoctorState, counted


def check_transport(state: DoctorState) -> Check:
    assert state.discovery is not None
    transport_id = state.chosen_transport
    name = f"transport {transport_id}"
    entry = state.discovery.find(TRANSPORT, transport_id)
    if entry is None:
        for problem in state.discovery.errors:
            if problem.kind == TRANSPORT and problem.id == transport_id:
                from takopi_core.plugins.report import discovery_record

                fix = discovery_record(problem, state.discovery.allowlist).fix
                return Check(name, ERROR, problem.message, action=fix)
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
        fix = result.fix if result is not None else None
        if result is not None and result.error_type == "TimeoutError":
            action = fix  # a timeout has no traceback to show
        elif fix:
            action = f"{fix} (takopi plugins --load -v shows the traceback)"
        else:
            action = "takopi plugins --load -v shows the traceback"
        return Check(
            name, ERROR, f"{transport_id} ({label}) failed to load: {message}", action=action
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


def check_engines(state: DoctorState, which: Callable[[str], str | None]) -> list[Check]:
    assert state.discovery is not None
    engines = [e for e in state.discovery.visible() if e.kind == ENGINE]
    default = state.default_engine
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


def _table_problems(state: DoctorState, entry: PluginEntry) -> tuple[str, ...]:
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
            f"[{entry.id}] has {counted(len(problems), 'wrong value')}; {where}",
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


def check_plugins(state: DoctorState) -> Check:
    """Every plugin error, each with what to do; those of disabled plugins are listed but
    leave the check ok (they change nothing)."""
    from takopi_core.plugins.report import collect_errors, failures

    assert state.discovery is not None
    records = collect_errors(state.discovery, state.results.values())
    failing = failures(records)
    total = len(state.discovery.visible())
    details: list[str] = []
    for record in [*failing, *(r for r in records if not r.enabled)]:
        details.append(record.line())
        if record.fix:
            details.append(f"  fix: {record.fix}")
    if not failing:
        summary = f"all {total} visible plugins load"
        if records:
            summary += f" ({counted(len(records), 'error')} of disabled plugins, not counted)"
        return Check("plugins", OK, summary, tuple(details))
    summary = counted(len(failing), "plugin error")
    if len(records) > len(failing):
        summary += f" (and {len(records) - len(failing)} of disabled plugins)"
    return Check(
        "plugins",
        ERROR,
        summary,
        tuple(details),
        "run the fix under each error; takopi plugins --load -v shows tracebacks",
    )
