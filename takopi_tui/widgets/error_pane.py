"""The error pane: every discovery and load error, grouped by kind and distribution.

Order, grouping and wording come from :mod:`takopi_core.plugins.report`, so the pane reads like the
``errors:`` block of `takopi plugins --load`. Each error shows its full message; the
traceback of the plugin under the cursor is in the detail pane, which keeps this pane short
and cheap to redraw when hundreds of plugins fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from takopi_core.text import safe_text

if TYPE_CHECKING:
    from takopi_core.plugins.discovery import Discovery
    from takopi_core.plugins.probe import LoadResult
    from takopi_core.plugins.report import ErrorRecord
    from takopi_core.secrets import Masker


def describe_errors(records: Sequence[ErrorRecord], masker: Masker | None = None) -> Content:
    """A heading per (kind, distribution), then one entry per error with its message.

    Ids, names and messages come from plugins: secrets they quote are masked (``masker``)
    and control characters escaped.
    """

    def shown(text: str) -> str:
        return safe_text(masker.text(text) if masker is not None else text)

    if not records:
        return Content.styled("No errors.", "$success")
    from takopi_core.plugins.report import group_errors

    parts: list[Content] = []
    for kind, dist, items in group_errors(records):
        if parts:
            parts.append(Content("\n"))
        parts.append(Content.assemble((shown(f"{kind} · {dist}"), "bold $accent"), "\n"))
        for record in items:
            origin = "discovery" if record.source == "discovery" else "load"
            if not record.enabled:
                origin += ", disabled: not counted as a failure"
            last_line = _exception_line(record.traceback)
            parts.append(
                Content.assemble(
                    ("  ✗ ", "$error"),
                    (shown(record.id), "bold"),
                    (f" ({origin}): ", "$text-muted"),
                    shown(record.message),
                    "\n",
                )
            )
            if last_line and last_line.partition(": ")[2] not in record.message:
                parts.append(Content.assemble(("    " + shown(last_line), "$text-muted"), "\n"))
            if record.fix:
                parts.append(Content.assemble(("    fix: ", "bold"), shown(record.fix), "\n"))
    return Content("").join(parts).rstrip()


def _exception_line(traceback: str | None) -> str | None:
    """``ErrorType: message``, the last line of a traceback, when there is one."""
    if not traceback:
        return None
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else None


class ErrorPane(VerticalScroll):
    """A scrollable, selectable list of :func:`describe_errors`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._body = Static(describe_errors(()), id="error-body")
        self.records: tuple[ErrorRecord, ...] = ()
        self.masker: Masker | None = None
        self.border_title = "Errors"

    def compose(self) -> ComposeResult:
        yield self._body

    def show_errors(
        self, discovery: Discovery, results: Iterable[LoadResult], masker: Masker | None = None
    ) -> None:
        """Show what :mod:`takopi_core.plugins.report` collects from discovery and probe results."""
        results = list(results)
        if not discovery.errors and all(result.ok for result in results):
            self.show((), masker)
            return
        from takopi_core.plugins.report import collect_errors

        self.show(collect_errors(discovery, results), masker)

    def show(self, records: Sequence[ErrorRecord], masker: Masker | None = None) -> None:
        records = tuple(records)
        if records == self.records and (masker is None or masker == self.masker):
            return
        self.records = records
        self.masker = masker or self.masker
        self.border_title = f"Errors ({len(records)})" if records else "Errors"
        self._body.update(describe_errors(records, self.masker))
