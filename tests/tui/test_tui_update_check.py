"""When the TUI asks the package index for newer versions: once, after the first check of the
plugins (pip's children never compete with start-up or the probe), and never when off."""

from __future__ import annotations

import threading
from pathlib import Path

from takopi_tui.rows import Status

from .tui_support import make_app, row, scripted, settle, wait_for


async def test_the_index_is_asked_once_the_first_check_is_over(demo_site: Path):
    asked: list[list[str]] = []
    answered = threading.Event()

    def index(names, python):
        asked.append(sorted(names))
        answered.set()
        return {"takopi-engine-acme": "9.9.0"}

    app = make_app(
        demo_site, probe_factory=scripted(hang=frozenset({"telegram"})), check_updates=index
    )
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.plugins_screen
        await wait_for(pilot, lambda: row(app, "telegram").status is Status.LOADING)
        await pilot.pause(0.5)
        assert asked == []  # the probe is still at work
        screen.cancel_probes()  # the hanging check ends (as its time limit would)
        screen.schedule_refresh()
        await wait_for(pilot, answered.is_set, what="the index to be asked")
        await settle(pilot)
        assert asked == [
            sorted(
                [
                    "takopi-engine-acme",
                    "takopi-engine-gemini",
                    "takopi-tools",
                    "takopi-transport-discord",
                    "takopi-transport-slack",
                    "takopi-weird",
                ]
            )
        ]
        await wait_for(pilot, lambda: row(app, "acme").latest == "9.9.0")
        screen.schedule_refresh()  # later redraws do not ask again
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        assert len(asked) == 1


async def test_off_by_default(demo_site: Path):
    app = make_app(demo_site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.plugins_screen.options.latest_versions is None
        assert not [w for w in app.workers if w.name == "update-check"]
