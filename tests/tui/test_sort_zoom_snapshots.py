"""Snapshots of the table sorted by load time (the profile view, with the total) and of a
maximised pane, at 80x24 and 130x40. Fixed like the other snapshots: scripted load times,
pinned theme, no animations, workers awaited (see test_tui_snapshots.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from .test_tui_snapshots import ready, snapshot_app
from .tui_support import go_to

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((130, 40), id="130x40")]


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_sorted_by_load_time(
    demo_site: Path, demo_config: Path, snap_compare, size: tuple[int, int]
):
    app = snapshot_app(demo_site)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        screen = pilot.app.screen
        while screen.table_sort.column != "ms":  # type: ignore[attr-defined]
            await pilot.press("o")
        await go_to(pilot, "telegram")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_maximised_error_pane(
    demo_site: Path, demo_config: Path, snap_compare, size: tuple[int, int]
):
    app = snapshot_app(demo_site)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await go_to(pilot, "gemini")  # its error is marked and shown in full
        await pilot.press("tab", "tab", "z")  # table -> details -> errors; maximise
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
