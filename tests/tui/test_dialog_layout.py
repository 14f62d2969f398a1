"""The diff dialog keeps its path line, notes and buttons on screen however long the diff."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Static

from takopi_tui.screens.dialogs import DiffDialog

from .tui_support import make_app, settle, wait_for


def long_diff(lines: int) -> str:
    body = [f' "takopi-plugin-{n}",  # context line {n}' for n in range(lines)]
    return "--- a/takopi.toml\n+++ b/takopi.toml\n@@ -1,60 +1,60 @@\n" + "\n".join(body) + "\n"


@pytest.mark.parametrize("size", [(80, 24), (130, 40)])
async def test_long_diff_keeps_the_buttons_on_screen(
    demo_site: Path, demo_config: Path, size: tuple[int, int]
):
    app = make_app(demo_site)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        dialog = DiffDialog("~/.takopi/takopi.toml", long_diff(60), ["a note about the save"])
        app.push_screen(dialog)
        await wait_for(pilot, lambda: app.screen is dialog)
        await pilot.pause()
        width, height = size
        box = dialog.query_one("#dialog").region
        assert box.bottom <= height and box.right <= width
        for selector in ("#diff-path", ".note", "#save", "#cancel"):
            widget = dialog.query_one(selector)
            region = widget.region
            assert region.height > 0 and region.width > 0, selector
            assert region.y >= 0 and region.bottom <= height, (selector, region)
            assert region.x >= 0 and region.right <= width, (selector, region)
            assert box.contains_region(region), (selector, region, box)
        scroll = dialog.query_one("#diff-scroll")
        assert scroll.region.bottom <= dialog.query_one("#save", Button).region.y
        assert dialog.query_one("#diff-body", Static).region.height > scroll.region.height


async def test_short_diff_dialog_fits_its_content(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog = DiffDialog("~/.takopi/takopi.toml", long_diff(3))
        app.push_screen(dialog)
        await wait_for(pilot, lambda: app.screen is dialog)
        await pilot.pause()
        body = dialog.query_one("#diff-body", Static).region
        scroll = dialog.query_one("#diff-scroll").region
        assert scroll.height == body.height + 2  # the diff and its border, no blank rows
