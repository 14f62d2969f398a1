"""`takopi run`: start the bridge (load the transport and engines, check, lock, run).

Top-level imports are standard library only: this module is imported to build the parser
for every `takopi` invocation, so the run path's modules load inside the handlers.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from takopi_core.cli import EXIT_INTERRUPTED, EXIT_OK, EXIT_PROBLEMS

if TYPE_CHECKING:
    from takopi_core.secrets import Masker

#: Rich-style tags upstream plugins put in setup issue lines; shown as plain text here.
_MARKUP_TAGS = re.compile(r"\[/?(?:dim|bold|italic|underline|red|green|yellow|cyan)?\]")


def register(subparsers: argparse._SubParsersAction) -> None:
    from takopi_core.cli import add_config_option, summary

    run = subparsers.add_parser(
        "run",
        help=summary("run"),
        description="Start the bridge: load the transport, engines and commands, check the "
        "transport's setup, take the single-instance lock and run until stopped. "
        "`takopi ENGINE` is a shortcut for `takopi run --engine ENGINE`.",
    )
    add_config_option(run)
    run.add_argument(
        "--transport",
        metavar="ID",
        help="transport to use (default: `transport` "
        "in the config, else the built-in terminal chat)",
    )
    run.add_argument("--engine", metavar="ID", help="default engine for this run")
    run.add_argument(
        "--final-notify",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="send the final answer as a new message rather than editing the progress "
        "message (default: on)",
    )
    run.add_argument(
        "--onboard",
        action="store_true",
        help="run the transport's interactive setup before starting (needs a terminal)",
    )
    run.add_argument(
        "--debug",
        action="store_true",
        help="write a debug log to $TAKOPI_LOG_FILE (default: debug.log beside the config, "
        "readable only by you; secrets masked)",
    )
    run.set_defaults(handler=run_bridge)


# --- takopi run ----------------------------------------------------------------------------


#: What `takopi run` hides in what it prints: set once the config and transport are loaded.
_masker: Masker | None = None


def _shown(text: object) -> str:
    """Plugin and config text as printed: known secrets masked, control characters escaped."""
    from takopi_core.text import safe_text

    shown = str(text)
    return safe_text(_masker.text(shown) if _masker is not None else shown)


def _say(text: object) -> None:
    print(_shown(text), file=sys.stderr)


def _error(message: str) -> None:
    first, *rest = _shown(message).splitlines() or [""]
    print(f"error: {first}", file=sys.stderr)
    for line in rest:
        print(line, file=sys.stderr)


def run_bridge(args: argparse.Namespace) -> int:
    """The `takopi run` flow; returns the exit status.

    Plugin code runs here (this is the host), so every call into it is guarded: whatever a
    plugin raises, ``SystemExit`` and ``KeyboardInterrupt`` included, ends as an error naming
    it, never as a traceback or the plugin's exit status. A real Ctrl+C, SIGTERM or SIGHUP
    stops the bridge the same way: runs cancelled, engine processes killed, lock released.
    """
    from takopi_core.run.guard import abandoned_tasks, stop_signal, watch_user_interrupts

    try:
        with watch_user_interrupts():
            status = _run_bridge(args)
    except KeyboardInterrupt:
        status = 130
    signum = stop_signal()
    if signum is not None and status in (0, 130):
        status = 128 + signum
    if abandoned_tasks():
        # Plugin code that refused to stop would keep the interpreter from exiting (its
        # coroutines cannot be closed); the lock is released, so leave now.
        print(
            f"note: {len(abandoned_tasks())} command(s) ignored cancellation; exiting anyway",
            file=sys.stderr,
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


def _run_bridge(args: argparse.Namespace) -> int:
    from takopi_core.config.toml import CONFIG_ENV, resolve_config_path
    from takopi_core.errors import ConfigError
    from takopi_core.ids import ENGINE, TRANSPORT
    from takopi_core.plugins.discovery import discover
    from takopi_core.run.assembly import build_runtime_spec, pick_default_engine
    from takopi_core.run.gate import check_plugins
    from takopi_core.run.guard import PluginFault, guarded_call, load_plugin
    from takopi_core.run.lock import LockError, acquire_lock, call_lock_token, display_path

    global _masker
    _masker = None  # until the config is read
    config_path = resolve_config_path(args.config)
    if args.config:
        # Plugins (check_setup, load_settings()) locate the config themselves; point them
        # at the same file.
        os.environ[CONFIG_ENV] = str(config_path)
    from takopi_core.run.logs import guard_unhandled_logs

    guard_unhandled_logs()  # a plugin's warning printed by logging's last resort is escaped
    if args.debug:
        _enable_debug_log(config_path)
    try:
        settings = _load_settings(config_path)
        transport_id = _transport_id(args.transport, settings)
        discovery = discover(settings.enabled)
        engine_ids = sorted(e.id for e in discovery.of_kind(ENGINE) if e.enabled)
        engine_id, _ = pick_default_engine(settings, config_path, args.engine, engine_ids)
        # One probe run (child processes, with its timeout) over every plugin this session
        # may import: one that hangs, exits or crashes at import is skipped, not fatal.
        gate = check_plugins(
            e for e in discovery.visible() if e.kind != TRANSPORT or e.id == transport_id
        )
        for kind, plugin_id in ((TRANSPORT, transport_id), (ENGINE, engine_id)):
            entry = discovery.find(kind, plugin_id)
            line = gate.skip_line(entry) if entry is not None else None
            if line is not None:
                raise ConfigError(line)
        engine_backend = load_plugin(ENGINE, engine_id, discovery=discovery)
        transport = load_plugin(TRANSPORT, transport_id, discovery=discovery)
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_PROBLEMS
    _use_masker(settings, config_path, transport_id, transport)
    label = _plugin_label(discovery, TRANSPORT, transport_id)

    if args.onboard:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            _error("--onboard requires a terminal")
            return EXIT_PROBLEMS
        try:
            if not guarded_call(
                "interactive_setup()", run_interactive_setup, transport, force=True
            ):
                _error(f"setup of {label} was not completed")
                return EXIT_PROBLEMS
        except PluginFault as exc:
            _error(f"{label}: interactive_setup failed: {_fault_reason(exc)}")
            return EXIT_PROBLEMS

    try:
        setup = guarded_call(
            "check_setup()",
            transport.check_setup,
            engine_backend,
            transport_override=args.transport,
        )
        problem = _setup_problem(setup)
    except PluginFault as exc:
        _error(f"{label}: check_setup failed: {_fault_reason(exc)}")
        return EXIT_PROBLEMS
    if problem is not None:
        _error(f"{label}: check_setup {problem}")
        return EXIT_PROBLEMS
    if setup.issues:
        _error(f"{label} is not ready:")
        for issue in setup.issues:
            _say(f"  {_plain(issue.title)}")
            for line in issue.lines:
                _say(f"  {_plain(line)}")
        _say(f"run `takopi setup {transport_id}` to set it up, then try again")
        return EXIT_PROBLEMS

    try:
        spec = build_runtime_spec(
            settings=settings,
            config_path=config_path,
            default_engine_override=args.engine,
            discovery=discovery,
            gate=gate,
        )
        transport_config = settings.transport_config(transport_id)
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_PROBLEMS
    for warning in spec.warnings:
        _say(f"warning: {warning}")

    try:
        token = guarded_call(
            "lock_token()",
            call_lock_token,
            transport,
            transport_config=transport_config,
            config_path=config_path,
        )
    except PluginFault as exc:
        _error(f"{label}: lock_token failed: {_fault_reason(exc)}")
        return EXIT_PROBLEMS
    try:
        lock = acquire_lock(config_path, token, transport=transport_id)
    except LockError as exc:
        _error(str(exc))
        if exc.holder is not None and exc.holder.pid:
            _say(
                f"stop that instance first (pid {exc.holder.pid}), or use another "
                f"{transport_id} account"
            )
        return EXIT_PROBLEMS
    if lock.recovered_from is not None and lock.recovered_from.pid:
        _say(
            f"note: took over {display_path(lock.path)}, left behind by pid "
            f"{lock.recovered_from.pid}, which is no longer running"
        )
    try:
        runtime = spec.to_runtime(config_path=config_path)
        _build_and_run(
            transport,
            transport_config=transport_config,
            config_path=config_path,
            runtime=runtime,
            final_notify=args.final_notify,
            default_engine_override=args.engine,
        )
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_PROBLEMS
    except BaseException as exc:
        from takopi_core.run.guard import describe_exception, is_plugin_escape

        if not is_plugin_escape(exc):
            if isinstance(exc, KeyboardInterrupt):
                return EXIT_INTERRUPTED  # the user's Ctrl+C (or SIGTERM/SIGHUP)
            raise
        # A transport plugin's own bug: say whose it is instead of a bare traceback or its
        # exit status (the traceback goes to the --debug log).
        import logging

        logging.getLogger(__name__).debug("build_and_run failed", exc_info=True)
        reason = _reason(exc) if isinstance(exc, Exception) else describe_exception(exc)
        _error(f"{label} stopped with an error: {reason}")
        return EXIT_PROBLEMS
    finally:
        lock.release()
    return EXIT_OK


def _build_and_run(transport: Any, **kwargs: Any) -> None:
    """Call the transport's ``build_and_run``; an ``async def`` one is run to its end."""
    import inspect

    result = transport.build_and_run(**kwargs)
    if inspect.isawaitable(result):
        import anyio

        async def wait() -> Any:
            return await result

        anyio.run(wait)


def _setup_problem(setup: Any) -> str | None:
    """What is wrong with what ``check_setup`` returned (None for a valid ``SetupResult``)."""
    from takopi_core.plugins.backends import SetupIssue, SetupResult
    from takopi_core.run.guard import discard_awaitable, type_label

    if not isinstance(setup, SetupResult):
        discard_awaitable(setup)
        return f"returned {type_label(setup)}, not a SetupResult"
    if not isinstance(setup.issues, list | tuple):
        return f"returned issues as {type_label(setup.issues)}, not a list of SetupIssue"
    for issue in setup.issues:
        if not isinstance(issue, SetupIssue):
            return f"returned an issue that is {type_label(issue)}, not a SetupIssue"
        if not isinstance(issue.title, str):
            return f"returned an issue whose title is {type_label(issue.title)}, not a str"
        if not isinstance(issue.lines, list | tuple) or not all(
            isinstance(line, str) for line in issue.lines
        ):
            return f"returned issue {issue.title!r} whose lines are not a list of str"
    return None


def _fault_reason(fault: BaseException) -> str:
    """A plugin fault's reason: the plugin's own exception for ordinary ones, as before."""
    cause = fault.__cause__
    if isinstance(cause, Exception):
        return _reason(cause)
    return str(fault)


def _load_settings(config_path: Path) -> Any:
    """Settings from the file, or the defaults when there is none (the terminal chat needs
    no config to start)."""
    from takopi_core.config.settings import Settings, load_settings_if_exists

    found = load_settings_if_exists(config_path)  # a path that is not a file is an error
    return found[0] if found is not None else Settings.from_data({}, config_path)


def _transport_id(option: str | None, settings: Any) -> str:
    from takopi_core.errors import ConfigError

    if option is not None:
        value = option.strip()
        if not value:
            raise ConfigError("Invalid `--transport`; expected a non-empty string.")
        return value
    from takopi_core.ids import FALLBACK_TRANSPORT

    return settings.transport or FALLBACK_TRANSPORT


def _plugin_label(discovery: Any, kind: str, plugin_id: str) -> str:
    entry = discovery.find(kind, plugin_id)
    dist = entry.dist_label if entry is not None else "unknown"
    return f"{kind} {plugin_id!r} ({dist})"


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _plain(text: str) -> str:
    return _MARKUP_TAGS.sub("", str(text))


def run_interactive_setup(backend: Any, *, force: bool) -> bool:
    """Call a transport's ``interactive_setup``, sync or async (upstream's is async)."""
    import inspect

    result = backend.interactive_setup(force=force)
    if inspect.isawaitable(result):
        import anyio

        async def wait() -> Any:
            return await result

        result = anyio.run(wait)
    return bool(result)


def _enable_debug_log(config_path: Path) -> None:
    """Log everything to ``$TAKOPI_LOG_FILE``, else ``debug.log`` beside the config.

    The log may hold what plugins log: it is created readable only by the user, and every
    line goes through the run's masker (see :func:`takopi_core.run.logs.open_private_log`).
    """
    import logging

    from takopi_core.run.logs import open_private_log

    default = config_path.expanduser().parent / "debug.log"
    path = Path(os.environ.get("TAKOPI_LOG_FILE") or default)
    try:
        handler = open_private_log(path)
    except OSError as exc:
        _error(f"cannot write the debug log {path}: {exc.strerror or exc}")
        return
    os.environ["TAKOPI_LOG_FILE"] = str(path)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)


def _use_masker(settings: Any, config_path: Path, transport_id: str, transport: Any) -> None:
    """From now on, hide the config's secrets in what is printed and logged: secret-named
    keys, this transport's declared secret fields (read in-process, it is loaded) and those
    of other transports configured in the file (asked in the probe's child: an engine's
    warning may quote any of them)."""
    global _masker
    from takopi_core.plugins.secret_fields import backend_secret_paths, config_masker
    from takopi_core.run.logs import set_log_masker

    _masker = config_masker(
        getattr(settings, "raw", None),
        config_path,
        known=backend_secret_paths(transport_id, transport),
        skip=(transport_id,),
    )
    set_log_masker(_masker)
