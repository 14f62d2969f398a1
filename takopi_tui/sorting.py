"""Sorting the plugin table by a column, and the load-time profile that sorting by load time
gives (lazy.nvim's profile view: slowest first, with the total).

Pure data, no Textual: the screen keeps a :class:`SortOrder` and sorts the rows it shows
with :func:`sort_rows` on every redraw, so a sort survives reloads, re-checks and filters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from takopi_core.text import safe_text

from .rows import PluginRow, Status

#: Sortable columns in table order (the keys of ``plugin_table.COLUMNS``) and their names.
SORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("on", "On"),
    ("kind", "Kind"),
    ("id", "ID"),
    ("dist", "Distribution"),
    ("version", "Version"),
    ("status", "Status"),
    ("ms", "Load ms"),
)
COLUMN_NAMES = dict(SORT_COLUMNS)
#: Columns whose first press sorts largest first: the slowest plugin is what one looks for.
DESCENDING_FIRST = frozenset({"ms"})

# Problems first when sorting by status: what needs attention comes to the top.
_STATUS_ORDER = {
    status: index
    for index, status in enumerate(
        (
            Status.BROKEN,
            Status.FAILED,
            Status.LOADING,
            Status.NOT_CHECKED,
            Status.OK,
            Status.DISABLED,
        )
    )
}


@dataclass(frozen=True, slots=True)
class SortOrder:
    """Which column the table is sorted by (None: the default order, kind then id)."""

    column: str | None = None
    descending: bool = False

    @property
    def active(self) -> bool:
        return self.column is not None

    def next_column(self) -> SortOrder:
        """The next column in table order, after the last one the default order again."""
        keys = [key for key, _name in SORT_COLUMNS]
        if self.column is None:
            return SortOrder.by(keys[0])
        index = keys.index(self.column) + 1
        return SortOrder.by(keys[index]) if index < len(keys) else SortOrder()

    def reversed(self) -> SortOrder:
        """The same column the other way round (the default order has no other way)."""
        if self.column is None:
            return self
        return SortOrder(self.column, not self.descending)

    def clicked(self, column: str) -> SortOrder:
        """A click on ``column``'s header: sort by it, or reverse when it is the sort column."""
        return self.reversed() if column == self.column else SortOrder.by(column)

    @staticmethod
    def by(column: str) -> SortOrder:
        if column not in COLUMN_NAMES:
            raise ValueError(f"unknown sort column {column!r}; known: {', '.join(COLUMN_NAMES)}")
        return SortOrder(column, column in DESCENDING_FIRST)

    @property
    def arrow(self) -> str:
        return "▼" if self.descending else "▲"

    def describe(self) -> str:
        """``Load ms ▼``; empty for the default order."""
        if self.column is None:
            return ""
        return f"{COLUMN_NAMES[self.column]} {self.arrow}"


def _version_key(row: PluginRow) -> Any:
    return _parsed_version(row.version) if row.version else None


@cache
def _parsed_version(text: str) -> Any:
    """PEP 440 order where the version parses, after every version that does otherwise
    (those by text: the tuples differ in their first item, or the second is None twice)."""
    from packaging.version import InvalidVersion, Version

    try:
        return (0, Version(text), "")
    except InvalidVersion:
        return (1, None, text.lower())


_KEYS: dict[str, Callable[[PluginRow], Any]] = {
    "on": lambda row: not row.enabled_after,  # enabled first
    "kind": lambda row: row.kind,
    "id": lambda row: row.id.lower(),
    "dist": lambda row: row.dist_label.lower(),
    "version": _version_key,
    "status": lambda row: _STATUS_ORDER.get(row.status, len(_STATUS_ORDER)),
    "ms": lambda row: row.load_ms,
}


def sort_rows(rows: Sequence[PluginRow], order: SortOrder) -> list[PluginRow]:
    """``rows`` sorted by ``order``'s column; ties keep the order they came in (kind, id).

    Rows without a value in that column (no load time yet, no version) go last either way.
    """
    if order.column is None:
        return list(rows)
    key = _KEYS[order.column]
    keyed = [(key(row), row) for row in rows]
    with_value = [(k, row) for k, row in keyed if k is not None]
    without = [row for k, row in keyed if k is None]
    # sorted() is stable in both directions: equal keys stay in kind-then-id order.
    with_value.sort(key=lambda pair: pair[0], reverse=order.descending)
    return [row for _k, row in with_value] + without


@dataclass(frozen=True, slots=True)
class LoadProfile:
    """Load times of the plugins that loaded: how many, the total, the slowest."""

    count: int
    total_ms: float
    slowest: PluginRow | None

    def describe(self) -> str:
        """``total load 123 ms over 8 plugins · slowest codex 41 ms``."""
        if not self.count or self.slowest is None or self.slowest.load_ms is None:
            return "no load times yet"
        plural = "plugin" if self.count == 1 else "plugins"
        return (
            f"total load {self.total_ms:.0f} ms over {self.count} {plural} · "
            f"slowest {safe_text(self.slowest.id)} {self.slowest.load_ms:.0f} ms"
        )


def load_profile(rows: Iterable[PluginRow]) -> LoadProfile:
    """The load-time totals of ``rows`` (those with a load time)."""
    timed = [row for row in rows if row.load_ms is not None]
    slowest = max(timed, key=lambda row: row.load_ms or 0.0, default=None)
    return LoadProfile(len(timed), sum(row.load_ms or 0.0 for row in timed), slowest)
