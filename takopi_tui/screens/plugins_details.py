"""The plugins screen's way to the details page: enter or ``d`` on a row with a distribution.

A mixin of ``PluginsScreen``; the page itself is screens/details.py (imported when first
opened, so start-up does not pay for the Markdown widget).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from ..rows import PluginRow
    from .screen_options import ScreenOptions


#: Spliced into ``PluginsScreen.BINDINGS``, which the help and the palette list.
DETAILS_BINDINGS = [
    Binding(
        "d",
        "open_details",
        "Details",
        show=False,
        tooltip="The distribution's page: URLs, licence, dependencies, README (also enter)",
    ),
]


class DetailsActions(Screen[None]):
    """Opens the details page of the selected row's distribution."""

    if TYPE_CHECKING:
        # Provided by PluginsScreen.
        options: ScreenOptions

        @property
        def current_row(self) -> PluginRow | None: ...

    def action_open_details(self) -> None:
        row = self.current_row
        if row is None or not row.distribution:
            self.notify(
                "This plugin has no distribution name, so there is no page to show.",
                markup=False,
                severity="warning",
            )
            return
        from .details import DetailsScreen

        self.app.push_screen(
            DetailsScreen(
                row.distribution,
                search_path=self.options.search_path,
                python_version=self.options.environment.version,
                location=row.location,
            )
        )
