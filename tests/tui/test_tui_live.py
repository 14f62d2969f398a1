"""Live status: rows fill from metadata at once, then the real probe moves each row on.

Also: re-checking (``l``, ``r``), and reloading when the config or a plugin's files change on
disk, without losing staged edits.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from support.demo_plugins import engine_code, write_demo
from support.distfactory import ENGINE_GROUP, Dist, write_dist

from takopi_core.plugins.discovery import PluginEntry
from takopi_core.plugins.probe import default_workers
from takopi_tui.probing import ProbeRequest
from takopi_tui.rows import Status

from .tui_support import (
    SIZE,
    error_pane_text,
    go_to,
    make_app,
    notifications,
    row,
    scripted,
    settle,
    static_text,
    wait_for,
)

SLOW = Dist(
    name="takopi-engine-slow",
    entry_points={ENGINE_GROUP: {"slow": "slow_engine:BACKEND"}},
    files={"slow_engine.py": "import time\ntime.sleep(0.6)\n" + engine_code("slow")},
)
HANG = Dist(
    name="takopi-engine-hang",
    entry_points={ENGINE_GROUP: {"hang": "hang_engine:BACKEND"}},
    files={"hang_engine.py": "import time\ntime.sleep(3600)\n"},
)


def touch_later(path: Path) -> None:
    """Make sure a rewrite shows as a new mtime even on coarse clocks."""
    later = time.time() + 2
    os.utime(path, (later, later))


async def test_rows_fill_at_once_then_move_through_loading(isolated_home: Path, demo_config: Path):
    demo_config.write_text(
        demo_config.read_text().replace(
            '"takopi-tools",\n',
            '"takopi-tools",\n    "takopi-engine-slow",\n    "takopi-engine-hang",\n',
        )
    )
    site = write_demo(isolated_home / "site", SLOW, HANG)
    app = make_app(site, real=True, timeout=1.5)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.plugins_screen
        # Metadata first: every row is there before any plugin has been loaded.
        assert {r.id for r in screen.rows} >= {"acme", "slow", "hang", "discord", "gemini"}
        assert row(app, "discord").status is Status.DISABLED
        # Engines start in id order: hang (which uses its whole timeout), then slow, which
        # a free checker takes while hang holds its own.
        await wait_for(pilot, lambda: row(app, "hang").status is Status.LOADING, what="hang")
        await pilot.press("e")  # the app answers keys while a plugin hangs
        assert screen.row_filter.errors_only
        await pilot.press("e")
        await wait_for(pilot, lambda: row(app, "slow").status is Status.LOADING, what="slow")
        if default_workers() > 1:
            assert row(app, "hang").status is Status.LOADING  # one slot held, not the table
        await pilot.press("2")  # and while a slow plugin imports
        assert {r.kind for r in screen.rows if screen.row_filter.accepts(r)} == {"engine"}
        assert len(screen.table.shown_keys) < len(screen.rows)
        await pilot.press("1")
        await settle(pilot)
        assert row(app, "slow").status is Status.OK
        load_ms = row(app, "slow").load_ms
        assert load_ms is not None and load_ms >= 500
        assert row(app, "gemini").status is Status.FAILED
        assert row(app, "stats").status is Status.OK  # checked beside the hang, still ok
        hang = row(app, "hang")
        assert hang.status is Status.FAILED
        assert "timed out after 1.5 s while importing" in (hang.error_text or "")
        assert "hang" in error_pane_text(app)


async def test_disabled_plugins_are_not_probed(demo_site: Path, demo_config: Path):
    calls: list[ProbeRequest] = []
    app = make_app(demo_site, probe_factory=scripted(log=calls))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        probed = {entry.id for entry in calls[0].entries}
        assert "discord" not in probed and "acme" in probed
        assert row(app, "discord").status is Status.DISABLED
        assert calls[0].setup_engine is not None and calls[0].setup_engine.id == "codex"


async def test_r_rechecks_the_selected_plugin_after_a_fix(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, real=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert row(app, "gemini").status is Status.FAILED
        # The plugin author fixes the import in their editor...
        module = demo_site / "gemini_engine" / "backend.py"
        module.write_text(engine_code("gemini"))
        await go_to(pilot, "gemini")
        await pilot.press("r")
        await wait_for(pilot, lambda: row(app, "gemini").status is Status.OK, what="gemini ok")
        assert "gemini" not in error_pane_text(app)
        # ...and `l` checks everything again.
        module.write_text("raise RuntimeError('broken again')\n")
        await pilot.press("l")
        await wait_for(
            pilot, lambda: row(app, "gemini").status is Status.FAILED, what="gemini failed"
        )
        assert "broken again" in (row(app, "gemini").error_text or "")


async def test_editing_a_plugin_file_reloads_and_rechecks(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, real=True, watch_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert row(app, "gemini").status is Status.FAILED
        module = demo_site / "gemini_engine" / "backend.py"
        module.write_text(engine_code("gemini"))
        touch_later(module)
        await wait_for(pilot, lambda: row(app, "gemini").status is Status.OK, what="gemini ok")
        assert any("installed plugins changed" in n for n in notifications(app))


async def test_installing_a_distribution_shows_it(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, watch_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not [r for r in app.plugins_screen.rows if r.id == "newbie"]
        # `pip install` in another terminal: a new dist-info folder appears.
        write_dist(
            demo_site,
            Dist(
                name="takopi-engine-newbie",
                entry_points={ENGINE_GROUP: {"newbie": "newbie_engine:BACKEND"}},
                files={"newbie_engine.py": engine_code("newbie")},
            ),
        )
        touch_later(demo_site)
        await wait_for(
            pilot, lambda: any(r.id == "newbie" for r in app.plugins_screen.rows), what="newbie"
        )
        # The config has an enabled list without it, so it arrives disabled.
        assert row(app, "newbie").status is Status.DISABLED


async def test_config_edited_on_disk_reloads_and_keeps_staged(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, watch_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "acme")
        await pilot.press("space")
        assert row(app, "acme").staged
        text = demo_config.read_text().replace(
            '    "takopi-tools",\n', '    "takopi-tools",\n    "takopi-transport-discord",\n'
        )
        demo_config.write_text(text)
        touch_later(demo_config)
        await wait_for(pilot, lambda: row(app, "discord").enabled, what="discord enabled")
        assert row(app, "acme").staged  # the staged change survived the reload
        shown = "\n".join(notifications(app))
        assert "takopi.toml changed" in shown
        assert "staged change is kept" in shown


async def test_config_edit_that_does_what_was_staged_drops_it(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, watch_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "acme")
        await pilot.press("space")
        text = demo_config.read_text().replace('    "takopi-engine-acme",     # acme engine\n', "")
        demo_config.write_text(text)
        touch_later(demo_config)
        await wait_for(pilot, lambda: not app.plugins_screen.has_staged, what="staged dropped")
        assert "takopi-engine-acme" in static_text(app, "#banner")
        assert not row(app, "acme").enabled


class _BrokenProbe:
    def __init__(self, request: ProbeRequest) -> None:
        self.request = request

    def results(self, on_start=None):
        entry: PluginEntry = self.request.entries[0]
        if on_start is not None:
            on_start(entry)
        raise OSError("cannot start the probe process [bold]x[/]")
        yield  # pragma: no cover - makes this a generator

    def cancel(self) -> None:
        pass


async def test_a_failing_probe_is_reported_and_the_app_carries_on(
    demo_site: Path, demo_config: Path
):
    app = make_app(demo_site, probe_factory=_BrokenProbe)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any("cannot start the probe process [bold]x[/]" in n for n in notifications(app))
        assert app.is_running
        assert not any(r.status is Status.LOADING for r in app.plugins_screen.rows)
