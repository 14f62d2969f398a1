"""The error pane: every discovery and load error, grouped by kind and distribution.

Order and wording come from :mod:`takopi_core.report`, so the pane reads like
`takopi plugins --load -v`.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from takopi_core.report import ErrorRecord, group_errors


def describe_errors(records: Sequence[ErrorRecord]) -> Content:
    """The pane's text: a heading per (kind, distribution), then each error and traceback."""
    if not records:
        return Content.assemble(("No errors.", "$success"))
    parts: list[Content] = []
    for kind, dist, items in group_errors(records):
        if parts:
            parts.append(Content("\n"))
        parts.append(Content.assemble((f"{kind} · {dist}", "bold $accent"), "\n"))
        for record in items:
            origin = "discovery" if record.source == "discovery" else "load"
            parts.append(
                Content.assemble(
                    ("  ✗ ", "$error"),
                    (record.id, "bold"),
                    (f" ({origin}): ", "$text-muted"),
                    record.message,
                    "\n",
                )
            )
            if record.traceback:
                lines = record.traceback.rstrip().splitlines()
                parts.append(
                    Content.assemble(
                        ("\n".join(f"      {line}" for line in lines), "$text-muted"), "\n"
                    )
                )
    return Content("").join(parts).rstrip()


class ErrorPane(VerticalScroll):
    """A scrollable, selectable list of :func:`describe_errors`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._body = Static(describe_errors(()), id="error-body")
        self.records: tuple[ErrorRecord, ...] = ()
        self.border_title = "Errors"

    def compose(self):  # type: ignore[override]
        yield self._body

    def show(self, records: Sequence[ErrorRecord]) -> None:
        records = tuple(records)
        if records == self.records:
            return
        self.records = records
        self.border_title = f"Errors ({len(records)})" if records else "Errors"
        self._body.update(describe_errors(records))
