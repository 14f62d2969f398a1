"""QA (issue #14): "not on index" showed in the catalogue's Installed column, as if it were
an install state. It has its own column now ("On index"), and Installed says only that."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from takopi_tui.screens.catalogue import CatalogueScreen

from .tui_support import make_app, settle, wait_for


async def test_not_on_the_index_is_its_own_column(demo_site: Path):
    app = make_app(demo_site)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        table = app.screen.query_one("#catalogue-table", DataTable)
        labels = [str(column.label) for column in table.columns.values()]
        assert "On index" in labels
        for name, column in (("takopi-slack", "installed"), ("takopi-slack-plugin", "installed")):
            assert str(table.get_cell(name, column)) == "", (name, column)
        assert str(table.get_cell("takopi-slack", "index")) == "no"
        assert str(table.get_cell("takopi-slack-plugin", "index")) == "yes"
