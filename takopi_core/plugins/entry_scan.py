"""A direct scan of dist-info `entry_points.txt` files that matches ``importlib.metadata``.

``importlib.metadata.entry_points()`` costs tens of milliseconds with a few hundred
distributions, mostly in its own Python layers (path objects, lookups, parsers) rather than
in the file reads. For the plain layout (directories holding ``*.dist-info`` folders) this
module reads the same files in the same order and yields the same entry points. Anything
else (zip files, ``.egg`` folders, odd names, other metadata finders,
malformed lines) makes :func:`scan_entry_points` answer None so that the caller asks
``importlib.metadata`` instead.
"""

from __future__ import annotations

import os
import re
import sys
from importlib.machinery import PathFinder
from pathlib import Path

# The same errors that ``importlib.metadata.PathDistribution.read_text`` turns into None.
_MISSING = (FileNotFoundError, IsADirectoryError, KeyError, NotADirectoryError, PermissionError)

# (group, name, value, dist-info folder)
ScannedEntry = tuple[str, str, str, str]


def _normalize(name: str) -> str:
    # importlib.metadata's ``Prepared.normalize``: PEP 503 with dashes as underscores.
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def read_metadata_text(folder: str, filename: str) -> str | None:
    """A file of a dist-info folder, as ``PathDistribution.read_text`` reads it."""
    # Raw os.open/os.read: half the cost of open() (no file objects), which counts with a
    # few hundred distributions. Bytes then decode is the same text once split into lines
    # (both decode strictly; universal newlines only matter to splitlines).
    try:
        fd = os.open(f"{folder}{os.sep}{filename}", os.O_RDONLY)
    except _MISSING:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except _MISSING:  # a folder named like the file: EISDIR comes from the read
        return None
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8")


def _only_path_finder() -> bool:
    return all(
        finder is PathFinder or getattr(finder, "find_distributions", None) is None
        for finder in sys.meta_path
    )


def scan_entry_points(path: list[str] | None = None) -> list[ScannedEntry] | None:
    """Every entry point on ``path`` (default ``sys.path``), in ``importlib.metadata`` order.

    With ``path=None`` a distribution found on two path entries counts once (the first wins),
    as ``importlib.metadata.entry_points()`` does; with an explicit ``path`` every copy is
    listed, as ``importlib.metadata.distributions(path=...)`` does. None when the layout
    needs ``importlib.metadata`` itself.
    """
    if not _only_path_finder():
        return None
    unique = path is None
    roots = sys.path if path is None else path
    seen: set[str] = set()
    found: list[ScannedEntry] = []
    for root in roots:
        if not isinstance(root, str) or os.path.basename(root).lower().endswith(".egg"):
            return None
        try:
            children = os.listdir(root or ".")
        except OSError:
            if os.path.exists(root or "."):
                return None  # a zip file, or a folder importlib might still read
            continue
        # Path() normalizes the folder name once; children are plain names.
        base = str(Path(root))
        prefix = base if base.endswith(os.sep) else base + os.sep  # "/" stays "/"
        by_name: dict[str, list[str]] = {}
        for child in children:
            low = child.lower()
            # importlib.metadata reads .egg-info folders exactly like .dist-info ones.
            if not low.endswith((".dist-info", ".egg-info")):
                continue
            stem_name = child.rpartition(".")[0].partition("-")[0]
            if not child.endswith((".dist-info", ".egg-info")) or not stem_name:
                return None  # importlib would name it from its METADATA instead
            by_name.setdefault(_normalize(stem_name), []).append(child)
        for normalized, folders in by_name.items():
            for child in folders:
                if unique:
                    if normalized in seen:
                        continue
                    seen.add(normalized)
                folder = child if base == "." else prefix + child
                entries = _parse(read_metadata_text(folder, "entry_points.txt") or "", folder)
                if entries is None:
                    return None
                found.extend(entries)
    return found


def _parse(text: str, folder: str) -> list[ScannedEntry] | None:
    """``entry_points.txt`` as importlib.metadata's ``Sectioned`` reads it; None if malformed."""
    entries: list[ScannedEntry] = []
    section: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            continue
        if section is None:
            continue
        name, sep, value = line.partition("=")
        if not sep:
            return None  # importlib.metadata raises here; let it
        entries.append((section, name.strip(), value.strip(), folder))
    return entries
