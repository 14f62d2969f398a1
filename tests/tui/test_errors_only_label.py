"""`e` filters the table to the plugins with errors; it does not go to the errors pane.

QA: labelled "Errors", a new user pressed it to reach the errors pane. The key bar, the help
and the palette call it "Errors only"; tab still goes to the panes.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from takopi_tui.screens.help import HelpScreen
from takopi_tui.widgets.key_bar import KeyBar

from .tui_support import SIZE, make_app, settle, static_text, wait_for


async def test_e_is_labelled_errors_only_everywhere(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.plugins_screen
        keys = screen.query_one(KeyBar).content
        assert "e Errors only" in getattr(keys, "plain", str(keys))
        titles = {c.title for c in app.get_system_commands(screen)}
        assert "Errors only" in titles and "Errors" not in titles
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_lines = static_text(app, "#help-body").splitlines()
        (line,) = [line for line in help_lines if line.strip().startswith("e ")]
        assert "Errors only" in line
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        # e filters; tab, tab still reaches the errors pane
        await pilot.press("e")
        await wait_for(pilot, lambda: screen.row_filter.errors_only, what="errors only")
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert isinstance(app.focused, OptionList) and app.focused.id == "error-list"
