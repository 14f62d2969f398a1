"""Sorting the plugin table: `o` cycles the column, `O` reverses, a header click sorts by that
column; the sort is marked in the header and in the sort line, load time gives the profile
view (slowest first, with the total), and it survives re-checks, reloads and filters with
the cursor on the same plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from support.distfactory import COMMAND_GROUP, Dist
from textual.pilot import Pilot

from takopi_tui.app import TakopiApp
from takopi_tui.rows import Status
from takopi_tui.sorting import SORT_COLUMNS, SortOrder, load_profile, sort_rows
from takopi_tui.widgets.plugin_table import PluginTable

from .test_tui_snapshots import SCRIPT as SNAPSHOT_SCRIPT
from .tui_support import SIZE, go_to, make_app, row, scripted, settle, static_text

#: The demo plugins by load time (SCRIPT), slowest first; ties (12 ms) in kind-then-id order;
#: then the rows without a load time (failed, disabled, invalid id) in the default order.
SLOWEST_FIRST = ["claude", "codex", "telegram", "slack", "digest", "stats", "acme"]
NO_TIME = ["gemini", "discord", "Bad-Id"]

#: The snapshot tests' load times and results (typed for the scripted probe).
SCRIPT = cast("dict[str, dict[str, Any]]", SNAPSHOT_SCRIPT)


def shown_ids(app: TakopiApp) -> list[str]:
    by_key = {r.key: r.id for r in app.plugins_screen.rows}
    return [by_key[key] for key in app.plugins_screen.table.shown_keys]


def header(app: TakopiApp) -> str:
    return app.plugins_screen.table.render_line(0).text


async def press_until(pilot: Pilot, app: TakopiApp, column: str | None) -> None:
    for _ in range(len(SORT_COLUMNS) + 1):
        if app.plugins_screen.table_sort.column == column:
            return
        await pilot.press("o")
    raise AssertionError(f"o never reached {column}")


async def test_o_cycles_the_columns_and_marks_the_header(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        default = shown_ids(app)
        assert "▲" not in header(app) and "▼" not in header(app)
        seen = []
        for _ in SORT_COLUMNS:
            await pilot.press("o")
            column = app.plugins_screen.table_sort.column
            assert column is not None
            seen.append(column)
            name = dict(SORT_COLUMNS)[column]
            arrow = "▼" if seen[-1] == "ms" else "▲"
            assert f"{name} {arrow}" in header(app), header(app)
            assert f"sorted by {name} {arrow}" in static_text(app, "#sort-line")
        assert seen == [key for key, _ in SORT_COLUMNS]
        await pilot.press("o")  # past the last column: the default order again
        assert not app.plugins_screen.table_sort.active
        assert shown_ids(app) == default
        assert "▲" not in header(app) and "▼" not in header(app)
        assert not app.plugins_screen.query_one("#sort-line").display


async def test_load_time_is_the_profile_view_with_the_total(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "slack")
        await press_until(pilot, app, "ms")
        assert shown_ids(app) == SLOWEST_FIRST + NO_TIME
        line = static_text(app, "#sort-line")
        # 41 + 38.5 + 18 + 12 * 3 + 3.2 = 136.7
        assert "total load 137 ms over 7 plugins · slowest claude 41 ms" in line
        current = app.plugins_screen.current_row
        assert current is not None and current.id == "slack"  # the cursor moved with slack


async def test_reverse_keeps_ties_in_order_and_rows_without_a_time_last(
    demo_site: Path, demo_config: Path
):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_until(pilot, app, "ms")
        await pilot.press("O")
        assert "Load ms ▲" in header(app)
        assert shown_ids(app) == [
            "acme",
            "slack",
            "digest",
            "stats",
            "telegram",
            "codex",
            "claude",
            *NO_TIME,
        ]


async def test_the_sort_survives_rechecks_reloads_and_filters(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.plugins_screen
        await press_until(pilot, app, "ms")
        await go_to(pilot, "telegram")
        await pilot.press("l")  # check everything again
        await settle(pilot)
        assert shown_ids(app) == SLOWEST_FIRST + NO_TIME
        assert screen.reload()  # what a changed takopi.toml does
        screen.check_all()
        await settle(pilot)
        assert shown_ids(app) == SLOWEST_FIRST + NO_TIME
        assert "Load ms ▼" in header(app)
        current = screen.current_row
        assert current is not None and current.id == "telegram"
        await go_to(pilot, "codex")
        await pilot.press("2")  # engines only
        assert shown_ids(app) == ["claude", "codex", "acme", "gemini"]
        await pilot.press("1")
        assert shown_ids(app) == SLOWEST_FIRST + NO_TIME
        current = screen.current_row
        assert current is not None and current.id == "codex"


async def test_a_header_click_sorts_by_that_column_and_again_reverses(
    demo_site: Path, demo_config: Path
):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.plugins_screen.table
        x = next(x for x in range(table.size.width) if table.column_at(x) == "dist")
        await pilot.click(PluginTable, offset=(x, 0))
        assert app.plugins_screen.table_sort == SortOrder("dist", False)
        assert "Distribution ▲" in header(app)
        dists = [row(app, plugin_id).dist_label.lower() for plugin_id in shown_ids(app)]
        assert dists == sorted(dists)
        await pilot.click(PluginTable, offset=(x, 0))
        assert "Distribution ▼" in header(app)
        dists = [row(app, plugin_id).dist_label.lower() for plugin_id in shown_ids(app)]
        assert dists == sorted(dists, reverse=True)


async def test_status_sort_puts_problems_first(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_until(pilot, app, "status")
        statuses = [row(app, plugin_id).status for plugin_id in shown_ids(app)]
        assert statuses[:2] == [Status.BROKEN, Status.FAILED]
        assert statuses[-1] is Status.DISABLED


def test_versions_sort_by_pep_440_not_by_text(isolated_home: Path):
    from support.demo_plugins import command_code, write_demo

    from takopi_core.plugins.discovery import discover
    from takopi_tui.rows import build_rows

    big = Dist(
        name="takopi-big",
        version="10.0.0",  # before 2.0.0 as text, after it as a version
        entry_points={COMMAND_GROUP: {"big": "big_cmd:BACKEND"}},
        files={"big_cmd.py": command_code("big", "big")},
    )
    site = write_demo(isolated_home / "site", big)
    rows = build_rows(discover(None, path=[str(site)]), {})
    ordered = [r.version for r in sort_rows(rows, SortOrder.by("version"))]
    present = [v for v in ordered if v is not None]
    assert present[-2:] == ["2.0.0", "10.0.0"]
    assert present == sorted(present, key=lambda v: tuple(int(p) for p in v.split(".")))
    assert ordered[len(present) :] == [None] * (len(ordered) - len(present))  # unknown: last


def test_load_profile_counts_only_plugins_with_a_time(demo_site: Path):
    from takopi_core.plugins.discovery import discover
    from takopi_tui.rows import build_rows

    rows = build_rows(discover(None, path=[str(demo_site)]), {})
    assert load_profile(rows).describe() == "no load times yet"
