"""Snapshots of a plugin that hangs: its row counts the seconds (80x24 and 130x40).

The probe is scripted (telegram never returns) and the runs' clock is the test's, so the
time shown is always 3.2 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from takopi_tui.rows import Status

from .test_tui_snapshots import SCRIPT, snapshot_app
from .tui_support import go_to, row, wait_for


class _Clock:
    """The runs' clock: stands still until the test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("size", [(80, 24), (130, 40)], ids=["80x24", "130x40"])
def test_snapshot_a_hanging_row_counts_its_seconds(
    demo_site: Path, demo_config: Path, snap_compare, size: tuple[int, int]
):
    app = snapshot_app(demo_site, SCRIPT, hang=frozenset({"telegram"}))
    clock = _Clock()

    async def run_before(pilot: Pilot) -> None:
        screen = app.plugins_screen
        screen.runs.clock = clock
        await wait_for(
            pilot,
            lambda: any(r.id == "telegram" and r.status is Status.LOADING for r in screen.rows),
            what="telegram checking",
        )
        clock.now += 3.25
        await wait_for(pilot, lambda: row(app, "telegram").checking_for == 3.2, what="3.2 s")
        await go_to(pilot, "telegram")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
