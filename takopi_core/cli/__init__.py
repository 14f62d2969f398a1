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
from collections.abc import Callable, Sequence

from takopi_core import __version__

# typing costs `takopi --help` (which never loads it) a few milliseconds: for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

# Exit statuses shared by every subcommand: the one place they are defined.
EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command ran and found errors (plugin load errors, failed checks)
EXIT_USAGE = 2  # bad usage or a config that cannot be read
EXIT_INTERRUPTED = 130  # Ctrl+C: 128 + SIGINT, as shells report it
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away: 128 + SIGPIPE

#: Subcommand -> (module with ``register(subparsers)``, one-line help). Order is --help's.
#: Only the module of the command being run is imported: `takopi --help` imports none.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "tui": ("takopi_core.cli.tui", "browse, check, enable and disable plugins in a terminal UI"),
    "plugins": ("takopi_core.cli.plugins", "list discovered plugins and optionally check them"),
    "config": ("takopi_core.cli.config", "show or edit takopi.toml"),
    "setup": (
        "takopi_core.cli.setup",
        "set up a transport: its settings, the default engine, then a check",
    ),
    "doctor": (
        "takopi_core.cli.doctor",
        "check the config, transport, engines, plugins and lock; say what to fix",
    ),
    "run": ("takopi_core.cli.run", "start the bridge (the default when no command is given)"),
    "init": ("takopi_core.cli.init", "register the current folder as a project"),
}


def summary(command: str) -> str:
    """The one-line help of ``command``, for its module's ``add_parser(help=...)``."""
    return SUBCOMMANDS[command][1]


DESCRIPTION = "Takopi plugin host: list, check, enable and set up plugins, and run the bridge."
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
    stdout = sys.__stdout__  # None under pythonw and some embedders
    if stdout is None:
        return 80
    try:
        return os.get_terminal_size(stdout.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 80


class ArgumentParser(argparse.ArgumentParser):
    """The parser class for `takopi` and every subcommand (set through parser_class).

    A mistyped option or choice (`--lod`, `disble`) gets a "did you mean" line, as Python
    3.14's ``suggest_on_error`` gives; that is not there on 3.11-3.13.
    """

    #: Every option string of every parser built in this process: an unrecognised option is
    #: reported by the top parser, but the option it meant belongs to a subcommand's.
    known_options: set[str] = set()

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        # argparse's parameters, passed through; spelling their types would need Any, and
        # importing typing costs `takopi --help` (which never loads it) a few milliseconds.
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def add_argument(self, *args: object, **kwargs: object) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)  # type: ignore[arg-type]
        ArgumentParser.known_options.update(action.option_strings)
        return action

    def error(self, message: str) -> NoReturn:
        hint = _suggestion(message)
        super().error(message + hint if hint else message)


def _suggestion(message: str) -> str:
    """A " (did you mean ...?)" for argparse's unknown-choice and unknown-option errors."""
    import difflib
    import re

    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if choice is not None:
        options = re.findall(r"'([^']*)'", choice.group(2))
        close = difflib.get_close_matches(choice.group(1), options, n=1)
        return f"\ndid you mean '{close[0]}'?" if close else ""
    unknown = re.search(r"unrecognized arguments: (.*)", message)
    if unknown is None:
        return ""
    hints = []
    for word in unknown.group(1).split():
        flag = word.split("=", 1)[0]
        if not flag.startswith("-"):
            continue
        close = difflib.get_close_matches(flag, sorted(ArgumentParser.known_options), n=1)
        if close:
            hints.append(f"did you mean '{close[0]}' for '{flag}'?")
    return "".join(f"\n{hint}" for hint in hints)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, with full arguments for ``command`` and a bare entry for the others."""
    parser = ArgumentParser(prog="takopi", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"takopi-tui {__version__}")
    # prog= spares argparse a help formatter (and shutil) on every start.
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", prog="takopi", parser_class=ArgumentParser
    )
    if command in SUBCOMMANDS:
        importlib.import_module(SUBCOMMANDS[command][0]).register(subparsers)
    for name, (_module, help_text) in SUBCOMMANDS.items():
        if name not in subparsers.choices:
            subparsers.add_parser(name, help=help_text, add_help=False)
    return parser


def add_config_option(parser: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """``--config PATH``: the one way every subcommand picks the config file.

    ``nested`` is for a sub-subcommand (`takopi config get`) whose parent has the option
    too: its default is SUPPRESS, so `takopi config --config X get k` keeps X instead of
    the nested parser's default overwriting it.
    """
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS if nested else None,
        help="config file (default: $TAKOPI_CONFIG, then ~/.takopi/takopi.toml)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = args_list[0] if args_list and not args_list[0].startswith("-") else None
    if command is not None and command not in SUBCOMMANDS:
        if not _is_installed_engine(command):
            _unknown_command(command)
            return EXIT_USAGE
        # `takopi ENGINE [options]` is `takopi run --engine ENGINE [options]`.
        args_list = ["run", "--engine", command, *args_list[1:]]
        command = "run"
    args = build_parser(command).parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        # A bare `takopi` starts the bridge, as upstream does.
        return main(["run", *args_list])
    try:
        if command in _OWN_TERMINAL:
            return int(handler(args) or 0)
        return _run_with_safe_output(handler, args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`takopi plugins | head`): no traceback, and none at exit
        # either when Python flushes stdout; 128 + SIGPIPE, as shell tools report it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


#: Commands that draw on the terminal themselves (the chat's progress line, the Textual UI):
#: they escape untrusted text where they show it, not in the stream.
_OWN_TERMINAL = frozenset({"run", "tui"})


def _run_with_safe_output(
    handler: Callable[[argparse.Namespace], int | None], args: argparse.Namespace
) -> int:
    """Run ``handler`` with stdout and stderr escaping control characters.

    Plugin ids, metadata, plugin messages and config values reach many lines of many
    commands; escaping in the stream keeps every one of them from writing a control sequence
    (a clipboard write, a cleared screen) to the terminal.
    """
    from takopi_core.text import safe_stream

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = safe_stream(out), safe_stream(err)
    try:
        return int(handler(args) or 0)
    finally:
        sys.stdout, sys.stderr = out, err


def _is_installed_engine(word: str) -> bool:
    """Whether an engine plugin with this id is installed (enabled or not; metadata only)."""
    from takopi_core.plugins.discovery import discover

    return any(entry.id == word for entry in discover(kinds=("engine",)).entries)


#: Second-level commands a user may type first (`takopi disable x`): what they meant.
_NESTED_COMMANDS = {
    word: f"{parent} {word}"
    for parent, words in (
        ("plugins", ("enable", "disable", "info", "install", "update", "remove", "catalogue")),
        ("config", ("path", "show", "list", "get", "set", "unset")),
    )
    for word in words
}


def _unknown_command(word: str) -> None:
    import difflib

    words = {name: name for name in SUBCOMMANDS} | _NESTED_COMMANDS
    close = difflib.get_close_matches(word, list(words), n=1)
    hint = f" Did you mean `takopi {words[close[0]]}`?" if close else ""
    print(
        f"takopi: {word!r} is neither a command nor an installed engine.{hint}\n"
        "Run `takopi --help` for the commands and `takopi plugins` for the engines.",
        file=sys.stderr,
    )
