"""The plugins screen's panes: maximise one (`z`; Escape or `z` restores), resize the split
between the table and the panes below (`[` `]`), and go to a plugin's row (from the error
pane's Enter and the command palette, whose per-plugin actions run here).

Maximising is Textual's own (``Screen.maximize``); the split is the panes' height as a
percentage of the screen, set through ``styles`` and kept for the session only.

A mixin of ``PluginsScreen``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.screen import Screen
from textual.widget import Widget

from ..palette import CHECK, DISABLE, ENABLE, SETUP, PluginCommand
from ..rows import RowFilter
from ..widgets.error_pane import ErrorPane

if TYPE_CHECKING:
    from ..rows import PluginRow
    from ..widgets.plugin_table import PluginTable

#: The panes' share of the screen's height: the default (app.tcss), the bounds, one step.
PANES_DEFAULT = 45
PANES_MIN = 15
PANES_MAX = 80
PANES_STEP = 5


class PaneActions(Screen[None]):
    """Maximise, resize and go-to for ``PluginsScreen`` (which supplies the state below)."""

    panes_percent: int = PANES_DEFAULT
    row_filter: RowFilter
    rows: list[PluginRow]

    if TYPE_CHECKING:
        # Provided by PluginsScreen.
        @property
        def table(self) -> PluginTable: ...
        def refresh_view(self) -> None: ...
        def show_banner(self, text: str, level: str = "info") -> None: ...
        def action_sort_by(self, column: str) -> None: ...
        def action_toggle(self) -> None: ...  # type: ignore[override]  # StagingActions
        def action_check_selected(self) -> None: ...
        def action_clear_filter(self) -> None: ...

    # -- maximise --------------------------------------------------------------------------

    def action_maximize_pane(self) -> None:
        """Fill the screen with the table or pane that has focus; again restores it."""
        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused
        pane = self._pane_of(focused) if focused is not None else None
        if pane is not None:
            self.maximize(pane, container=False)

    def _pane_of(self, widget: Widget) -> Widget | None:
        """The table, the detail pane or the error pane that ``widget`` is (or is in)."""
        for node in (widget, *widget.ancestors):
            if isinstance(node, Widget) and node.id in ("plugins", "details", "errors"):
                return node
        return None

    # -- resize ----------------------------------------------------------------------------

    def action_resize_panes(self, step: int) -> None:
        """Give the panes ``step`` percent more of the screen's height (less when negative)."""
        percent = max(PANES_MIN, min(PANES_MAX, self.panes_percent + step))
        if percent == self.panes_percent:
            which = "smallest" if step < 0 else "largest"
            self.notify(f"The panes are at their {which} ({percent}%).", markup=False)
            return
        self.panes_percent = percent
        self.query_one("#panes").styles.height = f"{percent}%"

    # -- go to a row -----------------------------------------------------------------------

    def go_to_row(self, row_key: str) -> bool:
        """Select the row ``row_key`` and focus the table; False when there is no such row.

        A row the filter hides is shown by clearing the filter (FilterActions says so).
        """
        if not any(row.key == row_key for row in self.rows):
            return False
        table = self.table
        if row_key not in table.shown_keys and self.row_filter.active:
            self.action_clear_filter()  # says so
            self.refresh_view()  # now: the row must be shown to be selected
        if row_key not in table.shown_keys:
            return False
        if self.maximized is not None:
            self.minimize()
        table.move_cursor(row=table.shown_keys.index(row_key))
        self.set_focus(table)
        return True

    @on(ErrorPane.GoTo)
    def _go_to_error(self, event: ErrorPane.GoTo) -> None:
        self.go_to_row(event.row_key)

    # -- the command palette's per-plugin actions ------------------------------------------

    def run_plugin_command(self, command: PluginCommand) -> None:
        """Do what a palette entry says (its row may have gone since it was listed: say so)."""
        if command.sort is not None:
            self.action_sort_by(command.sort)
            return
        if command.row_key is None or not self.go_to_row(command.row_key):
            self.notify(
                f"{command.label}: that plugin is no longer listed.",
                severity="warning",
                markup=False,
            )
            return
        if command.verb in (DISABLE, ENABLE):
            self.action_toggle()
        elif command.verb == SETUP:
            # Called directly: run_action would ask check_action while the palette is still
            # the top screen, and refuse. (TakopiApp is not imported: it imports this screen.)
            setup = getattr(self.app, "action_setup", None)
            if setup is not None:
                setup(command.plugin_id)
        elif command.verb == CHECK:
            self.action_check_selected()
