"""A plugin that hangs shows how long it has been checked, ticking, then why it failed.

The real probe on real distributions (issue 14, point 1): the row of a plugin that hangs
says "⟳ checking 1.3 s" and counts up (a Textual timer, not a thread) while the others are
checked beside it; when its time is up its error says after how long and how to give it
longer with `takopi tui --timeout`.
"""

from __future__ import annotations

from pathlib import Path

from support.demo_plugins import engine_code
from support.distfactory import ENGINE_GROUP, Dist, write_dists

from takopi_core.plugins.probe import default_workers
from takopi_tui.probe_runs import SHOW_ELAPSED_AFTER, ProbeRuns
from takopi_tui.rows import Status
from takopi_tui.widgets.detail_pane import describe
from takopi_tui.widgets.plugin_table import status_cell

from .tui_support import SIZE, go_to, make_app, row, settle, wait_for

HANG = Dist(
    name="takopi-engine-hang",
    entry_points={ENGINE_GROUP: {"hang": "hang_engine:BACKEND"}},
    files={"hang_engine.py": "import time\ntime.sleep(3600)\n"},
)
QUICK = Dist(
    name="takopi-engine-quick",
    entry_points={ENGINE_GROUP: {"quick": "quick_engine:BACKEND"}},
    files={"quick_engine.py": engine_code("quick")},
)


def _status(app, plugin_id: str) -> str:
    return status_cell(row(app, plugin_id)).plain


def _seconds(text: str) -> float:
    """3.2 from "⟳ checking 3.2 s"."""
    return float(text.removeprefix("⟳ checking ").removesuffix(" s"))


async def test_a_hanging_row_ticks_then_says_how_to_raise_the_timeout(tmp_path: Path):
    site = tmp_path / "site"
    write_dists(site, HANG, QUICK)
    app = make_app(site, real=True, timeout=3.5)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: row(app, "hang").status is Status.LOADING, what="hang")
        await wait_for(
            pilot, lambda: _status(app, "hang").startswith("⟳ checking "), what="an elapsed time"
        )
        first = _seconds(_status(app, "hang"))
        assert first >= SHOW_ELAPSED_AFTER
        # The clock moves on by itself: nothing but the timer redraws the row.
        await wait_for(
            pilot, lambda: _seconds(_status(app, "hang")) >= first + 0.5, what="the time to tick"
        )
        if default_workers() > 1:
            assert row(app, "quick").status is Status.OK  # checked beside the hang
        await go_to(pilot, "hang")
        assert "checking… " in describe(row(app, "hang")).plain
        await settle(pilot)
        hang = row(app, "hang")
        assert hang.status is Status.FAILED
        assert hang.checking_for is None
        assert hang.error_text == "timed out after 3.5 s while importing"
        assert str(hang.fix).startswith(
            "if it is only slow, give it longer: takopi tui --timeout 30;"
        )
        assert _status(app, "hang") == "✗ failed"


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Probe:
    def cancel(self) -> None:
        pass

    def results(self, on_start=None):
        return iter(())


def test_elapsed_shows_after_a_second_in_tenths_and_ends_with_the_run() -> None:
    runs = ProbeRuns()
    clock = runs.clock = _Clock()
    key = ("engine", "hang", "takopi-engine-hang")
    other = ("engine", "quick", "takopi-engine-quick")
    run = runs.start("all", [key, other], _Probe())
    runs.plugin_started(run, key)
    clock.now += 0.4
    runs.plugin_started(run, other)
    assert runs.elapsed() == {}  # quick plugins are not cluttered with numbers
    clock.now += 0.67
    assert runs.elapsed() == {key: 1.0}
    clock.now += 2.25
    assert runs.elapsed() == {key: 3.3, other: 2.9}
    runs.stop("all")
    assert runs.elapsed() == {} and not runs.checking
