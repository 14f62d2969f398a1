"""The `/` filter: an Input that filters as you type.

Enter hands focus back to the table and keeps the filter; Escape clears it.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class FilterBar(Input):
    """Filter text for the plugin table."""

    BINDINGS = [
        Binding("enter", "submit", "Back to table"),
        Binding("escape", "clear_filter", "Clear filter"),
    ]

    class Cleared(Message):
        """Escape was pressed: the filter is empty again."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="filter: id, distribution, kind, status…", id=id)

    def action_clear_filter(self) -> None:
        self.value = ""
        self.post_message(self.Cleared())
