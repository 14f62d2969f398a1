"""The table's view model: one row per plugin, from what ``takopi_core`` computed.

Pure data, no Textual: discovery entries and errors, probe results, which entries are being
checked right now, and the enabled list the staged edits would write are folded into rows
the widgets only have to draw. Keeping it here makes the rules testable without an app.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING

from takopi_core.ids import KINDS
from takopi_core.plugins.discovery import (
    Discovery,
    DiscoveryError,
    PluginEntry,
    is_distribution_enabled,
)
from takopi_core.plugins.report import cli_missing

if TYPE_CHECKING:
    from takopi_core.plugins.probe import LoadResult

EntryKey = tuple[str, str, str | None]


class Unchanged(Enum):
    """The type of :data:`UNCHANGED` (an enum member, so type checkers can tell it apart)."""

    UNCHANGED = "unchanged"


#: Marks "the allowlist after staged edits is the one on disk" (nothing staged).
UNCHANGED = Unchanged.UNCHANGED


class Status(StrEnum):
    """Where a row is in its life: listed, being checked, checked, or never checkable."""

    NOT_CHECKED = "not checked"
    LOADING = "loading"
    OK = "ok"
    FAILED = "failed"
    DISABLED = "disabled"
    BROKEN = "broken"  # skipped by discovery: invalid, reserved or duplicate id, no dist name


_BROKEN_REASONS = {
    "invalid-id": "invalid id",
    "reserved-id": "reserved id",
    "duplicate-id": "duplicate id",
    "no-distribution": "no distribution",
}


@dataclass(frozen=True, slots=True)
class PluginRow:
    """Everything one table row and the detail pane show about one plugin."""

    key: str
    kind: str
    id: str
    value: str
    distribution: str | None
    version: str | None
    location: str | None
    builtin: bool
    enabled: bool
    """Visible with the config on disk."""
    enabled_after: bool
    """Visible once the staged edits are saved."""
    status: Status
    result: LoadResult | None = None
    problem: DiscoveryError | None = None
    cli_missing: str | None = None
    """An engine whose CLI is not on PATH: its install command ("" when unknown)."""
    checking_for: float | None = None
    """Loading: seconds checked so far, once that is long enough to show (else None)."""
    latest: str | None = None
    """A newer version of the distribution on the package index (None: none known)."""

    @property
    def entry_key(self) -> EntryKey:
        return (self.kind, self.id, self.distribution)

    @property
    def staged(self) -> bool:
        return self.enabled != self.enabled_after

    @property
    def has_error(self) -> bool:
        return self.status in (Status.FAILED, Status.BROKEN)

    @property
    def dist_label(self) -> str:
        return self.distribution or "unknown"

    @property
    def load_ms(self) -> float | None:
        return self.result.load_ms if self.result is not None and self.result.ok else None

    @property
    def broken_reason(self) -> str:
        """Short words for why discovery skipped this row ("" when it did not)."""
        if self.problem is None:
            return ""
        return _BROKEN_REASONS.get(self.problem.reason, self.problem.reason)

    @property
    def error_text(self) -> str | None:
        """The full error message of this row, discovery's or the probe's."""
        if self.problem is not None:
            return self.problem.message
        if self.result is not None and not self.result.ok:
            return self.result.message or "failed"
        return None

    @property
    def fix(self) -> str | None:
        """What to do about this row's error, as commands (None without an error)."""
        from takopi_core.plugins import fixes

        problem = self.problem
        if problem is not None:
            return fixes.discovery_fix(
                problem.reason,
                problem.id,
                problem.distribution,
                enabled=self.enabled,
                location=problem.location,
            )
        if self.result is not None and not self.result.ok:
            return self.result.fix or fixes.unexplained_fix(
                self.result.error_type, self.id, self.distribution
            )
        return None

    def search_text(self) -> str:
        """What the `/` filter matches against (lowercased)."""
        parts = [self.kind, self.id, self.dist_label, self.value, self.status.value]
        if self.broken_reason:
            parts.append(self.broken_reason)
        if not self.enabled and self.status is not Status.DISABLED:
            parts.append("disabled")
        if self.cli_missing is not None:
            parts.append("cli missing")
        return " ".join(parts).lower()


def row_key(kind: str, plugin_id: str, distribution: str | None, value: str) -> str:
    """A stable, unique table key: duplicates differ by distribution, broken rows by value."""
    return "\x1f".join((kind, plugin_id, distribution or "", value))


def build_rows(
    discovery: Discovery,
    results: Mapping[EntryKey, LoadResult],
    loading: Collection[EntryKey] = (),
    allowlist_after: frozenset[str] | Unchanged | None = UNCHANGED,
    elapsed: Mapping[EntryKey, float] | None = None,
) -> list[PluginRow]:
    """Rows for every listed entry and every discovery error, sorted by kind, id, distribution.

    ``allowlist_after`` is the normalised enabled list the staged edits would write (``None``
    for "everything"); leave it ``UNCHANGED`` when nothing is staged. ``elapsed``: how long
    the plugins being loaded have been so far (see ``ProbeRuns.elapsed``).
    """
    after = discovery.allowlist if isinstance(allowlist_after, Unchanged) else allowlist_after
    rows = [_entry_row(e, results, loading, after, elapsed or {}) for e in discovery.entries]
    rows += [_problem_row(p, discovery.allowlist, after) for p in discovery.errors]
    rows.sort(key=lambda r: (_kind_order(r.kind), r.id, r.dist_label.lower(), r.value))
    return rows


def _kind_order(kind: str) -> int:
    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def _entry_row(
    entry: PluginEntry,
    results: Mapping[EntryKey, LoadResult],
    loading: Collection[EntryKey],
    after: frozenset[str] | None,
    elapsed: Mapping[EntryKey, float],
) -> PluginRow:
    result = results.get(entry.key) if entry.enabled else None
    if not entry.enabled:
        status = Status.DISABLED
    elif entry.key in loading:
        status = Status.LOADING
    elif result is None:
        status = Status.NOT_CHECKED
    else:
        status = Status.OK if result.ok else Status.FAILED
    return PluginRow(
        key=row_key(entry.kind, entry.id, entry.distribution, entry.value),
        kind=entry.kind,
        id=entry.id,
        value=entry.value,
        distribution=entry.distribution,
        version=entry.version,
        location=entry.location,
        builtin=entry.builtin,
        enabled=entry.enabled,
        enabled_after=is_distribution_enabled(entry.distribution, after),
        status=status,
        result=result,
        cli_missing=cli_missing(entry, result) if entry.enabled else None,
        checking_for=elapsed.get(entry.key) if status is Status.LOADING else None,
    )


def _problem_row(
    problem: DiscoveryError,
    allowlist: frozenset[str] | None,
    after: frozenset[str] | None,
) -> PluginRow:
    from takopi_core.plugins.discovery import is_builtin_distribution

    return PluginRow(
        key=row_key(problem.kind, problem.id, problem.distribution, problem.value),
        kind=problem.kind,
        id=problem.id,
        value=problem.value,
        distribution=problem.distribution,
        version=problem.version,
        location=problem.location,
        builtin=is_builtin_distribution(problem.distribution),
        enabled=is_distribution_enabled(problem.distribution, allowlist),
        enabled_after=is_distribution_enabled(problem.distribution, after),
        status=Status.BROKEN,
        problem=problem,
    )


@dataclass(frozen=True, slots=True)
class RowFilter:
    """What the table shows: a kind, errors only, and the `/` text (all combined)."""

    kind: str | None = None
    errors_only: bool = False
    text: str = ""

    def accepts(self, row: PluginRow) -> bool:
        if self.kind is not None and row.kind != self.kind:
            return False
        if self.errors_only and not row.has_error:
            return False
        needle = self.text.strip().lower()
        return not needle or all(word in row.search_text() for word in needle.split())

    @property
    def active(self) -> bool:
        return self.kind is not None or self.errors_only or bool(self.text.strip())

    def describe(self) -> str:
        """``engines · errors only · "sla"``; empty when nothing is filtered."""
        parts = []
        if self.kind is not None:
            parts.append(f"{self.kind}s")
        if self.errors_only:
            parts.append("errors only")
        if self.text.strip():
            parts.append(f'"{self.text.strip()}"')
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class Counts:
    """The summary line's numbers."""

    plugins: int
    failed: int
    disabled: int
    staged_distributions: int
    checked: int
    checkable: int


def count_rows(rows: Iterable[PluginRow]) -> Counts:
    rows = list(rows)
    staged = {r.dist_label.lower() for r in rows if r.staged}
    checkable = [r for r in rows if r.enabled and r.status is not Status.BROKEN]
    return Counts(
        plugins=len(rows),
        # A disabled plugin's error is shown but is no failure: it changes nothing.
        failed=sum(1 for r in rows if r.has_error and r.enabled),
        disabled=sum(1 for r in rows if not r.enabled),
        staged_distributions=len(staged),
        checked=sum(1 for r in checkable if r.status in (Status.OK, Status.FAILED)),
        checkable=len(checkable),
    )
