"""`takopi plugins catalogue [QUERY]`: search the published Takopi plugins that ship with us.

Registered under the ``plugins`` subcommand by cli/plugins.py. Each match shows its kinds and
ids, the Python it needs (and whether the inspected interpreter has it), whether it is
installed there, its summary and homepage, and the install command. Standard library only at
top level.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from takopi_core.plugins.catalogue import CatalogueEntry


def register(actions: argparse._SubParsersAction) -> None:
    """Add ``catalogue`` (alias ``search``) to the ``plugins`` subcommand."""
    parser = actions.add_parser(
        "catalogue",
        aliases=["search"],
        help="search the catalogue of published plugins",
        description="Search the published Takopi plugins (a catalogue shipped with "
        "takopi-tui) by name, kind, id or summary. Every word of QUERY must match.",
    )
    parser.add_argument("query", nargs="*", metavar="QUERY", help="words to look for")
    parser.add_argument(
        "--python",
        metavar="PATH",
        default=None,
        help="mark what is installed for this interpreter (default: the one running takopi)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(handler=run_catalogue)


def run_catalogue(args: argparse.Namespace) -> int:
    from takopi_core.cli import EXIT_OK, EXIT_PROBLEMS
    from takopi_core.cli.plugins_manage import inspected_python
    from takopi_core.ids import normalize_dist_name
    from takopi_core.plugins.catalogue import search
    from takopi_core.plugins.installed import (
        InstalledError,
        installed_plugins,
        interpreter_version,
    )

    python = inspected_python(args)
    query = " ".join(args.query)
    entries = search(query)
    try:
        installed = {normalize_dist_name(k): v for k, v in installed_plugins(python).items()}
    except InstalledError as exc:
        print(f"warning: {exc}", file=sys.stderr)
        installed = {}
    version = interpreter_version(python)
    if args.json:
        _print_json(entries, installed, version)
    elif entries:
        _print_text(entries, installed, version)
    else:
        print(f"no published plugin matches {query!r}; `takopi plugins catalogue` lists all")
    return EXIT_OK if entries else EXIT_PROBLEMS


def _print_json(
    entries: list[CatalogueEntry], installed: dict[str, str], version: str | None
) -> None:
    import json

    from takopi_core.ids import normalize_dist_name

    items = [
        {
            "name": entry.name,
            "published": entry.published,
            "plugins": {kind: list(ids) for kind, ids in entry.plugins.items()},
            "summary": entry.summary,
            "requires_python": entry.requires_python,
            "python_ok": entry.supports_python(version) if version else None,
            "homepage": entry.homepage,
            "installed": installed.get(normalize_dist_name(entry.name)),
        }
        for entry in entries
    ]
    json.dump(items, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _print_text(
    entries: list[CatalogueEntry], installed: dict[str, str], version: str | None
) -> None:
    """Each entry: name, kinds and ids, marks; its summary, the Python it needs, homepage."""
    from takopi_core.ids import normalize_dist_name

    for entry in entries:
        plugins = ", ".join(
            f"{kind} {'/'.join(ids)}" if ids else kind
            for kind, ids in sorted(entry.plugins.items())
        )
        marks = []
        have = installed.get(normalize_dist_name(entry.name))
        if have:
            marks.append(f"installed {have}")
        if not entry.published:
            marks.append("not on the package index")
        shown_marks = f"  ({', '.join(marks)})" if marks else ""
        print(f"{entry.name}  [{plugins or 'kind unknown'}]{shown_marks}")
        print(f"    {entry.summary}")
        if entry.requires_python:
            fits = entry.supports_python(version) if version else None
            note = f": this is Python {version}" if fits is False else ""
            print(f"    needs Python {entry.requires_python}{note}")
        if entry.homepage:
            print(f"    {entry.homepage}")
    print(_install_hint(entries, installed, version), end="")


def _install_hint(
    entries: list[CatalogueEntry], installed: dict[str, str], version: str | None
) -> str:
    """The closing line: an entry this interpreter can install (one not installed first), or,
    when every published match needs another Python, which Python that is."""
    from takopi_core.ids import normalize_dist_name

    published = [e for e in entries if e.published]
    if not published:
        return ""
    fitting = [e for e in published if not version or e.supports_python(version) is not False]
    if fitting:
        new = [e for e in fitting if normalize_dist_name(e.name) not in installed]
        return f"\nInstall one: takopi plugins install {(new or fitting)[0].name}\n"
    needs = sorted({e.requires_python or "" for e in published} - {""})
    first = published[0]
    return (
        f"\nNone of these installs on Python {version}: "
        f"{'they need' if len(published) > 1 else 'it needs'} Python {' or '.join(needs)}.\n"
        "Install into an environment that has it (PATH: its python):\n"
        f"  takopi plugins install --python PATH {first.name}\n"
    )
