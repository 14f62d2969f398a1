"""Notice when the config or an installed plugin changes on disk, by polling.

Polling a few hundred ``stat`` calls a second costs about a millisecond and needs no
dependency or OS-specific API. What is compared:

- the config file's mtime;
- for every folder on the search path, the names of the ``*.dist-info`` / ``*.egg-info``
  folders in it (a `pip install` or uninstall in another terminal adds or removes one);
- for every installed plugin, its ``entry_points.txt`` and ``METADATA`` and its module files
  (a plugin author saving a module).

Folder mtimes are not compared: the probe compiling ``__pycache__`` would look like a change.
Module files are found as the check cache finds them (:mod:`takopi_core.plugins.check_cache`,
never importing them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from takopi_core.plugins.check_cache import module_files, top_level
from takopi_core.plugins.discovery import Discovery, DiscoveryError, PluginEntry

_METADATA_SUFFIXES = (".dist-info", ".egg-info")

Fingerprint = dict[str, object]


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed since the last poll."""

    config: bool
    plugins: bool

    def __bool__(self) -> bool:
        return self.config or self.plugins


class SourceWatcher:
    """Remembers the state of the config and the plugins' files; :meth:`poll` compares."""

    def __init__(self, config_path: Path, search_path: Sequence[str] | None = None) -> None:
        self.config_path = config_path
        self.search_path = list(search_path) if search_path is not None else None
        self._folders: list[str] = []
        self._files: list[str] = []
        self._config_mark: int | None = None
        self._plugin_marks: Fingerprint = {}
        self._tracking = False

    def track(self, discovery: Discovery) -> None:
        """Watch the files behind ``discovery`` from now on; the current state is the baseline."""
        roots = self.search_path if self.search_path is not None else sys.path
        self._folders = sorted({os.path.abspath(p) for p in roots if p and os.path.isdir(p)})
        self._files = sorted(plugin_files(discovery, self.search_path))
        self._tracking = True
        self.rebase()

    def rebase(self) -> None:
        """Take the files as they are now as the baseline (after our own save, for example)."""
        self._config_mark = _mtime(str(self.config_path))
        self._plugin_marks = self._fingerprint()

    def poll(self) -> Changes:
        """What changed since the baseline; the baseline moves to now."""
        if not self._tracking:
            return Changes(config=False, plugins=False)
        config_mark = _mtime(str(self.config_path))
        plugin_marks = self._fingerprint()
        changes = Changes(
            config=config_mark != self._config_mark,
            plugins=plugin_marks != self._plugin_marks,
        )
        self._config_mark, self._plugin_marks = config_mark, plugin_marks
        return changes

    def _fingerprint(self) -> Fingerprint:
        marks: Fingerprint = {path: _mtime(path) for path in self._files}
        marks.update((folder, _installed(folder)) for folder in self._folders)
        return marks

    @property
    def watched(self) -> list[str]:
        return [str(self.config_path), *self._folders, *self._files]


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _installed(folder: str) -> frozenset[str]:
    """The distribution metadata folders directly in ``folder``."""
    try:
        with os.scandir(folder) as entries:
            return frozenset(e.name for e in entries if e.name.endswith(_METADATA_SUFFIXES))
    except OSError:
        return frozenset()


def plugin_files(discovery: Discovery, search_path: Sequence[str] | None) -> set[str]:
    """The metadata and module files of every discovered plugin."""
    files: set[str] = set()
    tops: set[str] = set()
    items: list[PluginEntry | DiscoveryError] = [*discovery.entries, *discovery.errors]
    for item in items:
        location = getattr(item, "location", None)
        if location:
            files.update(os.path.join(location, name) for name in ("entry_points.txt", "METADATA"))
        top = top_level(item.value)
        if top:
            tops.add(top)
    for top in sorted(tops):
        files.update(module_files(top, search_path))  # at most MAX_FILES_PER_PACKAGE each
    return files
