"""Notice when the config or an installed plugin changes on disk, by polling mtimes.

Polling a few hundred ``stat`` calls a second costs about a millisecond and needs no
dependency or OS-specific API; it catches a `pip install` in another terminal (the
site-packages folder and the ``*.dist-info`` folders change) and a plugin author saving a
module (the module files and their folders change). Finding module files never imports them:
``find_spec`` of a top-level name only asks the finders where it lives.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from takopi_core.plugins import Discovery

#: Stop walking a package after this many files: a huge package should not slow the poll.
MAX_FILES_PER_PACKAGE = 400

Fingerprint = dict[str, int | None]


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed since the last poll."""

    config: bool
    plugins: bool

    def __bool__(self) -> bool:
        return self.config or self.plugins


class SourceWatcher:
    """Remembers the mtimes of the config and the plugins' files; :meth:`poll` compares."""

    def __init__(self, config_path: Path, search_path: Sequence[str] | None = None) -> None:
        self.config_path = config_path
        self.search_path = list(search_path) if search_path is not None else None
        self._plugin_paths: list[str] = []
        self._config_mark: int | None = None
        self._plugin_marks: Fingerprint = {}

    def track(self, discovery: Discovery) -> None:
        """Watch the files behind ``discovery`` from now on; the current state is the baseline."""
        self._plugin_paths = sorted(plugin_paths(discovery, self.search_path))
        self.rebase()

    def rebase(self) -> None:
        """Take the files as they are now as the baseline (after our own save, for example)."""
        self._config_mark = _mtime(str(self.config_path))
        self._plugin_marks = fingerprint(self._plugin_paths)

    def poll(self) -> Changes:
        """What changed since the baseline; the baseline moves to now."""
        config_mark = _mtime(str(self.config_path))
        plugin_marks = fingerprint(self._plugin_paths)
        changes = Changes(
            config=config_mark != self._config_mark,
            plugins=plugin_marks != self._plugin_marks,
        )
        self._config_mark, self._plugin_marks = config_mark, plugin_marks
        return changes

    @property
    def watched(self) -> list[str]:
        return [str(self.config_path), *self._plugin_paths]


def fingerprint(paths: Iterable[str]) -> Fingerprint:
    return {path: _mtime(path) for path in paths}


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def plugin_paths(discovery: Discovery, search_path: Sequence[str] | None) -> set[str]:
    """Folders and files whose change means the installed plugins may have changed."""
    roots = search_path if search_path is not None else sys.path
    paths = {os.path.abspath(p or ".") for p in roots if p and os.path.isdir(p)}
    tops: set[str] = set()
    for item in [*discovery.entries, *discovery.errors]:
        location = getattr(item, "location", None)
        if location:
            paths.add(location)
            paths.update(os.path.join(location, name) for name in ("entry_points.txt", "METADATA"))
        module = item.value.partition(":")[0].strip()
        if module:
            tops.add(module.split(".")[0])
    for top in sorted(tops):
        paths.update(_module_files(top, search_path))
    return paths


def _module_files(top: str, search_path: Sequence[str] | None) -> set[str]:
    try:
        if search_path is not None:
            spec = importlib.machinery.PathFinder.find_spec(top, list(search_path))
        else:
            spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return set()
    if spec is None:
        return set()
    found: set[str] = set()
    if spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            found.update(_walk(folder))
    elif spec.origin and os.path.exists(spec.origin):
        found.add(spec.origin)
    return found


def _walk(folder: str) -> set[str]:
    found = {folder}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        found.add(root)
        for name in files:
            if name.endswith(".py"):
                found.add(os.path.join(root, name))
                if len(found) >= MAX_FILES_PER_PACKAGE:
                    return found
    return found
