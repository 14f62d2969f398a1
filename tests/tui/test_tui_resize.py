"""A window resize lays the screen out again: the table and the panes follow the new size."""

from __future__ import annotations

from pathlib import Path

from takopi_tui.widgets.plugin_table import PluginTable

from .tui_support import SIZE, make_app, settle


async def test_a_resize_reflows_the_table_and_panes(demo_site: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(PluginTable)
        assert table.size.width == SIZE[0]
        before = app.screen.query_one("#details").size
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        await pilot.pause()
        assert app.size == (90, 30)
        assert table.size.width == 90
        after = app.screen.query_one("#details").size
        assert after.width < before.width and after.height < before.height
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        await pilot.pause()
        assert table.size.width == SIZE[0]
        assert app.screen.query_one("#details").size == before
