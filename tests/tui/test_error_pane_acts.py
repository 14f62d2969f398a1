"""The error pane acts like a Problems view: one line per error, it follows the table's
selected row (marks that row's error, shows its full text), and Enter on an error moves the
table to its plugin, clearing a filter that hides it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from textual.content import Content
from textual.widgets import OptionList

from takopi_tui.app import TakopiApp
from takopi_tui.widgets.error_pane import ErrorPane

from .test_tui_snapshots import GEMINI_FAILED
from .test_tui_snapshots import SCRIPT as SNAPSHOT_SCRIPT
from .tui_support import go_to, make_app, row, scripted, settle, static_text

LONG_FIRST_LINE = "the gemini client could not start: " + "very long reason " * 20
SCRIPT = cast("dict[str, dict[str, Any]]", SNAPSHOT_SCRIPT)
SCRIPT_LONG: dict[str, dict[str, Any]] = {
    **SCRIPT,
    "gemini": {**GEMINI_FAILED, "message": LONG_FIRST_LINE + "\nsecond line of the error"},
}


def error_list(app: TakopiApp) -> OptionList:
    return app.plugins_screen.query_one("#error-list", OptionList)


def error_lines(app: TakopiApp) -> list[str]:
    return [plain(option.prompt) for option in error_list(app).options]


def plain(prompt: object) -> str:
    return prompt.plain if isinstance(prompt, Content) else str(prompt)


def marked(app: TakopiApp) -> str:
    """The line of the marked error ("" when none is)."""
    option = error_list(app).highlighted_option
    return "" if option is None else plain(option.prompt)


async def test_one_line_per_error_cropped_to_the_pane(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT_LONG))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = error_lines(app)
        assert lines[0] == f"✗ engine gemini · takopi-engine-gemini: {LONG_FIRST_LINE.strip()}"
        assert lines[1].startswith("✗ command Bad-Id · takopi-weird: invalid plugin id 'Bad-Id'")
        assert len(lines) == 2
        assert app.plugins_screen.query_one(ErrorPane).border_title == "Errors (2)"
        # Drawn one line each, whatever the length: the list is as tall as its errors.
        assert error_list(app).virtual_size.height == 2


async def test_the_pane_follows_the_selected_row(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT_LONG))
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await go_to(pilot, "gemini")
        assert "gemini" in marked(app)
        body = static_text(app, "#error-body")
        assert "second line of the error" in body  # the full text, not the first line
        assert "engine · takopi-engine-gemini" in body
        await go_to(pilot, "Bad-Id")
        assert "Bad-Id" in marked(app)
        assert "invalid plugin id 'Bad-Id'" in static_text(app, "#error-body")
        await go_to(pilot, "acme")
        assert marked(app) == ""
        assert "No error for the selected plugin. 2 errors above" in static_text(app, "#error-body")


async def test_enter_on_an_error_goes_to_its_row(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.plugins_screen
        await go_to(pilot, "acme")
        await pilot.press("tab", "tab")  # table -> details -> errors, as before
        assert screen.focused is not None and screen.focused.id == "error-list"
        await pilot.press("down", "down", "enter")  # the second error: Bad-Id
        assert screen.focused is screen.table
        current = screen.current_row
        assert current is not None and current.id == "Bad-Id"
        # Scrolled to: the row is inside the table's visible lines (header is line 0).
        table = screen.table
        top = int(table.scroll_y)
        assert top <= table.cursor_row < top + table.scrollable_content_region.height - 1
        assert "Bad-Id" in marked(app)


async def test_enter_on_a_filtered_out_error_clears_the_filter(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        screen = app.plugins_screen
        await pilot.press("2")  # engines only: Bad-Id (a command) is hidden
        assert row(app, "Bad-Id").key not in screen.table.shown_keys
        screen.set_focus(error_list(app))
        await pilot.pause()
        error_list(app).highlighted = 1
        await pilot.press("enter")
        await pilot.pause()
        assert not screen.row_filter.active
        current = screen.current_row
        assert current is not None and current.id == "Bad-Id"
        assert "Filter cleared: showing every plugin." in app.notified


async def test_no_errors_says_so(isolated_home: Path, config_path: Path):
    from support.demo_plugins import ACME
    from support.distfactory import write_dists

    site = write_dists(isolated_home / "site", ACME)
    app = make_app(site)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert error_lines(app) == []
        assert not error_list(app).display
        assert static_text(app, "#error-body") == "No errors."


async def test_the_list_stays_on_the_error_being_read_while_results_arrive(
    demo_site: Path, demo_config: Path
):
    script = dict(SCRIPT)  # the probe reads it on each run: changed below, between runs
    app = make_app(demo_site, probe_factory=scripted(script))
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        screen = app.plugins_screen
        await go_to(pilot, "gemini")  # the table's row has an error of its own
        screen.set_focus(error_list(app))
        await pilot.pause()
        await pilot.press("down")  # reading the second error: Bad-Id
        assert "Bad-Id" in marked(app)
        script["acme"] = {"status": "failed", "message": "acme broke meanwhile"}
        screen.check_all()  # new results change the list under the reader
        await settle(pilot)
        assert len(error_lines(app)) == 3
        assert "Bad-Id" in marked(app)
        assert "invalid plugin id 'Bad-Id'" in static_text(app, "#error-body")


async def test_tab_stops_are_the_table_the_details_and_the_errors(
    demo_site: Path, demo_config: Path
):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        screen = app.plugins_screen
        stops = []
        for _ in range(3):
            await pilot.press("tab")
            stops.append(screen.focused.id if screen.focused is not None else None)
        assert stops == ["details", "error-list", "plugins"]  # one stop per pane, as before
