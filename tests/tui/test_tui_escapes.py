"""The TUI shows plugin text escaped and config secrets masked (issue 10, points 12 and 13).

The real probe runs over the hostile distributions of tests/support/hostile.py: a name, an
entry-point id, a description, an import error and setup issues carrying OSC 52, ``ESC[2J``,
OSC 0 and C1 CSI; plugins that quote the config's secrets in their messages.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from support.hostile import CONFIG, MARKUP, SECRETS, raw_controls, write_hostile_site

from .tui_support import SIZE, error_pane_text, go_to, make_app, row, settle, static_text

ESCAPED = "\\x1b]52;c;cHduZWQ=\\x07\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m"


def screen_text(app) -> str:
    """Everything on screen, as the terminal would get it, from an SVG screenshot."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def test_escape_sequences_show_escaped_and_markup_literally(
    isolated_home: Path, config_path: Path
):
    site = write_hostile_site(isolated_home / "site", isolated_home / "bin")
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('default_engine = "fakeeng"\n', encoding="utf-8")
    app = make_app(site, real=True, config_path=config_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = [screen_text(app), error_pane_text(app)]
        for plugin_id in ("evilcrash", "eviltransport"):
            await go_to(pilot, plugin_id)
            seen += [screen_text(app), static_text(app, "#detail-body")]
        details = seen[-1]
        assert f"evil description {ESCAPED} {MARKUP}" in details
        assert f"evil issue {ESCAPED} {MARKUP}" in details
        assert f"evil error {ESCAPED} {MARKUP}" in seen[-3]
        assert "evilid\\x1b]0;pwned\\x07" in seen[1]
        for text in seen:
            assert raw_controls(text) == []


async def test_plugin_messages_quoting_secrets_are_masked(isolated_home: Path, config_path: Path):
    site = write_hostile_site(isolated_home / "site", isolated_home / "bin")
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(CONFIG, encoding="utf-8")
    app = make_app(site, real=True, config_path=config_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        leaky = row(app, "leaky").result
        assert leaky is not None and leaky.setup_fields  # the declared fields are known
        errors = error_pane_text(app)
        assert "cannot start with" in errors  # crashy quotes the config
        await go_to(pilot, "leaky")
        details = static_text(app, "#detail-body")
        assert "config has" in details  # leaky's setup issues quote it too
        for text in (errors, details, screen_text(app)):
            assert [where for where, secret in SECRETS.items() if secret in text] == []
