"""The ``takopi`` command line (argparse).

Start-up cost matters here: this module and the ``cli_*`` modules it registers import only
the standard library at top level. Each subcommand imports what it needs when it runs, so
``takopi --help`` never pays for Textual, tomlkit or plugin code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from . import __version__
from .ids import CLI_COMMANDS

# Exit statuses shared by every subcommand.
EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command ran and found errors (plugin load errors, failed checks)
EXIT_USAGE = 2  # bad usage or a config that cannot be read

#: Subcommand name -> module with ``register(subparsers)``. Order is the order in --help.
SUBCOMMAND_MODULES: dict[str, str] = {
    "tui": "takopi_core.cli_tui",
    "plugins": "takopi_core.cli_plugins",
    "config": "takopi_core.cli_config",
    "run": "takopi_core.cli_run",
    "init": "takopi_core.cli_run",
    "setup": "takopi_core.cli_setup",
    "doctor": "takopi_core.cli_doctor",
}

DESCRIPTION = "Takopi plugin host: list, validate, enable and set up plugins, and run the bridge."
EPILOG = "Run `takopi ENGINE` to start the bridge with that engine as the default."


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, sizing itself without importing shutil.

    argparse builds a formatter for every add_argument() call, and the stock one imports
    shutil for the terminal width: a measurable share of `takopi --help`.
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def _terminal_columns() -> int:
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class ArgumentParser(argparse.ArgumentParser):
    """The parser class for `takopi` and every subcommand (set through parser_class)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="takopi", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"takopi-tui {__version__}")
    # prog= spares argparse a help formatter (and shutil) on every start.
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", prog="takopi", parser_class=ArgumentParser
    )
    for module_name in dict.fromkeys(SUBCOMMAND_MODULES.values()):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # that subcommand has not landed yet
        module.register(subparsers)
    registered = set(subparsers.choices)
    unknown = registered - CLI_COMMANDS
    assert not unknown, f"reserve these CLI command names in ids.py: {sorted(unknown)}"
    return parser


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config PATH``: the one way every subcommand picks the config file."""
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $TAKOPI_CONFIG, then ~/.takopi/takopi.toml)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    engine_shortcut = _engine_shortcut(args_list, parser)
    if engine_shortcut is not None:
        # `takopi ENGINE [options]` is `takopi run --engine ENGINE [options]`.
        args_list = ["run", "--engine", engine_shortcut, *args_list[1:]]
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        if args.command is None and "run" in _subcommand_choices(parser):
            return main(["run", *args_list])  # bare `takopi` starts the bridge, as upstream
        parser.print_help()
        return EXIT_OK
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        sys.stderr.close()
        return EXIT_OK


def _engine_shortcut(args: list[str], parser: argparse.ArgumentParser) -> str | None:
    """The engine id when argv starts with a word that is not one of our subcommands."""
    if not args or args[0].startswith("-"):
        return None
    choices = _subcommand_choices(parser)
    if args[0] in choices or "run" not in choices:
        return None
    return args[0]


def _subcommand_choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}
