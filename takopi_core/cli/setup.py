"""`takopi setup [ID]`: set up a transport in a plain terminal.

The same six steps as the TUI's wizard (see :mod:`takopi_core.setup.flow`), as prompts:
choose a transport, read its setup issues, enter its declared settings (secrets typed
without echo) or run its own ``interactive_setup``, pick the default engine, review the diff,
then write and check again. ``--non-interactive KEY=VALUE...`` does the same for scripts and
containers without asking anything.

``--own-setup`` runs only the transport's own ``interactive_setup``: that is what the TUI
runs, with the terminal handed over, for transports that declare no fields. This process is
the child there, so the plugin's prompts (and its code) run here and never in the TUI.

This module is the command (its options, and the run that ties the parts together); the
steps live in :mod:`takopi_core.cli.setup_steps`, the prompts in
:mod:`takopi_core.cli.setup_terminal`.

Standard library only at top level: this module is imported to build `takopi --help`.
"""

from __future__ import annotations

import argparse
import os
import sys

from takopi_core.cli import EXIT_PROBLEMS, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:
    from takopi_core.cli import add_config_option, summary

    parser = subparsers.add_parser(
        "setup",
        help=summary("setup"),
        description="Set up a transport: show its setup issues, ask for the settings it "
        "declares (or run its own interactive setup), choose the default engine, show the "
        "change to takopi.toml, write it, and run the transport's check again.",
    )
    add_config_option(parser)
    parser.add_argument("id", nargs="?", metavar="ID", help="transport id (default: ask)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="ask for every setting even when the transport is already set up",
    )
    parser.add_argument(
        "--non-interactive",
        nargs="*",
        metavar="KEY=VALUE",
        default=None,
        help="ask nothing: set the declared fields from KEY=VALUE arguments (other fields "
        "keep their configured value or default) and write",
    )
    parser.add_argument(
        "--default",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="make this the default transport (`transport = ID`); without the option, "
        "setup asks, or with --non-interactive sets it when no transport is configured",
    )
    parser.add_argument("--engine", metavar="ID", help="set default_engine to this engine")
    parser.add_argument(
        "-y", "--yes", action="store_true", help="write without asking to confirm the diff"
    )
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        help="show tokens, keys and passwords as they are (masked by default)",
    )
    parser.add_argument(
        "--own-setup",
        action="store_true",
        help="only run the transport's own interactive setup, then exit (the TUI runs "
        "this when it hands over the terminal)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time limit for loading each plugin (default 10)",
    )
    parser.set_defaults(handler=run_setup)


def run_setup(args: argparse.Namespace) -> int:
    """The `takopi setup` command; returns the exit status."""
    from takopi_core.cli.setup_steps import CliSetup
    from takopi_core.cli.setup_terminal import Cancelled, Terminal, has_terminal, print_error
    from takopi_core.config.toml import CONFIG_ENV, resolve_config_path
    from takopi_core.plugins.probe import DEFAULT_TIMEOUT
    from takopi_core.setup.flow import SetupError, SetupSession, check_config_readable

    config_path = resolve_config_path(args.config)
    # A transport's own setup (and check_setup in children) finds the config through this.
    os.environ[CONFIG_ENV] = str(config_path)
    interactive = args.non_interactive is None
    if interactive and not has_terminal():
        print_error(
            "takopi setup asks questions and needs a terminal\n"
            "for scripts and containers: takopi setup ID --non-interactive KEY=VALUE ..."
        )
        return EXIT_USAGE
    if not interactive and not args.id:
        print_error(
            "--non-interactive needs the transport ID: takopi setup ID --non-interactive ..."
        )
        return EXIT_USAGE
    try:
        config = check_config_readable(config_path)
    except SetupError as exc:
        print_error(exc)
        return EXIT_USAGE
    session = SetupSession(
        config_path, timeout=args.timeout if args.timeout is not None else DEFAULT_TIMEOUT
    )
    flow = CliSetup(args, session, Terminal(), interactive=interactive)
    try:
        if args.own_setup:
            return flow.own_setup_only(config)
        return flow.run(config)
    except Cancelled:
        print("\nsetup cancelled; nothing was written", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("\nsetup cancelled; nothing was written", file=sys.stderr)
        return EXIT_PROBLEMS
    except SetupError as exc:
        print_error(exc)
        return EXIT_PROBLEMS
