"""The key bar at any width: the keys that fit, then "…", then help and the palette, which
lead to every other key (at 80 columns it used to run off the edge after "Sort")."""

from __future__ import annotations

from pathlib import Path

import pytest

from takopi_tui.widgets.key_bar import KeyBar

from .tui_support import make_app, settle


@pytest.mark.parametrize("size", [(80, 24), (130, 40), (250, 40)])
async def test_help_and_palette_always_show(demo_site: Path, size: tuple[int, int]) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        text = bar.content.plain
        assert len(text) <= bar.content_region.width
        assert "? Help" in text and text.rstrip().endswith("palette")
        assert "Toggle" in text  # the first keys stay
        assert ("…" in text) == (size[0] < 250)


async def test_a_resize_refits_the_keys(demo_site: Path) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=(250, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        wide = bar.content.plain
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        narrow = bar.content.plain
        assert "…" not in wide and "…" in narrow and len(narrow) <= 80
