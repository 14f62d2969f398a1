"""What installing, updating and removing plugins means for the table: plain data, no Textual.

The plugins screen plans pip commands with :mod:`takopi_core.plugins.install` and runs them in
the inspected environment; this module answers the questions around that: which plugin
distributions are installed (and at which version), which ones a command brought in, which
rows get an update mark, and what the catalogue rows say.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from takopi_core.ids import normalize_dist_name

from .rows import PluginRow

if TYPE_CHECKING:
    from takopi_core.plugins.catalogue import CatalogueEntry
    from takopi_core.plugins.discovery import Discovery, PluginEntry

#: The update mark in the Version column, before the newer version ("1.0 ↑ 1.2").
UPDATE_MARK = "↑"


def installed_distributions(discovery: Discovery) -> dict[str, str]:
    """Plugin distributions (not takopi-tui itself) mapped to their installed version.

    Names as their metadata spells them; a distribution whose version is unknown maps to "".
    Broken entries count too: their distribution is installed, and may be updated or removed.
    """
    found: dict[str, str] = {}
    for entry in discovery.entries:
        name = entry.distribution
        if name and not _is_own(name) and not found.get(name):
            found[name] = entry.version or ""
    for error in discovery.errors:  # discovery errors carry no version
        if error.distribution and not _is_own(error.distribution):
            found.setdefault(error.distribution, "")
    return found


def index_candidates(discovery: Discovery, pythonpath: str | None = None) -> dict[str, str]:
    """The installed plugin distributions worth asking the package index about.

    Those found only in a folder on ``PYTHONPATH`` (``pythonpath``, default the environment
    variable) are left out: pip did not install them there and cannot upgrade them in place
    (``pip install --upgrade`` would put a second copy into site-packages, hidden behind the
    first), so an update mark on them would offer what cannot work.
    """
    if pythonpath is None:
        pythonpath = os.environ.get("PYTHONPATH", "")
    folders = {_real(part) for part in pythonpath.split(os.pathsep) if part}
    installed = installed_distributions(discovery)
    if not folders:
        return installed
    outside: set[str] = set()  # distributions with a copy somewhere else (site-packages)
    found = [(e.distribution, e.location) for e in discovery.entries] + [
        (e.distribution, e.location) for e in discovery.errors
    ]
    for name, location in found:
        folder = os.path.dirname(str(location or "").rstrip(os.sep))
        if name and location and _real(folder) not in folders:
            outside.add(normalize_dist_name(name))
    return {name: v for name, v in installed.items() if normalize_dist_name(name) in outside}


def _real(path: str) -> str:
    return os.path.realpath(os.path.expanduser(path))


def _is_own(name: str) -> bool:
    from takopi_core.plugins.discovery import is_builtin_distribution

    return is_builtin_distribution(name)


def changed_distributions(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """Distributions that are new in ``after`` or have another version there, sorted."""
    old = {normalize_dist_name(name): version for name, version in before.items()}
    return sorted(
        (name for name, version in after.items() if old.get(normalize_dist_name(name)) != version),
        key=normalize_dist_name,
    )


def entries_of(discovery: Discovery, distributions: Iterable[str]) -> list[PluginEntry]:
    """The listed entries of ``distributions`` (names compared in normalized form)."""
    wanted = {normalize_dist_name(name) for name in distributions}
    return [
        entry
        for entry in discovery.entries
        if entry.distribution and normalize_dist_name(entry.distribution) in wanted
    ]


def with_update_marks(rows: Sequence[PluginRow], newer: Mapping[str, str]) -> list[PluginRow]:
    """``rows`` with ``latest`` set where ``newer`` (distribution -> newer version) says so."""
    if not newer:
        return list(rows)
    by_name = {normalize_dist_name(name): version for name, version in newer.items()}
    marked = []
    for row in rows:
        latest = by_name.get(normalize_dist_name(row.distribution)) if row.distribution else None
        marked.append(replace(row, latest=latest) if latest is not None else row)
    return marked


def newer_versions(
    installed: Mapping[str, str], latest: Mapping[str, str | None]
) -> dict[str, str]:
    """Distribution -> the newer version the index has, for those with an update only."""
    from takopi_core.plugins.install import updates_available

    known = {name: version for name, version in installed.items() if version}
    by_name = {normalize_dist_name(name): version for name, version in latest.items()}
    newer: dict[str, str] = {}
    for name in updates_available(known, latest):
        version = by_name.get(normalize_dist_name(name))
        if version:
            newer[name] = version
    return newer


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    """One line of the catalogue screen: a published plugin, and how it fits here."""

    entry: CatalogueEntry
    installed: str | None
    """The installed version ("" when the version is unknown), None when not installed."""
    python_ok: bool | None
    """Whether the inspected interpreter satisfies the plugin's Requires-Python (None: the
    plugin says nothing, or its specifier does not parse)."""


def catalogue_rows(
    entries: Iterable[CatalogueEntry], installed: Mapping[str, str], python_version: str
) -> list[CatalogueRow]:
    """The catalogue's lines for ``entries``, marked installed and checked against Python."""
    versions = {normalize_dist_name(name): version for name, version in installed.items()}
    return [
        CatalogueRow(
            entry=entry,
            installed=versions.get(normalize_dist_name(entry.name)),
            python_ok=entry.supports_python(python_version),
        )
        for entry in entries
    ]
