"""`takopi plugins enable|disable`: edit ``[plugins] enabled`` for the user.

Registered under the ``plugins`` subcommand by cli/plugins.py. Standard library only at top
level; discovery, tomlkit and the planner are imported when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Literal


def register(plugins_subparsers: argparse._SubParsersAction) -> None:
    """Add ``enable`` and ``disable`` to the ``plugins`` subcommand's subparsers."""
    enable = plugins_subparsers.add_parser(
        "enable",
        help="make plugin distributions visible",
        description="Enable plugin distributions in [plugins] enabled. NAME is a "
        "distribution name or a plugin id (which stands for its whole distribution).",
    )
    enable.add_argument("names", nargs="*", metavar="NAME", help="distribution or plugin id")
    enable.add_argument(
        "--all", action="store_true", help="enable every plugin (writes `enabled = []`)"
    )
    _common_options(enable)
    enable.set_defaults(handler=run_enable)

    disable = plugins_subparsers.add_parser(
        "disable",
        help="hide plugin distributions",
        description="Disable plugin distributions in [plugins] enabled. NAME is a "
        "distribution name or a plugin id (which stands for its whole distribution).",
    )
    disable.add_argument("names", nargs="+", metavar="NAME", help="distribution or plugin id")
    _common_options(disable)
    disable.set_defaults(handler=run_disable)


def _common_options(parser: argparse.ArgumentParser) -> None:
    from takopi_core.cli import add_config_option

    # Nested: `takopi plugins --config X enable ...` keeps the value parsed by `plugins`.
    add_config_option(parser, nested=True)
    parser.add_argument(
        "--dry-run", action="store_true", help="print the change as a diff; write nothing"
    )
    parser.add_argument(
        "--show-secrets", action="store_true", help="do not mask secrets in the diff"
    )


def run_enable(args: argparse.Namespace) -> int:
    from takopi_core.cli import EXIT_USAGE

    if args.all and args.names:
        print("error: give plugin names or --all, not both", file=sys.stderr)
        return EXIT_USAGE
    if not args.all and not args.names:
        print("error: name at least one plugin or distribution, or use --all", file=sys.stderr)
        return EXIT_USAGE
    changes: dict[str, bool] | Literal["all"] = (
        "all" if args.all else dict.fromkeys(args.names, True)
    )
    return _apply(args, changes)


def run_disable(args: argparse.Namespace) -> int:
    return _apply(args, dict.fromkeys(args.names, False))


def _apply(args: argparse.Namespace, changes: dict[str, bool] | Literal["all"]) -> int:
    from takopi_core.cli import EXIT_OK, EXIT_USAGE
    from takopi_core.config.file import ConfigFile
    from takopi_core.config.keys import toml_literal
    from takopi_core.config.toml import display_path
    from takopi_core.errors import ConfigError
    from takopi_core.plugins.enablement import EnablementError, plan_for_config

    try:
        config = ConfigFile.load(getattr(args, "config", None))
        plan = plan_for_config(config, changes)
    except (ConfigError, EnablementError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for note in plan.notes:
        print(note)
    if plan.new_list is None:
        print(f"error: {plan.refusal}", file=sys.stderr)
        return EXIT_USAGE
    for change in plan.changes:
        print(change.describe())
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not plan.list_changed:
        print("nothing to change")
        return EXIT_OK
    print(f"plugins.enabled = {toml_literal(list(plan.new_list))}")
    try:
        new_text = config.with_enabled(list(plan.new_list))
        if args.dry_run:
            from takopi_core.plugins.secret_fields import config_masker

            # The diff's context lines may show a declared secret field nearby.
            masker = None if args.show_secrets else config_masker(config.data, config.path)
            shown = config.diff(new_text, show_secrets=args.show_secrets, masker=masker)
            sys.stdout.write(shown)
            print("dry run: nothing written")
            return EXIT_OK
        config.save(new_text)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"saved {display_path(config.path)} (previous version: {config.backup_path.name})")
    print("restart takopi to apply")
    return EXIT_OK
