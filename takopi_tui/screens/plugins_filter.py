"""The plugins screen's row filter: the `/` filter bar (mounted when first needed), the kind
keys and the errors-only switch.

A mixin of ``PluginsScreen``, which keeps the filter and redraws the rows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

if TYPE_CHECKING:
    from textual.widgets import Input

    from ..rows import RowFilter
    from ..widgets.filter_bar import FilterBar
    from ..widgets.plugin_table import PluginTable


class FilterActions(Screen[None]):
    """Filter keys and the filter bar for ``PluginsScreen`` (which supplies the state below)."""

    row_filter: RowFilter

    if TYPE_CHECKING:
        # Provided by PluginsScreen.
        @property
        def table(self) -> PluginTable: ...
        def schedule_refresh(self) -> None: ...

    async def action_filter(self) -> None:
        bar = self._filter_bar()
        if bar is None:
            from ..widgets.filter_bar import FilterBar

            bar = FilterBar(id="filter")
            # Awaited, so keys typed right after "/" wait for the bar and land in it.
            await self.mount(bar, before=self.table)
        bar.display = True
        self.set_focus(bar)

    def _filter_bar(self) -> FilterBar | None:
        """The filter bar, once `/` has mounted it."""
        bars = self.query("#filter")
        if not bars:
            return None
        from ..widgets.filter_bar import FilterBar

        return bars.first(FilterBar)

    # Handlers by name rather than @on(Input...): importing Input is part of what the
    # lazy mount saves.
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self._set_filter(text=event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        bar = event.input
        if bar.id == "filter":
            bar.display = bool(bar.value)
            self.set_focus(self.table)

    def on_filter_bar_cleared(self, _event: FilterBar.Cleared) -> None:
        bar = self._filter_bar()
        if bar is not None:
            bar.display = False
        self._set_filter(text="")
        self.set_focus(self.table)

    def action_clear_filter(self) -> None:
        """Escape with a filter applied: every row again, the filter bar emptied and hidden."""
        bar = self._filter_bar()
        if bar is not None:
            from textual.widgets import Input

            with bar.prevent(Input.Changed):
                bar.value = ""
            bar.display = False
        self._set_filter(text="", kind=None, errors_only=False)
        self.set_focus(self.table)
        self.notify("Filter cleared: showing every plugin.", markup=False)

    def action_kind(self, kind: str) -> None:
        self._set_filter(kind=None if kind == "all" else kind)

    def action_errors_only(self) -> None:
        self._set_filter(errors_only=not self.row_filter.errors_only)

    def _set_filter(self, **changes: Any) -> None:
        self.row_filter = replace(self.row_filter, **changes)
        self.schedule_refresh()
