"""The save diff and the quit question as a new user meets them (issue 14, defects 9, 12).

At 80x24 the diff dialog gives the diff the rows it can and opens on the first changed
line; the quit question with staged changes offers "Save and quit" (ctrl+s), which saves
through the usual diff preview and then quits. Real app, real demo dist-infos, real file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.demo_plugins import DEMO_CONFIG
from textual.widgets import Button

from takopi_tui.screens.dialogs import DiffDialog, QuitDialog
from takopi_tui.staging import EMPTY_LIST_NOTE

from .tui_support import go_to, make_app, settle, static_text, wait_for

SMALL = (80, 24)


def changed_lines(body: str) -> list[int]:
    return [
        i
        for i, line in enumerate(body.splitlines())
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


def visible_lines(dialog: DiffDialog) -> range:
    scroll = dialog.query_one("#diff-scroll")
    top = round(scroll.scroll_y)
    return range(top, top + scroll.scrollable_content_region.height)


def deep_diff(before: int) -> str:
    """A diff whose only change comes after ``before`` context lines."""
    lines = ["--- a/takopi.toml", "+++ b/takopi.toml", f"@@ -1,{before + 1} +1,{before + 2} @@"]
    lines += [f' "takopi-plugin-{n}",' for n in range(before)]
    lines += ['+ "takopi-transport-new",', ' "takopi-last",']
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("size", [SMALL, (130, 40)])
async def test_diff_dialog_opens_on_the_first_change(
    demo_site: Path, demo_config: Path, size: tuple[int, int]
) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await go_to(pilot, "discord")
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog), what="diff dialog")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DiffDialog)
        body = static_text(app, "#diff-body")
        first = changed_lines(body)[0]
        assert first in visible_lines(dialog)
        # The whole (short) diff has room at 80x24 too: 2 + 1 + 3 + 1 + 3 lines.
        assert len(visible_lines(dialog)) >= min(len(body.splitlines()), 10)
        for selector in ("#save", "#cancel"):
            assert dialog.query_one(selector).region.bottom <= size[1]


async def test_deep_change_is_scrolled_to(demo_site: Path, demo_config: Path) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        dialog = DiffDialog("~/.takopi/takopi.toml", deep_diff(40), [EMPTY_LIST_NOTE])
        app.push_screen(dialog)
        await wait_for(pilot, lambda: app.screen is dialog)
        await pilot.pause()
        first = changed_lines(static_text(app, "#diff-body"))[0]
        shown = visible_lines(dialog)
        assert first in shown
        assert first - 1 in shown  # a line of context above it
        assert len(shown) >= 8  # with a four-line note under it, at 80x24
        save = dialog.query_one("#save", Button).region
        assert save.bottom <= SMALL[1]


async def stage_one(pilot) -> None:
    await settle(pilot)
    await go_to(pilot, "discord")
    await pilot.press("space")
    await pilot.pause()


async def test_quit_dialog_save_and_quit_with_ctrl_s(demo_site: Path, demo_config: Path) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=SMALL) as pilot:
        await stage_one(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog), what="quit dialog")
        body = static_text(app, "#dialog-body")
        assert "1 staged change is not saved" in body
        button = app.screen.query_one("#save", Button)
        assert "Save and quit" in str(button.label)
        assert button.region.bottom <= SMALL[1]
        await pilot.press("ctrl+s")
        # The usual preview first: nothing is written unseen.
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog), what="diff dialog")
        assert demo_config.read_text() == DEMO_CONFIG
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_code == 0
    assert '"takopi-transport-discord"' in demo_config.read_text()


async def test_quit_dialog_save_button_then_cancel_stays(
    demo_site: Path, demo_config: Path
) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=SMALL) as pilot:
        await stage_one(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog), what="quit dialog")
        await pilot.click("#save")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog), what="diff dialog")
        await pilot.press("escape")  # not saved after all: the app stays, the change staged
        await pilot.pause()
        assert app.is_running and app.plugins_screen.has_staged
        assert app.screen is app.plugins_screen
    assert demo_config.read_text() == DEMO_CONFIG


async def test_quit_dialog_keys(demo_site: Path, demo_config: Path) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=SMALL) as pilot:
        await stage_one(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog), what="quit dialog")
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.plugins_screen.has_staged
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog), what="quit dialog")
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert demo_config.read_text() == DEMO_CONFIG
