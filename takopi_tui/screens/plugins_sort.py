"""The plugins screen's sorting: `o` cycles the sort column, `O` reverses it, a click on a
column's header sorts by it (again: the other way round).

The sort is shown in the header (▲/▼ after the label) and in a line above the key bar, which
sorting by load time turns into lazy.nvim's profile view: slowest first, with the total. The
order lives on the screen and is applied on every redraw, so it survives reloads, re-checks
and filters; the table keeps its cursor on the same plugin.

A mixin of ``PluginsScreen``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from ..sorting import SortOrder, load_profile, sort_rows
from ..widgets.plugin_table import PluginTable

if TYPE_CHECKING:
    from ..rows import PluginRow


class SortActions(Screen[None]):
    """Sort keys and the sort line for ``PluginsScreen`` (which supplies the state below)."""

    table_sort: SortOrder = SortOrder()
    rows: list[PluginRow]

    if TYPE_CHECKING:
        # Provided by PluginsScreen.
        @property
        def table(self) -> PluginTable: ...
        def schedule_refresh(self) -> None: ...

    def action_sort_next(self) -> None:
        """Sort by the next column (after the last: the default order, kind then id)."""
        self.set_sort(self.table_sort.next_column())

    def action_sort_reverse(self) -> None:
        """Reverse the sort (nothing to reverse in the default order: say how to sort)."""
        if not self.table_sort.active:
            self.notify("Not sorted: o sorts by a column first.", markup=False)
            return
        self.set_sort(self.table_sort.reversed())

    def action_sort_by(self, column: str) -> None:
        """Sort by ``column`` (a column key: on kind id dist version status ms)."""
        self.set_sort(SortOrder.by(column))

    @on(PluginTable.HeaderClicked, "#plugins")
    def _header_clicked(self, event: PluginTable.HeaderClicked) -> None:
        self.set_sort(self.table_sort.clicked(event.column))

    def set_sort(self, order: SortOrder) -> None:
        self.table_sort = order
        self.schedule_refresh()
        # Rows moved: bring the selected plugin, where it is now, into view.
        self.call_after_refresh(self._scroll_to_selection)

    def _scroll_to_selection(self) -> None:
        table = self.table
        table.move_cursor(row=table.cursor_row)

    def sorted_rows(self, shown: Sequence[PluginRow]) -> list[PluginRow]:
        """``shown`` in the sort order; marks the header and updates the sort line."""
        order = self.table_sort
        self.table.show_sort(order.column, order.arrow)
        self._show_sort_line(order)
        return sort_rows(shown, order)

    def _show_sort_line(self, order: SortOrder) -> None:
        """``sorted by Load ms ▼ · total load 123 ms over 8 plugins · slowest codex 41 ms``:
        mounted with the first sort, hidden in the default order."""
        found = self.query("#sort-line")
        if not found and not order.active:
            return
        if found:
            line = found.first(Static)
        else:
            line = Static("", id="sort-line")
            self.mount(line, before=self.query_one("#keys"))
        line.display = order.active
        if not order.active:
            return
        parts: list[str | tuple[str, str]] = [
            ("sorted by ", "$text-muted"),
            (order.describe(), "bold"),
        ]
        if order.column == "ms":
            parts += [(" · ", "$text-muted"), load_profile(self.rows).describe()]
        parts += [(" · o next column · O reverse", "$text-muted")]
        content = Content.assemble(*parts)
        if content.plain != getattr(line.content, "plain", None):  # redrawn only on change
            line.update(content)
