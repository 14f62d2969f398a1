"""Keys that used to do nothing: Escape in the table with a filter applied, and ctrl+s with
nothing staged (issue 14, defect 13)."""

from __future__ import annotations

from pathlib import Path

from takopi_tui.widgets.filter_bar import FilterBar
from takopi_tui.widgets.plugin_table import PluginTable

from .tui_support import SIZE, make_app, notifications, settle


def shown_ids(app) -> list[str]:
    by_key = {r.key: r.id for r in app.plugins_screen.rows}
    return [by_key[key] for key in app.plugins_screen.table.shown_keys]


def footer_actions(app) -> set[str]:
    return {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}


async def test_escape_in_the_table_clears_an_applied_text_filter(
    demo_site: Path, demo_config: Path
) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        everything = shown_ids(app)
        assert "clear_filter" not in footer_actions(app)  # nothing to clear yet
        await pilot.press("slash", "s", "l", "enter")
        assert isinstance(app.focused, PluginTable)
        assert shown_ids(app) == ["slack"]
        assert "clear_filter" in footer_actions(app)  # the footer says Escape clears it
        await pilot.press("escape")
        await pilot.pause()
        assert shown_ids(app) == everything
        assert isinstance(app.focused, PluginTable)
        bar = app.screen.query_one(FilterBar)
        assert bar.value == "" and not bar.display
        assert "clear_filter" not in footer_actions(app)
        assert any("Filter cleared" in text for text in notifications(app))


async def test_escape_clears_the_kind_and_errors_filters_too(
    demo_site: Path, demo_config: Path
) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        everything = shown_ids(app)
        await pilot.press("3")  # transports only
        assert len(shown_ids(app)) < len(everything)
        await pilot.press("escape")
        await pilot.pause()
        assert shown_ids(app) == everything
        await pilot.press("e")  # errors only
        assert len(shown_ids(app)) < len(everything)
        await pilot.press("escape")
        await pilot.pause()
        assert shown_ids(app) == everything


async def test_ctrl_s_with_nothing_staged_says_so(demo_site: Path, demo_config: Path) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.plugins_screen.has_staged
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("Nothing to save" in text for text in notifications(app))
        # ...and with something staged, ctrl+s is the save (its diff dialog), not the notice
        before = len(notifications(app))
        await pilot.press("space")
        await pilot.pause()
        assert app.plugins_screen.has_staged
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not any("Nothing to save" in text for text in notifications(app)[before:])
        assert type(app.screen).__name__ == "DiffDialog"
