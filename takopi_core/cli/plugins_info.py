"""`takopi plugins info NAME`: a distribution's details from its metadata (no plugin code runs).

What the TUI's details page shows (takopi_tui/screens/details.py), as text: summary, URLs,
author, licence, Requires-Python checked against this interpreter, the takopi range, the
entry points, each dependency marked installed / missing / wrong version, and the README.
Registered under the ``plugins`` subcommand by cli/plugins.py; standard library only at
top level.
"""

from __future__ import annotations

import argparse
import sys


def register(plugins_subparsers: argparse._SubParsersAction) -> None:
    """Add ``info`` to the ``plugins`` subcommand's subparsers."""
    info = plugins_subparsers.add_parser(
        "info",
        help="show a plugin distribution's details: URLs, licence, dependencies, README",
        description="Show what a distribution's metadata says: summary, URLs, author, "
        "licence, Requires-Python, the takopi range, its entry points, each dependency "
        "(installed, missing or wrong version) and the README. NAME is a distribution name "
        "or a plugin id. Reads metadata only: no plugin code runs.",
    )
    info.add_argument("name", metavar="NAME", help="distribution name or plugin id")
    info.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="EXTRA",
        help="also list the dependencies of this extra (repeatable)",
    )
    info.add_argument("--no-readme", action="store_true", help="leave the README out")
    info.add_argument("--json", action="store_true", help="print a JSON object")
    info.set_defaults(handler=run_info)


def run_info(args: argparse.Namespace) -> int:
    from takopi_core.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
    from takopi_core.plugins.dist_details import DistMetadataError, DistNotFound, details_for

    name, location = resolve_name(args.name)
    try:
        details = details_for(name, extras=args.extra, location=location)
    except DistNotFound as exc:
        print(f"error: {exc}{_did_you_mean(args.name)}", file=sys.stderr)
        return EXIT_USAGE
    except DistMetadataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.json:
        import dataclasses
        import json

        data = dataclasses.asdict(details)
        data["problems"] = details.problems
        if args.no_readme:
            data["readme"] = None
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from takopi_core.plugins.dist_details_text import render_details

        sys.stdout.write(render_details(details, readme=not args.no_readme))
    return EXIT_OK


def _did_you_mean(name: str) -> str:
    """``; did you mean X?`` when a discovered distribution or plugin id is close to ``name``
    (metadata only), else nothing: the error already says where the list is."""
    from takopi_core.plugins.discovery import discover
    from takopi_core.plugins.suggest import close_names

    found = discover()
    ids = [entry.id for entry in found.entries] + [error.id for error in found.errors]
    close = close_names(name, [*found.distributions(), *ids])
    return f"; did you mean {' or '.join(close)}?" if close else ""


def resolve_name(name: str) -> tuple[str, str | None]:
    """The distribution ``name`` stands for, and its ``.dist-info`` folder when discovery
    knows it: ``name`` is a distribution name or a plugin id."""
    from importlib import metadata

    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        pass
    else:
        return name, None
    from takopi_core.ids import normalize_dist_name
    from takopi_core.plugins.discovery import discover

    found = discover()
    wanted = normalize_dist_name(name)
    for entry in found.entries:
        dist = entry.distribution
        if dist and (entry.id == name or normalize_dist_name(dist) == wanted):
            return str(dist), entry.location
    for error in found.errors:
        if error.id == name and error.distribution:
            return str(error.distribution), None
    return name, None
