"""`takopi config path|show|get|set|unset`: read and edit ``takopi.toml`` from the shell.

Keys are dotted (``transports.telegram.chat_id``). ``set`` parses VALUE as a TOML value and
keeps it as a string when it is not one. Secrets (keys containing token, secret, password
or key) are masked in every output unless ``--show-secrets`` is given. Standard library only
at top level.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from takopi_core.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, add_config_option, summary

if TYPE_CHECKING:
    from takopi_core.config.file import ConfigFile
    from takopi_core.secrets import Masker


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "config",
        help=summary("config"),
        description="Show or edit the config file. Edits keep comments and formatting, are "
        "checked before writing, and are written atomically with a .bak copy.",
    )
    add_config_option(parser)
    parser.set_defaults(handler=_usage(parser))
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION")

    path = actions.add_parser("path", help="print the config file's path")
    _config_option(path)
    path.set_defaults(handler=run_path)

    show = actions.add_parser(
        "show", aliases=["list"], help="print every key as `dotted.key = value`"
    )
    _config_option(show)
    _secrets_option(show)
    show.set_defaults(handler=run_show)

    get = actions.add_parser("get", help="print one value (exit 1 when it is not set)")
    get.add_argument("key", metavar="KEY", help="dotted key, e.g. transports.telegram.chat_id")
    _config_option(get)
    _secrets_option(get)
    get.set_defaults(handler=run_get)

    set_ = actions.add_parser("set", help="set a value, creating tables as needed")
    set_.add_argument("key", metavar="KEY", help="dotted key, e.g. default_engine")
    set_.add_argument(
        "value", metavar="VALUE", help='a TOML value (123, true, ["a"]); otherwise a string'
    )
    _config_option(set_)
    _edit_options(set_)
    set_.set_defaults(handler=run_set)

    unset = actions.add_parser("unset", help="remove a key (exit 1 when it is not set)")
    unset.add_argument("key", metavar="KEY", help="dotted key")
    _config_option(unset)
    _edit_options(unset)
    unset.set_defaults(handler=run_unset)


def _usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def show_help(_args: argparse.Namespace) -> int:
        parser.print_help()
        return EXIT_OK

    return show_help


def _config_option(parser: argparse.ArgumentParser) -> None:
    # Nested: `takopi config --config X get k` must not be overwritten by get's default.
    add_config_option(parser, nested=True)


def _secrets_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--show-secrets", action="store_true", help="print tokens, keys and passwords as they are"
    )


def _edit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="print the change as a diff; write nothing"
    )
    _secrets_option(parser)


def _masker(config: ConfigFile, args: argparse.Namespace) -> Masker | None:
    """What to hide: secret-named keys and the transports' declared secret fields (asked in
    the probe's child, only when the config has a transport table that could hold one)."""
    if getattr(args, "show_secrets", False):
        return None
    from takopi_core.plugins.secret_fields import config_masker

    return config_masker(config.data, config.path)


def _error(message: object) -> None:
    print(f"error: {message}", file=sys.stderr)


def run_path(args: argparse.Namespace) -> int:
    from takopi_core.config.toml import resolve_config_path

    print(resolve_config_path(args.config))
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    from takopi_core.config.file import ConfigFile
    from takopi_core.config.keys import flatten, masked_literal
    from takopi_core.config.toml import display_path
    from takopi_core.errors import ConfigError

    try:
        config = ConfigFile.load(args.config)
        leaves = flatten(config.data)
        masker = _masker(config, args)
        lines = [
            f"{'.'.join(keys)} = "
            f"{masked_literal(keys, value, show_secrets=args.show_secrets, masker=masker)}"
            for keys, value in leaves
        ]
    except ConfigError as exc:
        _error(exc)
        return EXIT_USAGE
    if not config.exists:
        print(f"no config file at {display_path(config.path)} (an empty config)", file=sys.stderr)
    for line in lines:
        print(line)
    _warn_typed_problems(config)
    return EXIT_OK


def _warn_typed_problems(config: ConfigFile) -> None:
    """Say (on stderr) what the typed checks refuse: the file is shown as written, but
    `takopi run` and every write would stop on it."""
    from takopi_core.config.settings import Settings
    from takopi_core.errors import ConfigError

    try:
        Settings.from_data(config.data, config.path)
    except ConfigError as exc:
        for problem in str(exc).splitlines():
            print(f"warning: {problem}", file=sys.stderr)


def run_get(args: argparse.Namespace) -> int:
    from takopi_core.config.file import ConfigFile
    from takopi_core.config.keys import lookup, masked_literal, parse_key
    from takopi_core.errors import ConfigError

    try:
        keys = parse_key(args.key)
        config = ConfigFile.load(args.config)
        found, value = lookup(config.data, keys, config.path)
    except ConfigError as exc:
        _error(exc)
        return EXIT_USAGE
    if not found:
        return EXIT_PROBLEMS
    if isinstance(value, dict):
        _error(f"{args.key!r} is a table; pick a leaf key (`takopi config show` lists them all)")
        return EXIT_USAGE
    try:
        masker = _masker(config, args)
    except ConfigError as exc:
        _error(exc)
        return EXIT_USAGE
    print(masked_literal(keys, value, show_secrets=args.show_secrets, masker=masker))
    return EXIT_OK


def run_set(args: argparse.Namespace) -> int:
    from takopi_core.config.keys import masked_literal, parse_key, parse_value
    from takopi_core.errors import ConfigError

    try:
        keys = parse_key(args.key)
        value = parse_value(args.value)
    except ConfigError as exc:
        _error(exc)
        return EXIT_USAGE
    from takopi_core.config.file import ConfigFile

    try:
        masker = _masker(ConfigFile.load(args.config), args)
    except ConfigError as exc:
        _error(exc)
        return EXIT_USAGE
    shown = masked_literal(keys, value, show_secrets=args.show_secrets, masker=masker)
    return _write(
        args, lambda config: config.with_value(keys, value), f"updated {args.key} = {shown}"
    )


class _NotSet(Exception):
    """``unset`` of a key that is not there (exit 1, nothing written)."""


def run_unset(args: argparse.Namespace) -> int:
    from takopi_core.config.keys import lookup, parse_key
    from takopi_core.errors import ConfigError

    try:
        keys = parse_key(args.key)
    except ConfigError as exc:
        _error(exc)
        return EXIT_USAGE

    def remove(config: ConfigFile) -> str:
        found, _ = lookup(config.data, keys, config.path)
        if not found:
            raise _NotSet
        return config.without_key(keys)

    try:
        return _write(args, remove, f"removed {args.key}")
    except _NotSet:
        print(f"{args.key} is not set", file=sys.stderr)
        return EXIT_PROBLEMS


#: How often a write is tried again when another writer saved first (see _write).
WRITE_ATTEMPTS = 20


def _write(args: argparse.Namespace, change: Callable[[ConfigFile], str], done: str) -> int:
    """Apply ``change`` and save, or print its diff with ``--dry-run``.

    Before writing, the new text must pass the typed checks and the declared field
    validators of every transport table it changes (run in a child); a refusal names the key
    path and writes nothing. The save holds the config's write lock and refuses when another
    writer saved since our read; the change is then made again on the fresh file, so
    parallel `takopi config set` runs all land. Reading and checking take no lock, so a
    refused change leaves no trace beside the config.
    """
    from takopi_core.config.file import ConfigFile
    from takopi_core.config.lock import ConfigBusyError
    from takopi_core.config.toml import display_path
    from takopi_core.errors import ConfigConflictError, ConfigError
    from takopi_core.setup.precheck import check_new_text

    try:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            config = ConfigFile.load(args.config)
            new_text = change(config)
            warnings = check_new_text(config, new_text)
            if args.dry_run:
                masker = _masker(config, args)
                shown = config.diff(new_text, show_secrets=args.show_secrets, masker=masker)
                sys.stdout.write(shown)
                _warn(warnings)
                print("dry run: nothing written")
                return EXIT_OK
            try:
                config.save(new_text)
                break
            except ConfigBusyError:
                raise
            except ConfigConflictError:
                if attempt == WRITE_ATTEMPTS:
                    raise
    except ConfigError as exc:
        _error(exc)
        return EXIT_USAGE
    _warn(warnings)
    print(done)
    print(f"saved {display_path(config.path)}")
    return EXIT_OK


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
