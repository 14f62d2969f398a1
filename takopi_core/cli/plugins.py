"""`takopi plugins`: list plugins from metadata, optionally validate them in the probe."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from takopi_core.plugins.probe import LoadResult
    from takopi_core.secrets import Masker


def register(subparsers: argparse._SubParsersAction) -> None:
    from takopi_core.cli import add_config_option, summary

    parser = subparsers.add_parser(
        "plugins",
        help=summary("plugins"),
        description="List discovered plugins and optionally check them. Listing reads "
        "metadata only; --load checks each plugin in a separate process.",
    )
    add_config_option(parser)
    parser.add_argument(
        "--load", action="store_true", help="check each plugin in a child process, report errors"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="per-plugin time limit with --load (default 10)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show tracebacks of load errors"
    )
    parser.set_defaults(handler=run_plugins)
    from takopi_core.cli import enable as cli_enable
    from takopi_core.cli import plugins_catalogue, plugins_info, plugins_manage

    actions = parser.add_subparsers(
        dest="plugins_action",
        metavar="[enable|disable|info|install|update|remove|catalogue]",
        title="actions (optional: without one, plugins are listed)",
        prog="takopi plugins",
    )
    cli_enable.register(actions)
    plugins_info.register(actions)
    plugins_manage.register(actions)
    plugins_catalogue.register(actions)


def load_inventory(config_option: str | None) -> tuple[Path, list[str]]:
    """The config path and its ``[plugins] enabled`` list; ConfigError when unreadable."""
    from takopi_core.config.toml import enabled_list, read_config_data, resolve_config_path

    path = resolve_config_path(config_option)
    return path, enabled_list(read_config_data(path), path)


def run_plugins(args: argparse.Namespace) -> int:
    from takopi_core.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
    from takopi_core.errors import ConfigError
    from takopi_core.plugins.discovery import discover

    try:
        config_path, enabled = load_inventory(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    discovery = discover(enabled)
    results = None
    if args.load:
        from takopi_core.plugins.probe import probe_visible

        hint = "takopi plugins --load --timeout {seconds}"
        results = probe_visible(discovery, timeout=args.timeout, timeout_hint=hint)
    from takopi_core.plugins import report

    # A plugin's error may quote the config back: its secret values are masked.
    masker = _masker(config_path, results.values()) if results else None
    if args.json:
        import json

        items = report.listing_json(discovery, results)
        json.dump(masker.data(items) if masker else items, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        listing = report.render_listing(discovery, results, verbose=args.verbose)
        sys.stdout.write(masker.text(listing) if masker else listing)
    failed = report.has_errors(discovery, results or {})
    return EXIT_PROBLEMS if failed else EXIT_OK


def _masker(config_path: Path, results: Iterable[LoadResult]) -> Masker:
    from takopi_core.config.toml import read_config_data
    from takopi_core.plugins.secret_fields import masker_from_results

    return masker_from_results(read_config_data(config_path), results)
