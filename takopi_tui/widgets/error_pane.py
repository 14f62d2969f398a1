"""The error pane: every discovery and load error, one line each, over the full text of one.

Order and wording come from :mod:`takopi_core.plugins.report`, so the list reads like the
``errors:`` block of `takopi plugins --load`. The pane acts like a Problems view: it marks
the error of the plugin selected in the table, shows that error's full message below the
list, and Enter on an error moves the table to its plugin. The traceback of the plugin under
the cursor is in the detail pane, which keeps this pane short and cheap to redraw when
hundreds of plugins fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static

from takopi_core.text import safe_text

if TYPE_CHECKING:
    from takopi_core.plugins.discovery import Discovery
    from takopi_core.plugins.probe import LoadResult
    from takopi_core.plugins.report import ErrorRecord
    from takopi_core.secrets import Masker

    from ..rows import PluginRow


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


@dataclass(frozen=True, slots=True)
class ErrorItem:
    """One line of the error list: an error and the key of its table row (None: no row)."""

    record: ErrorRecord
    row_key: str | None


def match_rows(records: Iterable[ErrorRecord], rows: Iterable[PluginRow]) -> list[ErrorItem]:
    """Pair each error with its table row: same kind, id and distribution, rows showing an
    error first (duplicates of one id in one distribution pair up in order)."""
    free: dict[tuple[str, str, str | None], list[str]] = {}
    for row in sorted(rows, key=lambda row: not row.has_error):
        free.setdefault((row.kind, row.id, row.distribution), []).append(row.key)
    items = []
    for record in records:
        keys = free.get((record.kind, record.id, record.distribution))
        items.append(ErrorItem(record, keys.pop(0) if keys else None))
    return items


def error_line(record: ErrorRecord, masker: Masker | None = None) -> Content:
    """``✗ engine gemini · takopi-gemini: No module named …``: one line of the error list."""
    text = masker.text(record.message) if masker is not None else record.message
    first = next((line.strip() for line in text.splitlines() if line.strip()), "failed")
    return Content.assemble(
        ("✗ ", "$error"),
        (record.kind, "$text-muted"),
        " ",
        (safe_text(record.id), "bold"),
        (" · ", "$text-muted"),
        (safe_text(record.dist_label), "$accent"),
        ": ",
        safe_text(first),
    )


_HINT = "Enter on one goes to its plugin."


class ErrorPane(Vertical):
    """The list of every error (one line each) over the full text of the marked one.

    It follows the table: :meth:`follow` marks the selected plugin's error. Enter on an
    error posts :class:`ErrorPane.GoTo`, and the screen moves the table's cursor there.
    """

    # Maximised as a whole (list and text), whichever of its parts has focus.
    ALLOW_MAXIMIZE = True

    class GoTo(Message):
        """Enter on an error: go to the table row ``row_key``."""

        def __init__(self, row_key: str) -> None:
            super().__init__()
            self.row_key = row_key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._list = OptionList(id="error-list", markup=False)
        self._body = Static(describe_errors(()), id="error-body")
        self.items: tuple[ErrorItem, ...] = ()
        self.masker: Masker | None = None
        self._followed: str | None = None
        self.border_title = "Errors"

    def compose(self) -> ComposeResult:
        yield self._list
        # Not a tab stop: one per pane, as before (the wheel scrolls it; `z` gives it room).
        with VerticalScroll(id="error-detail", can_focus=False):
            yield self._body

    @property
    def records(self) -> tuple[ErrorRecord, ...]:
        return tuple(item.record for item in self.items)

    def show_errors(
        self,
        discovery: Discovery,
        results: Iterable[LoadResult],
        masker: Masker | None = None,
        rows: Iterable[PluginRow] = (),
    ) -> None:
        """Show what :mod:`takopi_core.plugins.report` collects from discovery and probe
        results, each paired with its row of ``rows``."""
        results = list(results)
        if not discovery.errors and all(result.ok for result in results):
            self.show((), masker)
            return
        from takopi_core.plugins.report import collect_errors

        self.show(match_rows(collect_errors(discovery, results), rows), masker)

    def show(self, items: Sequence[ErrorItem], masker: Masker | None = None) -> None:
        items = tuple(items)
        if items == self.items and (masker is None or masker == self.masker):
            return
        browsing = self._browsed() if self._list.has_focus else None
        self.items = items
        self.masker = masker or self.masker
        self.border_title = f"Errors ({len(items)})" if items else "Errors"
        self._list.set_options(error_line(item.record, self.masker) for item in items)
        self._list.display = bool(items)
        if browsing in items:
            # Moving through the list while results arrive: stay on the error being read.
            index = items.index(browsing)
            self._list.highlighted = index
            self._show_full(index)
        else:
            self.follow(self._followed, force=True)

    def _browsed(self) -> ErrorItem | None:
        index = self._list.highlighted
        return self.items[index] if index is not None and index < len(self.items) else None

    def follow(self, row_key: str | None, *, force: bool = False) -> None:
        """Mark the error of the row ``row_key`` and show its full text (the table moved)."""
        if row_key == self._followed and not force:
            return
        self._followed = row_key
        index = next((i for i, item in enumerate(self.items) if item.row_key == row_key), None)
        self._list.highlighted = index
        self._show_full(index)

    def _show_full(self, index: int | None) -> None:
        if not self.items:
            text = describe_errors((), self.masker)
        elif index is None:
            count = len(self.items)
            text = Content.assemble(
                ("No error for the selected plugin. ", "$success"),
                f"{count} error{'s' if count != 1 else ''} above. {_HINT}",
            )
        else:
            text = describe_errors((self.items[index].record,), self.masker)
        self._body.update(text)
        self.query_one("#error-detail", VerticalScroll).scroll_home(animate=False)

    @on(OptionList.OptionHighlighted, "#error-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_full(event.option_index)

    @on(OptionList.OptionSelected, "#error-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        item = self.items[event.option_index]
        if item.row_key is not None:
            self.post_message(self.GoTo(item.row_key))
