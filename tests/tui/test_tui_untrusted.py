"""Untrusted text: ids, distribution names, versions, descriptions and error messages that
look like Rich or Textual markup show literally everywhere and crash nothing."""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

from support.demo_plugins import ACME, transport_code
from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, Dist, write_dists
from support.templates import plugin_dist

from takopi_tui.rows import Status
from takopi_tui.screens.dialogs import ConfirmDialog, DiffDialog

from .tui_support import (
    SIZE,
    error_pane_text,
    go_to,
    make_app,
    notifications,
    row,
    settle,
    static_text,
    wait_for,
)

EVIL_DIST = "takopi-[bold]evil[/]"
EVIL_MESSAGE = "bad [bold]markup[/] [/] [link=http://x]click[/link] [red"

EVIL = Dist(
    name="takopi-evil",  # renamed in METADATA below: "/" cannot be in a folder name
    version="1.0",
    entry_points={
        ENGINE_GROUP: {"evil": "evil_mod:BACKEND"},
        COMMAND_GROUP: {"[/]": "evil_cmd:BACKEND"},
    },
    files={
        "evil_mod.py": f"raise RuntimeError({EVIL_MESSAGE!r})\n",
        "evil_cmd.py": "BACKEND = None\n",
    },
)
SHADY = plugin_dist(
    "takopi-shady",
    "transport",
    "shady",
    transport_code(
        "shady",
        "[b]desc[/b] [/] [@click=app.quit]quit[/]",
        [("set [bold]token[/]", ["value [/] here"])],
    ),
    module="shady_mod",
)


def write_evil_site(site: Path) -> Path:
    write_dists(site, EVIL, SHADY, ACME)  # acme: an engine for the transport's setup check
    metadata = site / "takopi_evil-1.0.dist-info" / "METADATA"
    text = metadata.read_text().replace("Name: takopi-evil", f"Name: {EVIL_DIST}")
    metadata.write_text(text.replace("Version: 1.0", "Version: [/]1.0"))
    return site


def screen_text(app) -> str:
    """Everything on screen, as plain text, from an SVG screenshot."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def test_markup_in_plugin_text_renders_literally(isolated_home: Path, config_path: Path):
    site = write_evil_site(isolated_home / "site")
    app = make_app(site, real=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        evil = row(app, "evil")
        assert evil.status is Status.FAILED
        assert EVIL_MESSAGE in (evil.error_text or "")
        assert row(app, "[/]").status is Status.BROKEN
        on_screen = screen_text(app)
        assert EVIL_DIST in on_screen
        assert "[/]1.0" in on_screen
        await go_to(pilot, "evil")
        details = static_text(app, "#detail-body")
        assert EVIL_MESSAGE in details and EVIL_DIST in details
        errors = error_pane_text(app)
        assert EVIL_MESSAGE in errors
        assert "invalid plugin id '[/]'" in errors
        assert f"engine · {EVIL_DIST}" in errors
        assert "bad [bold]markup[/]" in screen_text(app)
        await go_to(pilot, "shady")
        details = static_text(app, "#detail-body")
        assert "[b]desc[/b] [/] [@click=app.quit]quit[/]" in details
        assert "set [bold]token[/]" in details and "value [/] here" in details
        await pilot.click("#details")  # a click on the "[@click=app.quit]" text does nothing
        assert app.is_running


async def test_markup_in_names_survives_dialogs_and_notifications(
    isolated_home: Path, config_path: Path
):
    site = write_evil_site(isolated_home / "site")
    app = make_app(site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "evil")
        await pilot.press("space")  # two plugins in that distribution: a confirmation
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert f"{EVIL_DIST} provides 2 plugins: [/], evil" in static_text(app, "#dialog-body")
        assert f"Disable {EVIL_DIST}?" in screen_text(app)
        await pilot.press("y")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog))
        await pilot.press("ctrl+s")
        await settle(pilot)
        written = tomllib.loads(config_path.read_text())
        assert written["plugins"]["enabled"] == ["takopi-engine-acme", "takopi-shady", "takopi-tui"]
        await pilot.press("c")
        assert any("Copied the details of" in n for n in notifications(app))
        await pilot.press("slash", *"[/]", "enter")
        assert 'showing 2: "[/]"' in static_text(app, "#summary")  # the id and the dist
        assert app.is_running
