"""The wizard's review step on a short terminal (QA, issue 14): the diff opens on its first
changed line, as the ctrl+s diff dialog does, not on the context above it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from .wizard_support import next_step, open_wizard, set_input, setup_home, wizard_app

SMALL = (80, 24)

#: A config whose chatty table has secrets and settings above the key the wizard changes,
#: so the diff's context fills the few rows the review step has at 80x24.
LONG_TABLE = """\
# takopi config for the review-scroll test
default_engine = "fakecli"
transport = "chatty"

[transports.chatty]
bot_token = "ok-already-set"
mode = "thread"   # a long comment: the lines above the change wrap at 80 columns, as notes do
retries = 3   # another long comment that wraps at 80 columns and pushes the change down
webhook_url = "https://example.invalid/hooks/a-long-path/that/wraps/at/eighty/columns/on/a/small/terminal"
channel = "#old"   # the one the test changes
"""


@pytest.fixture
def site(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_home(isolated_home, monkeypatch)


@pytest.fixture
def long_config(config_path: Path) -> Path:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(LONG_TABLE, encoding="utf-8")
    return config_path


def visible_diff_lines(scroll: VerticalScroll, body: Static) -> list[str]:
    """The diff rows the review step shows in its scroll area right now (lines wrapped
    to the body's width, as Textual lays them out)."""
    content = body.content
    assert isinstance(content, Content)
    width = body.content_region.width
    rows = [row.plain for line in content.split("\n") for row in line.wrap(width)]
    top = round(scroll.scroll_y)
    return rows[top : top + scroll.scrollable_content_region.height]


async def test_review_step_scrolls_to_the_first_changed_line(site: Path, long_config: Path) -> None:
    app = wizard_app(site)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_wizard(pilot, "chatty")
        await next_step(pilot, screen)  # issues
        await next_step(pilot, screen)  # settings
        set_input(screen, "channel", "#new")
        await next_step(pilot, screen)  # defaults
        await next_step(pilot, screen)  # review
        assert screen.step == 5
        await pilot.pause()
        await pilot.pause()
        scroll = screen.query_one("#wizard-diff-scroll", VerticalScroll)
        body = screen.query_one("#wizard-diff", Static)
        shown = visible_diff_lines(scroll, body)
        assert shown, "the review step shows no diff rows"
        changed = [r for r in shown if r[:1] in "+-" and r[:3] not in ("+++", "---")]
        assert changed, f"no changed line in view at 80x24: {shown}"
