"""Toasts never cover a dialog's buttons, and a dialog opening takes the toasts that were
showing away (they repeated what the dialog says) (issue 14, defect 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button

from .tui_support import make_app, settle, wait_for

LONG = (
    "A staged change hides the built-in plugins of takopi-tui: the built-in engines, "
    "transports and commands will not load until you enable takopi-tui again."
)


def toasts(app):
    return list(app.screen.query("Toast"))


@pytest.mark.parametrize("size", [(80, 24), (130, 40)])
async def test_dialog_buttons_stay_clear_of_toasts(
    demo_site: Path, demo_config: Path, size: tuple[int, int]
) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("space")  # stage a change, so ctrl+s opens the diff dialog
        app.notify(LONG, title="Warning", severity="warning", timeout=30)
        await wait_for(pilot, lambda: bool(toasts(app)), what="the toast")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DiffDialog", what="dialog")
        await pilot.pause()
        assert toasts(app) == []  # the toast from before the dialog is gone
        # a toast raised while the dialog is open (a background check finishing) keeps off
        # its buttons: over a dialog, toasts sit at the top
        app.notify(LONG, title="Checked", timeout=30)
        await wait_for(pilot, lambda: len(toasts(app)) == 1, what="the new toast")
        await pilot.pause()
        buttons = list(app.screen.query(Button))
        assert buttons
        for toast in toasts(app):
            for button in buttons:
                assert not toast.region.overlaps(button.region), (toast.region, button.region)


async def test_toasts_on_the_main_screen_still_show(demo_site: Path, demo_config: Path) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.notify("hello", timeout=30)
        await wait_for(pilot, lambda: bool(toasts(app)), what="the toast")
