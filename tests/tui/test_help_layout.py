"""The `?` help keeps its two columns apart at any width, and explains every status word the
table can show, "ok, needs setup" included (issue 14, defect 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from takopi_tui.screens.help import EXTRA_KEYS, MARKS, HelpScreen, help_content
from takopi_tui.widgets.plugin_table import NEEDS_SETUP, STATUS_GLYPHS

from .tui_support import make_app, settle

KEYS = [
    ("space", "Toggle"),
    ("ctrl+s", "Preview the change to takopi.toml and save it, after a diff of every line"),
    ("[ ]", "Smaller panes / larger panes: the split between the table and the panes"),
]


def rendered(width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None, legacy_windows=False)
    console.print(help_content(KEYS))
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [40, 60, 80, 130, 200])
def test_descriptions_wrap_in_their_own_column(width: int) -> None:
    lines = rendered(width)
    labels = [label for label, _ in (*KEYS, *EXTRA_KEYS, *MARKS)]
    labels += [label for label, _ in STATUS_GLYPHS.values()] + [NEEDS_SETUP]
    column = max(len(label) for label in labels) + 2  # the key column: "  " + the widest
    for line in lines:
        assert len(line) <= width
        head, tail = line[:column], line[column:]
        if not head.strip():
            continue  # a wrapped description: it stays right of the key column
        # a key line: the key fits its column, one blank before the description
        assert tail == "" or tail.startswith(" "), line
    # every description word is there (nothing cut off)
    text = " ".join(" ".join(lines).split())
    for _, description in KEYS:
        for word in description.split():
            assert word in text


def test_every_status_word_is_explained() -> None:
    text = "\n".join(rendered(130))
    for label, _style in STATUS_GLYPHS.values():
        assert label.replace("{reason}", "invalid id") in text
    assert NEEDS_SETUP in text
    (line,) = [line for line in text.splitlines() if NEEDS_SETUP in line]
    assert "not set up" in line


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_the_help_screen_fits_and_scrolls(demo_site: Path, size: tuple[int, int]) -> None:
    app = make_app(demo_site)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        body = app.screen.query_one("#help-body")
        dialog = app.screen.query_one("#dialog")
        assert dialog.region.right <= size[0] and dialog.region.bottom <= size[1]
        assert body.region.width <= dialog.region.width
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
