"""`takopi tui`: the Textual plugin manager, or a plain-text view when it cannot run.

Standard library only at top level. Textual and :mod:`takopi_tui` are imported inside the
handler, and only on the Textual path: the plain view (a pipe, ``TERM=dumb``, ``--plain``,
or a Textual that fails to start) never loads them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

#: What each TUI action is on the command line, for the plain view. ``{config}`` becomes
#: ``--config PATH`` when one was given.
CLI_EQUIVALENTS: tuple[tuple[str, str], ...] = (
    ("takopi plugins{config} --load", "check every enabled plugin (l, r)"),
    ("takopi plugins{config} --load -v", "the same with tracebacks (detail pane)"),
    ("takopi plugins{config} --load --json", "everything above as JSON"),
    ("takopi plugins enable{config} NAME", "enable a distribution or plugin id (space)"),
    ("takopi plugins disable{config} NAME", "disable a distribution or plugin id (space)"),
    ("takopi plugins disable{config} NAME --dry-run", "preview the change as a diff (ctrl+s)"),
    ("takopi plugins enable{config} --all", "show every installed plugin again"),
    ("takopi setup ID", "set up a transport"),
    ("takopi plugins catalogue [QUERY]", "search the published plugins (i)"),
    ("takopi plugins install NAME", "install a plugin with pip, after confirming (i)"),
    ("takopi plugins update [NAME]", "upgrade one or every plugin distribution (U)"),
    ("takopi plugins remove NAME", "uninstall a plugin distribution (x)"),
)


def register(subparsers: argparse._SubParsersAction) -> None:
    from takopi_core.cli import add_config_option, summary

    parser = subparsers.add_parser(
        "tui",
        help=summary("tui"),
        description="Browse installed plugins, watch them being checked, see why one fails, and "
        "enable or disable them in takopi.toml. Prints a plain-text view instead when "
        "stdout is not a terminal, TERM=dumb, or --plain is given.",
    )
    add_config_option(parser)
    parser.add_argument(
        "--plain", action="store_true", help="print the plain-text view; do not start the UI"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="per-plugin time limit when checking plugins (default 10)",
    )
    parser.set_defaults(handler=run_tui)


def plain_reason(args: argparse.Namespace, environ: dict[str, str] | None = None) -> str | None:
    """Why the plain view is used instead of the UI, or None to start the UI."""
    environ = dict(os.environ) if environ is None else environ
    if args.plain:
        return "--plain"
    if environ.get("TERM", "") == "dumb":
        return "TERM=dumb"
    if not _is_tty(sys.stdout):
        return "stdout is not a terminal"
    if not _is_tty(sys.stdin):
        return "stdin is not a terminal"
    return None


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def run_tui(args: argparse.Namespace) -> int:
    from takopi_core.cli import EXIT_OK, EXIT_USAGE
    from takopi_core.config.toml import enabled_list, read_config_data, resolve_config_path
    from takopi_core.errors import ConfigError

    if args.timeout is not None and args.timeout <= 0:
        print("error: --timeout must be a positive number of seconds", file=sys.stderr)
        return EXIT_USAGE
    config_path = resolve_config_path(args.config)
    try:
        enabled = enabled_list(read_config_data(config_path), config_path)
    except ConfigError as exc:
        from takopi_core.text import safe_text

        print(f"error: {safe_text(exc)}", file=sys.stderr)
        return EXIT_USAGE
    reason = plain_reason(args)
    if reason is None:
        outcome = _run_textual(config_path, args.timeout)
        if outcome is None:
            return EXIT_OK
        reason = outcome
        print(f"takopi tui: {reason}; showing the plain view instead.", file=sys.stderr)
    return run_plain(config_path, enabled, args, reason)


def _run_textual(config_path: Path, timeout: float | None) -> str | None:
    """Run the UI; None when it ran, else why it could not start."""
    try:
        from takopi_tui.app import TakopiApp

        # Update marks: the package index is asked in the background (no network, no mark).
        options: dict[str, Any] = {"config_path": config_path, "check_updates": True}
        if timeout is not None:
            options["timeout"] = timeout
        app = TakopiApp(**options)
    except Exception as exc:  # a broken Textual install must not take the command down
        return f"the terminal UI could not start ({type(exc).__name__}: {exc})"
    try:
        app.run()
    except Exception as exc:
        if app.started:
            raise
        return f"the terminal UI could not start ({type(exc).__name__}: {exc})"
    if not app.started and app.return_code:
        return "the terminal UI could not start"
    return None


def run_plain(config_path: Path, enabled: list[str], args: argparse.Namespace, reason: str) -> int:
    """Print what the UI would show, then the commands that do each of its actions."""
    import io
    import platform

    from takopi_core.cli import EXIT_OK, EXIT_PROBLEMS
    from takopi_core.config.toml import display_path, read_config_data
    from takopi_core.plugins import report
    from takopi_core.plugins.discovery import discover
    from takopi_core.plugins.probe import probe_visible
    from takopi_core.plugins.secret_fields import masker_from_results
    from takopi_core.plugins.setup_engine import config_default_engine, setup_engine_for
    from takopi_core.text import safe_text

    discovery = discover(enabled)
    setup_engine = setup_engine_for(discovery.entries, config_default_engine(config_path))
    results = probe_visible(
        discovery,
        timeout=args.timeout,
        setup_engine=setup_engine,
        timeout_hint="takopi tui --timeout {seconds}",
    )
    out = io.StringIO()
    out.write(f"takopi tui (plain view: {reason})\n")
    out.write(f"config: {display_path(config_path)}\n")
    out.write(f"python: {sys.executable} ({platform.python_version()})\n\n")
    out.write(report.render_listing(discovery, results, verbose=True))
    setup = report.render_setup(results.values())
    if setup:
        out.write(setup)
    config_option = f" --config {_quote(str(args.config))}" if args.config else ""
    out.write("\nwhat the UI does, as commands:\n")
    commands = [(cmd.format(config=config_option), text) for cmd, text in CLI_EQUIVALENTS]
    width = max(len(cmd) for cmd, _ in commands)
    for cmd, text in commands:
        out.write(f"  {cmd:<{width}}  {text}\n")
    # Plugin text (ids, metadata, errors, setup issues) is untrusted: secrets quoted back
    # are masked and control characters escaped, as in the UI.
    masker = masker_from_results(read_config_data(config_path), results.values())
    sys.stdout.write(safe_text(masker.text(out.getvalue())))
    return EXIT_PROBLEMS if report.has_errors(discovery, results) else EXIT_OK


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
