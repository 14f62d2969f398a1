"""Panes maximised with `z` (Textual's Screen.maximize; Escape or `z` restores) and the split
between the table and the panes resized with `[` and `]`, kept for the session."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from textual.widgets import OptionList

from takopi_tui.screens.plugins_panes import PANES_DEFAULT, PANES_MAX, PANES_MIN, PANES_STEP

from .test_tui_snapshots import SCRIPT as SNAPSHOT_SCRIPT
from .tui_support import go_to, make_app, scripted, settle

SIZE = (100, 30)

#: The snapshot tests' load times and results (typed for the scripted probe).
SCRIPT = cast("dict[str, dict[str, Any]]", SNAPSHOT_SCRIPT)


async def test_z_maximises_the_focused_pane_and_escape_restores(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.plugins_screen
        details = screen.query_one("#details")
        await go_to(pilot, "gemini")
        screen.set_focus(details)
        await pilot.pause()
        normal = details.region
        await pilot.press("z")
        await pilot.pause()
        assert screen.maximized is details
        assert details.region.width == SIZE[0]
        assert details.region.height > normal.height
        assert not screen.table.region.area  # the table is not drawn meanwhile
        assert screen.query_one("#keys").region.area  # the keys still are
        await pilot.press("escape")
        await pilot.pause()
        assert screen.maximized is None
        assert details.region == normal
        assert screen.focused is details


async def test_z_on_the_table_and_on_the_error_list(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.plugins_screen
        await pilot.press("z")
        assert screen.maximized is screen.table
        assert screen.table.region.width == SIZE[0]
        await pilot.press("z")  # z again restores
        assert screen.maximized is None
        screen.set_focus(screen.query_one("#error-list", OptionList))
        await pilot.pause()
        await pilot.press("z")
        assert screen.maximized is screen.query_one("#errors")  # the whole pane, list and text
        await pilot.press("down", "enter")  # Enter on an error: its row, back in the split
        assert screen.maximized is None
        assert screen.focused is screen.table


async def test_brackets_resize_the_split_within_bounds(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.plugins_screen
        panes = screen.query_one("#panes")
        start = panes.region.height
        table_start = screen.table.region.height
        await pilot.press("right_square_bracket")
        assert screen.panes_percent == PANES_DEFAULT + PANES_STEP
        assert panes.region.height > start
        assert screen.table.region.height < table_start
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert screen.panes_percent == PANES_DEFAULT - PANES_STEP
        assert panes.region.height < start
        for _ in range((PANES_DEFAULT - PANES_MIN) // PANES_STEP + 2):
            await pilot.press("left_square_bracket")
        assert screen.panes_percent == PANES_MIN
        assert "The panes are at their smallest (15%)." in app.notified
        for _ in range((PANES_MAX - PANES_MIN) // PANES_STEP + 1):
            await pilot.press("right_square_bracket")
        assert screen.panes_percent == PANES_MAX
        height = panes.region.height
        assert screen.reload()  # a reload keeps the split (it lives on the screen)
        await settle(pilot)
        assert panes.region.height == height
