"""The file watcher starts whatever the user presses in the first moments (issue 14, defect 8).

Pressing ``l`` before the first probe run had started used to take the watcher's start with
it: the watcher was started by the first probe run, and ``l`` counted as that run, so an
edit to takopi.toml afterwards was never noticed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from takopi_tui.rows import Status

from .tui_support import SIZE, make_app, notifications, row, settle, wait_for


def _touch_later(path: Path) -> None:
    later = time.time() + 2
    os.utime(path, (later, later))


def _enable_discord(config: Path) -> None:
    text = config.read_text().replace(
        '    "takopi-tools",\n', '    "takopi-tools",\n    "takopi-transport-discord",\n'
    )
    config.write_text(text)
    _touch_later(config)


async def test_l_pressed_at_once_does_not_stop_the_watcher(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, watch_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.plugins_screen
        # Before the first paint has been handled: the first run has not started yet.
        assert screen._first_probe != "started"
        await pilot.press("l")
        await settle(pilot)
        assert row(app, "discord").status is Status.DISABLED
        _enable_discord(demo_config)
        await wait_for(
            pilot, lambda: row(app, "discord").enabled, what="discord enabled", timeout=10
        )
        assert any("takopi.toml changed" in n for n in notifications(app))


async def test_r_pressed_at_once_does_not_stop_the_watcher(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, watch_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "r")
        await settle(pilot)
        _enable_discord(demo_config)
        await wait_for(
            pilot, lambda: row(app, "discord").enabled, what="discord enabled", timeout=10
        )
