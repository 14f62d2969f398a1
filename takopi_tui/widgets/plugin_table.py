"""The plugin table: one row per plugin, drawn from :class:`takopi_tui.rows.PluginRow`.

Every cell is a ``rich.text.Text``: DataTable parses plain ``str`` cells as markup, and plugin
ids, distribution names and versions are untrusted text.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from ..rows import PluginRow, Status

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    # (key, label, fixed width or None for "fit the content")
    ("on", "On", 3),
    ("kind", "Kind", 9),
    ("id", "ID", None),
    ("dist", "Distribution", None),
    ("version", "Version", None),
    ("status", "Status", 16),
    ("ms", "Load ms", 7),
)

STATUS_GLYPHS: dict[Status, tuple[str, str]] = {
    Status.NOT_CHECKED: ("○ not checked", "dim"),
    Status.LOADING: ("⟳ loading", "bold yellow"),
    Status.OK: ("✓ ok", "green"),
    Status.FAILED: ("✗ failed", "bold red"),
    Status.DISABLED: ("⊘ disabled", "dim"),
    Status.BROKEN: ("✗ {reason}", "bold red"),
}


def status_text(row: PluginRow) -> Text:
    """The Status cell: a glyph and a word, coloured by state."""
    label, style = STATUS_GLYPHS[row.status]
    if row.status is Status.BROKEN:
        label = label.format(reason=row.broken_reason)
    elif row.status is Status.OK and row.result is not None and row.result.setup_ok is False:
        return Text("✓ ok, setup!", style="yellow")
    return Text(label, style=style)


def row_cells(row: PluginRow) -> tuple[Text, ...]:
    """The seven cells of ``row``, in column order."""
    dim = "dim" if not row.enabled and not row.staged else ""
    if row.staged:
        on = Text("●*" if row.enabled_after else "○*", style="bold magenta")
    else:
        on = Text("●" if row.enabled else "○", style="green" if row.enabled else "dim")
    dist = Text(row.dist_label, style=dim)
    if row.builtin:
        dist.append(" built-in", style="italic cyan")
    ms = Text(f"{row.load_ms:.0f}" if row.load_ms is not None else "", style=dim, justify="right")
    return (
        on,
        Text(row.kind, style=dim),
        Text(row.id, style=dim or "bold"),
        dist,
        Text(row.version or "", style=dim),
        status_text(row),
        ms,
    )


class PluginTable(DataTable[Text]):
    """A row-cursor DataTable of plugins that keeps the cursor on the same plugin across updates."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class Populated(Message):
        """New rows are on screen: sent after the refresh that drew a :meth:`show_rows`."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._shown: dict[str, PluginRow] = {}

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    @property
    def highlighted_key(self) -> str | None:
        """The key of the row under the cursor, or None when the table is empty."""
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # cursor outside the rows after a clear
            return None

    @property
    def shown_keys(self) -> list[str]:
        return list(self._shown)

    def show_rows(self, rows: Sequence[PluginRow]) -> None:
        """Show exactly ``rows``: update cells in place if the same rows are shown, else rebuild."""
        keys = [row.key for row in rows]
        if keys == list(self._shown):
            for row in rows:
                if self._shown[row.key] != row:
                    self._update(self._shown[row.key], row)
            self._shown = {row.key: row for row in rows}
        else:
            keep = self.highlighted_key
            self.clear()
            self._shown = {row.key: row for row in rows}
            for row in rows:
                self.add_row(*row_cells(row), key=row.key)
            if keep is not None and keep in self._shown:
                self.move_cursor(row=self.get_row_index(keep), animate=False)
        populated = self.Populated(len(rows))
        # The screen usually calls this; with the screen as sender the message would stop
        # bubbling there, and the app (benchmarks, tests) would never hear of it.
        populated.set_sender(self)
        self.call_after_refresh(self.post_message, populated)

    def _update(self, old: PluginRow, row: PluginRow) -> None:
        # Only cells that changed: re-measuring a fit-the-content column costs a pass over
        # every row, so touching unchanged cells made a probe run over 200 plugins O(n²).
        before = row_cells(old)
        for (key, _label, width), was, cell in zip(COLUMNS, before, row_cells(row), strict=True):
            if not _same(cell, was):
                self.update_cell(row.key, key, cell, update_width=width is None)


def _same(a: Text, b: Text) -> bool:
    """Equal text and styling (``Text.__eq__`` ignores the base style)."""
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans
