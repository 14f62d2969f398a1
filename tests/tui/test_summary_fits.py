"""The summary line is one line at any width, and says "1 plugin", not "1 plugins"."""

from __future__ import annotations

from pathlib import Path

import pytest

from takopi_core.text import plural
from takopi_tui.environment import Environment
from takopi_tui.rows import Counts, RowFilter
from takopi_tui.widgets.summary import SummaryLine, describe_summary, shorten_middle

from .tui_support import make_app, settle

#: The interpreter of a uv tool install: a long path, as users have it.
UV_PYTHON = Environment(
    python="/home/someone/.local/share/uv/tools/takopi-tui/bin/python", version="3.11.7"
)


@pytest.mark.parametrize("size", [(80, 24), (130, 40), (200, 60)])
async def test_the_summary_takes_one_line_at_any_width(
    demo_site: Path, isolated_home: Path, size: tuple[int, int]
) -> None:
    deep = isolated_home / "a-rather-long-folder-name" / "and-another-one" / "takopi.toml"
    app = make_app(demo_site, environment=UV_PYTHON, config_path=deep)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        line = app.screen.query_one(SummaryLine)
        assert line.size.height == 1
        text = line.content.plain
        assert len(text) <= line.content_region.width
        assert "plugins" in text and "failed" in text
        assert "3.11.7" in text  # the version always shows
        if size[0] >= 200:  # room for everything
            assert "config " in text and UV_PYTHON.python in text


async def test_a_filter_at_80_columns_still_fits_one_line(demo_site: Path) -> None:
    app = make_app(demo_site, environment=UV_PYTHON)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"slack", "enter")
        await pilot.pause()
        line = app.screen.query_one(SummaryLine)
        text = line.content.plain
        assert line.size.height == 1 and len(text) <= line.content_region.width
        assert "shown" in text and "failed" in text


async def test_narrowing_the_window_picks_a_shorter_form(demo_site: Path) -> None:
    app = make_app(demo_site, environment=UV_PYTHON)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        line = app.screen.query_one(SummaryLine)
        wide = line.content.plain
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        narrow = line.content.plain
        assert narrow != wide and len(narrow) <= 78
        assert line.size.height == 1


def _counts(plugins: int, **kw: int) -> Counts:
    fields = dict(failed=0, disabled=0, staged_distributions=0, checked=0, checkable=0)
    fields.update(kw)
    return Counts(plugins=plugins, **fields)


def test_one_plugin_is_singular() -> None:
    env = Environment(python="/usr/bin/python3", version="3.11.7")
    forms = describe_summary(_counts(1), Path("/c/takopi.toml"), env, RowFilter(), 1)
    assert all("1 plugin " in form.plain for form in forms)
    forms = describe_summary(
        _counts(2, staged_distributions=1), Path("/c/t.toml"), env, RowFilter(), 2
    )
    assert "2 plugins" in forms[0].plain and "1 staged change " in forms[0].plain


def test_plural_and_middle_shortening() -> None:
    assert (plural(0, "plugin"), plural(1, "plugin"), plural(2, "plugin")) == (
        "0 plugins",
        "1 plugin",
        "2 plugins",
    )
    assert plural(2, "entry", "entries") == "2 entries"
    path = "~/projects/bridge/config/takopi.toml"
    short = shorten_middle(path, 20)
    assert len(short) == 20 and short.startswith("~/pro") and short.endswith("/takopi.toml")
    # no room for the whole file name: both ends
    assert shorten_middle(path, 12) == "~/pro…i.toml"
    assert shorten_middle("short", 20) == "short"
