"""The details page (screens/details.py): opened with enter or d, closed with escape,
scrolled with the keys; metadata shown as plain text; README links copied, never opened."""

from __future__ import annotations

import socket
from pathlib import Path

from support.demo_plugins import engine_code, write_demo
from support.details_dists import HOSTILE, ROCKET, ROCKET_DEPS
from support.distfactory import ENGINE_GROUP, Dist, write_dist
from textual.widgets import Markdown, Static
from textual.widgets._markdown import MarkdownParagraph

from takopi_tui.screens.details import (
    MARKDOWN_LIMIT,
    MARKDOWN_LINES,
    DetailsScreen,
    markdown_part,
)
from takopi_tui.widgets.detail_pane import DetailPane
from takopi_tui.widgets.plugin_table import PluginTable

from .tui_support import go_to, make_app, settle, static_text, wait_for

SMALL = (80, 24)


def facts(screen: DetailsScreen) -> dict[str, str]:
    """The page's labelled facts: the grid's cells, label then value."""
    cells = [cell.content.plain for cell in screen.query_one("#details-facts").query(Static)]
    return dict(zip(cells[::2], cells[1::2], strict=True))


RST = Dist(
    name="takopi-engine-rst",
    entry_points={ENGINE_GROUP: {"rstengine": "rst_engine.backend:BACKEND"}},
    files={"rst_engine/backend.py": engine_code("rstengine")},
    headers=[("Description-Content-Type", "text/x-rst")],
    description="Title\n=====\n\n**not bold** [not markup] `link <https://x.example>`_\n",
)


def _site(home: Path) -> Path:
    return write_demo(home / "site", ROCKET, *ROCKET_DEPS, HOSTILE, RST)


async def _open(pilot, plugin_id: str, key: str = "enter") -> DetailsScreen:
    app = pilot.app
    await settle(pilot)
    await go_to(pilot, plugin_id)
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, DetailsScreen), what="the page")
    screen = app.screen
    assert isinstance(screen, DetailsScreen)
    return screen


async def test_enter_opens_the_page_and_escape_goes_back(isolated_home: Path, demo_config: Path):
    app = make_app(_site(isolated_home))
    async with app.run_test(size=SMALL) as pilot:
        screen = await _open(pilot, "rocket")
        assert screen.dist_name == "takopi-engine-rocket"
        title = static_text(app, "#details-title")
        assert title == "takopi-engine-rocket  1.4.0\nRocket agent engine for Takopi"
        shown = facts(screen)
        assert shown == {
            "Homepage": "https://rocket.example",
            "Source": "https://git.example/rocket",
            "Issues": "https://git.example/rocket/issues",
            "Author": "Ada Lovelace <ada@rocket.example>",
            "License": "Apache-2.0; OSI Approved :: Apache Software License",
            # The inspected interpreter is the app's (FIXED_ENV: 3.11.7).
            "Requires-Python": ">=3.99  ✗ not met: the inspected Python is 3.11.7",
            "Takopi": ">=0.23,<0.24  (takopi: missing; host: takopi-tui 0.1.0)",
            "Location": "~/site/takopi_engine_rocket-1.4.0.dist-info",
        }
        problems = static_text(app, "#details-problems").splitlines()
        assert problems == [
            "Problems",
            "  ✗ needs Python >=3.99; this is 3.11.7",
            "  ✗ rocket-proto: wrong version: 0.9.0 installed, needs >=1.0",
            "  ✗ rocket-cache: missing",
        ]
        deps = static_text(app, "#details-deps").splitlines()
        assert deps[0] == "Dependencies (4)"
        assert "  ✓ rocket-sdk>=2,<3    installed 2.3.1" in deps
        assert "  ! rocket-proto>=1.0   wrong version: 0.9.0 installed, needs >=1.0" in deps
        assert "  ✗ rocket-cache        missing" in deps
        takopi = (
            "  · takopi>=0.23,<0.24  not installed: takopi-tui provides the takopi package instead"
        )
        assert takopi in deps
        assert any("(2 more apply only to extras" in line for line in deps)
        assert "  Extras: tracing" in deps
        entry_points = static_text(app, "#details-entry-points").splitlines()
        assert entry_points[1].split() == ["engine", "rocket", "rocket_engine.backend:BACKEND"]
        readme = screen.query_one("#details-readme", Markdown)
        assert readme.source.startswith("# Rocket engine")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DetailsScreen), what="back")
        assert isinstance(app.focused, PluginTable)
        assert app.plugins_screen.current_row.id == "rocket"


async def test_d_opens_the_page_and_tab_reaches_the_detail_pane(
    isolated_home: Path, demo_config: Path
):
    app = make_app(_site(isolated_home))
    async with app.run_test(size=SMALL) as pilot:
        screen = await _open(pilot, "acme", key="d")
        assert screen.dist_name == "takopi-engine-acme"
        assert "No README in the metadata." in static_text(app, "#details-readme")
        await pilot.press("c")  # the page as `takopi plugins info` prints it
        assert app.clipboard.startswith("takopi-engine-acme 0.3.0\n")
        assert "Entry points\n  engine     acme" in app.clipboard
        await pilot.press("q")  # q closes the page, it does not quit the app
        await wait_for(pilot, lambda: not isinstance(app.screen, DetailsScreen), what="back")
        assert app.is_running
        await pilot.press("tab")
        assert isinstance(app.focused, DetailPane)


async def test_the_page_scrolls_with_the_keys(isolated_home: Path, demo_config: Path):
    app = make_app(_site(isolated_home))
    async with app.run_test(size=SMALL) as pilot:
        screen = await _open(pilot, "rocket")
        body = screen.query_one("#details-body")
        assert app.focused is body
        assert body.max_scroll_y > 10  # the README is longer than the screen
        await pilot.press("down", "down")
        assert body.scroll_y == 2
        await pilot.press("end")
        await wait_for(pilot, lambda: body.scroll_y == body.max_scroll_y, what="the end")
        await pilot.press("home")
        await wait_for(pilot, lambda: body.scroll_y == 0, what="the top")
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: body.scroll_y > 10, what="a page down")


async def test_a_readme_link_is_copied_never_opened(
    isolated_home: Path, demo_config: Path, monkeypatch
):
    app = make_app(_site(isolated_home))
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
    # The README's image must not be fetched: any connection attempt is recorded.
    connections: list[object] = []

    def no_network(self: socket.socket, address: object) -> None:
        connections.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    async with app.run_test(size=SMALL) as pilot:
        screen = await _open(pilot, "rocket")
        readme = screen.query_one("#details-readme", Markdown)
        await wait_for(pilot, lambda: len(readme.children) > 0, what="the README's blocks")
        # The image is drawn as its alt text.
        assert "the logo" in readme.query(MarkdownParagraph).first().content.plain
        assert connections == []
        paragraph = screen.query(MarkdownParagraph).first()
        # What a click on the link runs (the widget's @click action on the link's text).
        await paragraph.run_action("link('https://rocket.example/docs')")
        await pilot.pause()
        assert opened == []
        assert app.clipboard == "https://rocket.example/docs"
        assert app.notified[-1] == "Link copied: https://rocket.example/docs"


async def test_hostile_metadata_shows_as_text(isolated_home: Path, demo_config: Path):
    app = make_app(_site(isolated_home))
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await _open(pilot, "hostile")
        title = static_text(app, "#details-title")
        # Shown literally: no markup parsed, control characters escaped.
        assert "[bold red]LOUD[/bold red] \\x1b]52;c;cHduZWQ=\\x07\\x1b[2J" in title
        shown = facts(screen)
        assert shown["Author"].startswith("Mallory [/] \\x1b]52")
        assert shown["Home [b]x"].startswith("javascript:alert(1)\\x1b]52")
        readme = screen.query_one("#details-readme", Markdown)
        # The 5 MB README: the widget gets the start of it, and the page says it is cut.
        assert len(readme.source) <= MARKDOWN_LIMIT
        assert "\x1b" not in readme.source
        cut = static_text(app, "#details-readme-cut")
        assert "5,242,880 characters in all" in cut
        svg = app.export_screenshot()
        assert "\x1b" not in svg
        assert "NOTMARKUP" in svg and "[bold]NOTMARKUP[/bold]" in svg.replace("&#160;", " ")
        for static in screen.query(Static):
            assert "\x1b" not in str(static.render())


async def test_an_rst_readme_is_shown_as_written(isolated_home: Path, demo_config: Path):
    app = make_app(_site(isolated_home))
    async with app.run_test(size=SMALL) as pilot:
        await _open(pilot, "rstengine")
        assert static_text(app, "#details-readme-title") == "README (text/x-rst)"
        assert static_text(app, "#details-readme") == (
            "Title\n=====\n\n**not bold** [not markup] `link <https://x.example>`_"
        )


def test_a_long_markdown_readme_is_cut_at_a_blank_line() -> None:
    block = "```\n" + "code line\n" * 5 + "```\n\n"
    text = block * (MARKDOWN_LIMIT // len(block) + 10)
    part, cut = markdown_part(text)
    assert cut and len(part) <= MARKDOWN_LIMIT
    assert part.endswith("```")  # never inside a fence: whole blocks only
    assert part.count("```") % 2 == 0
    many_lines = "- item\n" * (MARKDOWN_LINES + 50)
    part, cut = markdown_part(many_lines)
    assert cut and MARKDOWN_LINES - 1 <= len(part.splitlines()) <= MARKDOWN_LINES
    assert markdown_part("# short\n\ntext") == ("# short\n\ntext", False)


async def test_the_page_reads_the_rows_own_dist_info(isolated_home: Path, demo_config: Path):
    """The folder name need not match the Name header: the page reads the folder the row
    came from (importlib.metadata finds distributions by folder name only)."""
    site = _site(isolated_home)
    info = write_dist(
        site,
        Dist(
            name="takopi-engine-odd",
            version="2.0",
            summary="odd one",
            entry_points={ENGINE_GROUP: {"odd": "odd_engine:BACKEND"}},
        ),
    )
    info.rename(site / "renamed_folder-2.0.dist-info")
    app = make_app(site)
    async with app.run_test(size=SMALL) as pilot:
        await _open(pilot, "odd")
        assert static_text(app, "#details-title") == "takopi-engine-odd  2.0\nodd one"
