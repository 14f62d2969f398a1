"""Snapshots of the details page at 80x24 and 130x40: a distribution with full metadata
(every dependency state, Requires-Python not met, a Markdown README), and the same page
scrolled into the README. Fixed as in test_tui_snapshots.py (theme, scripted probe, the
interpreter shown, HOME as ``~``); the README's blocks are mounted before each screenshot."""

from __future__ import annotations

from pathlib import Path

from support.demo_plugins import write_demo
from support.details_dists import ROCKET, ROCKET_DEPS
from textual.pilot import Pilot
from textual.widgets import Markdown

from takopi_tui.screens.details import DetailsScreen

from .test_tui_snapshots import ready, snapshot_app
from .tui_support import go_to, wait_for


async def _open_rocket(pilot: Pilot) -> None:
    await ready(pilot)
    await go_to(pilot, "rocket")
    await pilot.press("enter")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, DetailsScreen), what="the page")
    readme = app.screen.query_one("#details-readme", Markdown)
    await wait_for(pilot, lambda: len(readme.children) > 0, what="the README's blocks")
    await pilot.pause(0.1)
    app.clear_notifications()


def _app(home: Path):
    return snapshot_app(write_demo(home / "site", ROCKET, *ROCKET_DEPS))


def test_snapshot_details_page_80x24(isolated_home: Path, demo_config: Path, snap_compare):
    assert snap_compare(_app(isolated_home), terminal_size=(80, 24), run_before=_open_rocket)


def test_snapshot_details_page_130x40(isolated_home: Path, demo_config: Path, snap_compare):
    assert snap_compare(_app(isolated_home), terminal_size=(130, 40), run_before=_open_rocket)


def test_snapshot_details_readme_80x24(isolated_home: Path, demo_config: Path, snap_compare):
    async def run_before(pilot: Pilot) -> None:
        await _open_rocket(pilot)
        await pilot.press("pagedown")
        await pilot.pause(0.1)

    assert snap_compare(_app(isolated_home), terminal_size=(80, 24), run_before=run_before)
