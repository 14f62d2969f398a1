"""A resize keeps the cursor row on screen (QA: a row selected near the bottom at 130x40
was still in the details after going to 80x24, but the table showed other rows)."""

from __future__ import annotations

from pathlib import Path

from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, TRANSPORT_GROUP, Dist, write_dists

from takopi_tui.widgets.plugin_table import PluginTable

from .tui_support import go_to, make_app, settle


def _dists(count: int) -> list[Dist]:
    groups = (ENGINE_GROUP, TRANSPORT_GROUP, COMMAND_GROUP)
    return [
        Dist(
            name=f"takopi-plugin-{n:02d}",
            version="1.0.0",
            entry_points={groups[n % 3]: {f"plugin_{n:02d}": f"plugin_{n:02d}:BACKEND"}},
        )
        for n in range(count)
    ]


def _visible_rows(table: PluginTable) -> range:
    """The row indexes the table draws now (the header takes its first line)."""
    top = int(table.scroll_y)
    return range(top, top + table.scrollable_content_region.height - 1)


async def test_a_smaller_window_scrolls_the_cursor_row_into_view(isolated_home: Path):
    site = write_dists(isolated_home / "site", *_dists(20))
    app = make_app(site)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        table = app.plugins_screen.table
        await go_to(pilot, "plugin_19")  # the last row: on screen at 130x40
        assert table.cursor_row in _visible_rows(table)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert table.size.height < 20
        assert app.plugins_screen.current_row.id == "plugin_19"
        assert table.cursor_row in _visible_rows(table), (
            f"cursor row {table.cursor_row} is off screen: rows {_visible_rows(table)} shown"
        )


async def test_a_larger_window_keeps_the_cursor_row_shown(isolated_home: Path):
    site = write_dists(isolated_home / "site", *_dists(40))
    app = make_app(site)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.plugins_screen.table
        await go_to(pilot, "plugin_30")
        assert table.cursor_row in _visible_rows(table)
        await pilot.resize_terminal(130, 40)
        await pilot.pause()
        await pilot.pause()
        assert table.cursor_row in _visible_rows(table)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert table.cursor_row in _visible_rows(table)


async def test_larger_panes_keep_the_cursor_row_shown(isolated_home: Path):
    site = write_dists(isolated_home / "site", *_dists(20))
    app = make_app(site)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        table = app.plugins_screen.table
        await go_to(pilot, "plugin_19")
        await pilot.press(*"]" * 6)  # the panes grow, the table shrinks
        await pilot.pause()
        assert table.cursor_row in _visible_rows(table)
