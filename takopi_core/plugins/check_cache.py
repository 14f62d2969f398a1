"""Which check results still hold: results keyed by what a plugin's check depended on.

A plugin's check (:mod:`takopi_core.plugins.probe`) depends on its distribution's files:
the metadata (``METADATA``, ``RECORD``, ``entry_points.txt``) and the modules of the
top-level packages its entry points name. :func:`stamp_entries` takes a cheap stamp of
them (``stat`` only, mtime and size, never reading or hashing a file; a package is walked
for at most :data:`MAX_FILES_PER_PACKAGE` files), and :class:`CheckCache` keeps each result
with the stamp taken before it was checked. After a reload only the plugins whose stamp
changed need checking again; the others keep their result.

Two more things can change a result without touching the plugin's files:

- what else is installed (a failure may be a missing dependency the user just installed):
  a failure is kept only while the set of installed distributions is the same;
- what a check is given (a transport's ``check_setup`` reads its config table and gets an
  engine): callers put that in the stamp's ``inputs``.

Finding module files never imports them: ``find_spec`` of a top-level name only asks the
finders where it lives.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from takopi_core.ids import normalize_dist_name
from takopi_core.plugins.discovery import PluginEntry

if TYPE_CHECKING:
    from takopi_core.plugins.probe import LoadResult

#: Stop walking a package after this many files: a huge package should not slow a reload.
MAX_FILES_PER_PACKAGE = 400
#: The metadata files of a distribution that a check depends on.
METADATA_FILES = ("METADATA", "RECORD", "entry_points.txt")

_METADATA_SUFFIXES = (".dist-info", ".egg-info")

EntryKey = tuple[str, str, str | None]
FileStamp = tuple[str, int, int]  # path, mtime in ns, size (-1, -1: missing)


@dataclass(frozen=True, slots=True)
class CheckStamp:
    """What one plugin's check depended on, taken just before it was checked."""

    distribution: str | None
    """The distribution's normalised name."""
    version: str | None
    files: tuple[FileStamp, ...]
    """The distribution's metadata and module files, sorted by path."""
    installed: frozenset[str] = frozenset()
    """The ``*.dist-info`` / ``*.egg-info`` folder names on the search path."""
    inputs: Hashable = None
    """What the check was given besides the files (a transport's config, its engine)."""

    def same_plugin(self, other: CheckStamp) -> bool:
        """The same distribution, version, files and inputs (what else is installed aside)."""
        return (
            self.distribution == other.distribution
            and self.version == other.version
            and self.files == other.files
            and self.inputs == other.inputs
        )


@dataclass
class CheckCache:
    """The latest result of each plugin, with the stamp taken before it was checked."""

    _kept: dict[EntryKey, tuple[CheckStamp, LoadResult]] = field(default_factory=dict)

    def remember(self, key: EntryKey, stamp: CheckStamp, result: LoadResult) -> None:
        self._kept[key] = (stamp, result)

    def current(self, key: EntryKey, stamp: CheckStamp) -> LoadResult | None:
        """The kept result of ``key`` when it still holds for ``stamp``, else None.

        A success holds while the plugin's files and inputs are the same; a failure also
        needs the same installed distributions (installing a dependency may fix it).
        """
        kept = self._kept.get(key)
        if kept is None:
            return None
        old, result = kept
        if not old.same_plugin(stamp):
            return None
        if not result.ok and old.installed != stamp.installed:
            return None
        return result

    def stale(
        self, entries: Iterable[PluginEntry], stamps: Mapping[EntryKey, CheckStamp]
    ) -> list[PluginEntry]:
        """The entries with no result that still holds (never checked, or changed since)."""
        return [
            entry
            for entry in entries
            if entry.key not in stamps or self.current(entry.key, stamps[entry.key]) is None
        ]

    def forget(self, key: EntryKey) -> None:
        self._kept.pop(key, None)

    def copy(self) -> CheckCache:
        """A copy as it is now, for another thread to read while this one carries on."""
        return CheckCache(dict(self._kept))

    def clear(self) -> None:
        self._kept.clear()


def stamp_entries(
    entries: Sequence[PluginEntry],
    search_path: Sequence[str] | None = None,
    inputs: Callable[[PluginEntry], Hashable] | None = None,
) -> dict[EntryKey, CheckStamp]:
    """A stamp for each of ``entries`` (by entry key); ``search_path`` as for discovery
    (None: ``sys.path``); ``inputs(entry)`` is what its check is given besides its files."""
    installed = installed_distributions(search_path)
    by_dist: dict[tuple[str | None, str | None], list[PluginEntry]] = {}
    for entry in entries:
        by_dist.setdefault((entry.distribution, entry.location), []).append(entry)
    stamps: dict[EntryKey, CheckStamp] = {}
    tops_cache: dict[str, frozenset[str]] = {}
    for (distribution, location), members in by_dist.items():
        paths: set[str] = set()
        if location:
            paths.update(os.path.join(location, name) for name in METADATA_FILES)
        for top in sorted({top_level(entry.value) for entry in members} - {""}):
            if top not in tops_cache:
                tops_cache[top] = frozenset(module_files(top, search_path))
            paths.update(tops_cache[top])
        files = tuple(stat_stamp(path) for path in sorted(paths))
        name = normalize_dist_name(distribution) if distribution else None
        for entry in members:
            stamps[entry.key] = CheckStamp(
                distribution=name,
                version=entry.version,
                files=files,
                installed=installed,
                inputs=inputs(entry) if inputs is not None else None,
            )
    return stamps


def top_level(value: str) -> str:
    """The top-level module an entry point's ``module:attr`` names ("" when none)."""
    return value.partition(":")[0].strip().split(".")[0]


def stat_stamp(path: str) -> FileStamp:
    try:
        info = os.stat(path)
    except OSError:
        return (path, -1, -1)
    return (path, info.st_mtime_ns, info.st_size)


def installed_distributions(search_path: Sequence[str] | None = None) -> frozenset[str]:
    """The names of the distribution metadata folders directly in each search folder."""
    roots = search_path if search_path is not None else sys.path
    found: set[str] = set()
    for root in roots:
        if not root or not os.path.isdir(root):
            continue
        try:
            with os.scandir(root) as listing:
                found.update(
                    os.path.join(root, e.name)
                    for e in listing
                    if e.name.endswith(_METADATA_SUFFIXES)
                )
        except OSError:
            continue
    return frozenset(found)


def module_files(top: str, search_path: Sequence[str] | None = None) -> set[str]:
    """The ``.py`` files of the top-level module or package ``top`` (never imported)."""
    try:
        if search_path is not None:
            spec = importlib.machinery.PathFinder.find_spec(top, list(search_path))
        else:
            spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return set()
    if spec is None:
        return set()
    if spec.submodule_search_locations:
        found: set[str] = set()
        for folder in spec.submodule_search_locations:
            found.update(_python_files(folder))
        return found
    if spec.origin and os.path.exists(spec.origin):
        return {spec.origin}
    return set()


def _python_files(folder: str) -> Iterator[str]:
    count = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                yield os.path.join(root, name)
                count += 1
                if count >= MAX_FILES_PER_PACKAGE:
                    return
