"""Keys: filter as you type, kind and error filters, help, the command palette, j/k, copy,
and a footer that shows only the keys that apply."""

from __future__ import annotations

from pathlib import Path

from textual import events

from takopi_tui.screens.help import HelpScreen
from takopi_tui.widgets.detail_pane import DetailPane
from takopi_tui.widgets.filter_bar import FilterBar
from takopi_tui.widgets.plugin_table import PluginTable

from .tui_support import SIZE, go_to, make_app, scripted, settle, static_text, wait_for


def shown_ids(app) -> list[str]:
    by_key = {r.key: r.id for r in app.plugins_screen.rows}
    return [by_key[key] for key in app.plugins_screen.table.shown_keys]


def footer_keys(app) -> set[str]:
    return {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}


async def test_filter_as_you_type_enter_keeps_escape_clears(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        everything = shown_ids(app)
        await pilot.press("slash")
        assert isinstance(app.focused, FilterBar)
        await pilot.press("s", "l")
        assert shown_ids(app) == ["slack"]  # narrows with each key
        await pilot.press("backspace")
        assert {"slack", "stats", "digest"} <= set(shown_ids(app)) < set(everything)
        await pilot.press("l", "enter")
        assert isinstance(app.focused, PluginTable)
        assert shown_ids(app) == ["slack"]  # Enter keeps the filter
        assert 'showing 1: "sl"' in static_text(app, "#summary")
        await pilot.press("slash", "escape")
        assert shown_ids(app) == everything  # Escape clears it
        assert isinstance(app.focused, PluginTable)
        assert not app.screen.query_one(FilterBar).display


async def test_filter_matches_distribution_and_status_words(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"tools", "enter")
        assert shown_ids(app) == ["digest", "stats"]
        await pilot.press("slash", "escape", "slash", *"disabled", "enter")
        assert shown_ids(app) == ["discord", "Bad-Id"]  # Bad-Id: broken and disabled


async def test_kind_and_error_filters(demo_site: Path, demo_config: Path):
    app = make_app(
        demo_site, probe_factory=scripted({"gemini": {"status": "failed", "message": "boom"}})
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        assert shown_ids(app) == ["acme", "claude", "codex", "gemini"]
        await pilot.press("3")
        assert shown_ids(app) == ["discord", "slack", "telegram"]
        await pilot.press("4")
        assert shown_ids(app) == ["Bad-Id", "digest", "stats"]
        await pilot.press("e")
        assert shown_ids(app) == ["Bad-Id"]  # commands with errors
        await pilot.press("1")
        assert shown_ids(app) == ["gemini", "Bad-Id"]  # every kind, errors only
        await pilot.press("e")
        assert len(shown_ids(app)) == len(app.plugins_screen.rows)


async def test_j_and_k_move_and_the_details_follow(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.plugins_screen.current_row.id == "acme"
        await pilot.press("j", "j")
        assert app.plugins_screen.current_row.id == "codex"
        assert static_text(app, "#detail-body").startswith("codex  engine  built-in")
        await pilot.press("k")
        assert app.plugins_screen.current_row.id == "claude"
        await go_to(pilot, "slack", keys=True)
        details = static_text(app, "#detail-body")
        assert "slack_transport.backend:BACKEND" in details
        assert "needs setup (run `takopi setup slack`)" not in details  # scripted: no setup run


async def test_help_lists_every_key(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = static_text(app, "#help-body")
        for words in ("Toggle", "Save", "Undo", "Check all", "Filter", "Errors", "Help", "Quit"):
            assert words in text
        for words in ("All kinds", "Engines", "Transports", "Commands", "Copy"):
            assert words in text
        assert "ctrl+p" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_command_palette_runs_actions(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "CommandPalette")
        await pilot.press(*"Errors")
        await pilot.pause(0.3)  # the palette searches in a worker
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.plugins_screen.row_filter.errors_only, what="errors")
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in ("Toggle", "Save", "Undo", "Check all", "Check", "Filter", "Engines"):
            assert title in titles


async def test_footer_shows_the_keys_that_apply(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        keys = footer_keys(app)
        assert {"toggle", "check_all", "filter", "errors_only", "quit"} <= keys
        assert "save" not in keys and "undo" not in keys  # nothing staged yet
        await go_to(pilot, "acme")
        await pilot.press("space")
        assert {"save", "undo"} <= footer_keys(app)
        await go_to(pilot, "Bad-Id")
        assert "check_selected" not in footer_keys(app)  # a broken id cannot be loaded


async def test_copy_and_tab_focus_the_details(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "acme")
        await pilot.press("c")
        assert app.clipboard.startswith("acme  engine")
        assert "acme_engine.backend:BACKEND" in app.clipboard
        await pilot.press("tab")  # enter opens the details page (test_details_page.py)
        assert isinstance(app.focused, DetailPane)
        await pilot.press("escape")
        assert isinstance(app.focused, PluginTable)
        assert app.plugins_screen.current_row.id == "acme"


async def test_keys_typed_right_after_slash_land_in_the_filter(demo_site: Path, demo_config: Path):
    """A fast typist (or a paste) sends "/acme⏎" in one go, before any refresh."""
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, char in [("slash", "/"), *[(c, c) for c in "acme"], ("enter", "\r")]:
            event = events.Key(key, char)
            event.set_sender(app)
            app.post_message(event)  # all queued at once, as a terminal delivers them
        await wait_for(pilot, lambda: app.plugins_screen.row_filter.text == "acme")
        assert shown_ids(app) == ["acme"]
        assert isinstance(app.focused, PluginTable)
