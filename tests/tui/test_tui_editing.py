"""Toggling, saving, undoing and quitting in the real app.

The first two tests run the real probe end to end; the others are about the config file and
use the instant scripted probe, so the suite stays fast.

The written takopi.toml is compared with golden files full of comments: a save changes only
the lines of ``[plugins] enabled`` it must.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.demo_plugins import DEMO_CONFIG
from textual.widgets import Static

from takopi_tui.screens.dialogs import ConfirmDialog, DiffDialog, QuitDialog

from .tui_support import SIZE, go_to, make_app, notifications, row, settle, static_text, wait_for

GOLDEN = Path(__file__).parent / "golden"


def assert_golden(path: Path, name: str) -> None:
    """The file at ``path`` equals ``golden/<name>`` (TAKOPI_UPDATE_GOLDEN=1 rewrites it)."""
    golden = GOLDEN / name
    text = path.read_text(encoding="utf-8")
    if os.environ.get("TAKOPI_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


async def test_toggle_and_save_disables_one_distribution(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, real=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "acme")
        assert row(app, "acme").status.value == "ok"
        await pilot.press("space")
        assert row(app, "acme").staged and not row(app, "acme").enabled_after
        assert "1 staged change" in static_text(app, "#summary")
        assert demo_config.read_text() == DEMO_CONFIG  # staged, not written
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog), what="diff dialog")
        diff = static_text(app, "#diff-body")
        assert '-    "takopi-engine-acme",     # acme engine' in diff
        assert "123:abc" not in diff  # the bot token is masked in the preview
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, DiffDialog))
        await settle(pilot)
        assert_golden(demo_config, "disable_acme.toml")
        assert row(app, "acme").status.value == "disabled"
        assert not app.plugins_screen.has_staged
        assert "Restart Takopi to apply" in static_text(app, "#banner")


async def test_enable_a_disabled_distribution(demo_site: Path, demo_config: Path):
    app = make_app(demo_site, real=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "discord")
        assert row(app, "discord").status.value == "disabled"
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog))
        assert '+    "takopi-transport-discord",' in static_text(app, "#diff-body")
        await pilot.press("y")
        await wait_for(pilot, lambda: row(app, "discord").status.value == "ok", what="discord ok")
        assert_golden(demo_config, "enable_discord.toml")


async def test_distribution_with_several_plugins_asks_first(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "digest")
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        body = static_text(app, "#dialog-body")
        assert "takopi-tools provides 2 plugins: digest, stats" in body
        await pilot.press("n")
        await pilot.pause()
        assert not app.plugins_screen.has_staged
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await pilot.pause()
        assert row(app, "digest").staged and row(app, "stats").staged
        await go_to(pilot, "gemini")
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_golden(demo_config, "disable_tools_and_gemini.toml")


COMMENTED_NO_LIST = """\
# no enabled list yet: everything is visible
default_engine = "codex"

[plugins.digest]   # digest command settings
hour = 8  # morning
"""


async def test_first_disable_writes_every_other_distribution(demo_site: Path, config_path: Path):
    config_path.parent.mkdir(parents=True)
    config_path.write_text(COMMENTED_NO_LIST)
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert row(app, "discord").enabled  # no list: everything is enabled
        await go_to(pilot, "gemini")
        await pilot.press("space")
        await pilot.pause()
        # Every other row stays enabled after the save; only gemini flips.
        assert [r.id for r in app.plugins_screen.rows if r.staged] == ["gemini"]
        assert any("plugins installed later stay hidden" in n for n in notifications(app))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog))
        notes = [str(note.content.plain) for note in app.screen.query(".note").results(Static)]
        assert any("plugins installed later stay hidden" in note for note in notes)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_golden(config_path, "first_disable.toml")
        assert row(app, "gemini").status.value == "disabled"
        assert row(app, "discord").enabled


async def test_undo_drops_staged_changes(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "acme")
        await pilot.press("space")
        await go_to(pilot, "discord")
        await pilot.press("space")
        assert len(app.plugins_screen.staging) == 2
        await pilot.press("u")
        await pilot.pause()
        assert not app.plugins_screen.has_staged
        assert not any(r.staged for r in app.plugins_screen.rows)
        assert "Dropped 2 staged changes" in notifications(app)
        await pilot.press("ctrl+s")  # nothing to save: no dialog
        await pilot.pause()
        assert not isinstance(app.screen, DiffDialog)
    assert demo_config.read_text() == DEMO_CONFIG


async def test_toggling_back_unstages(demo_site: Path, demo_config: Path):
    """Space twice is a round trip: staged, then not, and the file is as if acme was never
    touched (nothing to save now; a later save writes only what was staged after)."""
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "acme")
        assert row(app, "acme").enabled and not row(app, "acme").staged
        await pilot.press("space")
        await pilot.pause()
        assert row(app, "acme").staged and not row(app, "acme").enabled_after
        assert "1 staged change" in static_text(app, "#summary")
        await pilot.press("space")
        await pilot.pause()
        assert not row(app, "acme").staged and row(app, "acme").enabled_after
        assert not app.plugins_screen.has_staged
        assert not app.plugins_screen.staging
        assert "staged" not in static_text(app, "#summary")
        await pilot.press("ctrl+s")  # nothing to save: no dialog, no write
        await pilot.pause()
        assert not isinstance(app.screen, DiffDialog)
        assert demo_config.read_text() == DEMO_CONFIG
        await go_to(pilot, "discord")
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog), what="diff dialog")
        lines = static_text(app, "#diff-body").splitlines()
        changed = [line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        assert changed == ['+    "takopi-transport-discord",']  # no trace of acme's round trip
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, DiffDialog))
        await settle(pilot)
    assert_golden(demo_config, "enable_discord.toml")


async def test_quit_with_staged_changes_asks_first(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "acme")
        await pilot.press("space", "q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog))
        assert "1 staged change is not saved" in static_text(app, "#dialog-body")
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and app.plugins_screen.has_staged
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert demo_config.read_text() == DEMO_CONFIG


async def test_quit_without_staged_changes_just_quits(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        # A confirmation would keep the app running: it exits without asking.
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_code == 0
    assert demo_config.read_text() == DEMO_CONFIG  # quitting writes nothing


async def test_conflicting_edit_while_the_diff_is_shown(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "acme")
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog))
        # Someone edits the file in another terminal while the dialog is open.
        edited = DEMO_CONFIG.replace("chat_id = 42", "chat_id = 43  # moved chats")
        demo_config.write_text(edited)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, DiffDialog))
        await settle(pilot)
        assert demo_config.read_text() == edited  # their edit survives; nothing was written
        assert "changed on disk" in static_text(app, "#banner")
        assert app.plugins_screen.has_staged  # and ours is kept
        # Saving again shows the diff against the file as it is now, and keeps both edits.
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert_golden(demo_config, "conflict_resolved.toml")


async def test_hiding_the_builtins_warns_where_the_user_acts(demo_site: Path, demo_config: Path):
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "codex")
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "takopi-tui provides 3 plugins: claude, codex, telegram" in static_text(
            app, "#dialog-body"
        )
        await pilot.press("y")
        await pilot.pause()
        shown = "\n".join(notifications(app))
        assert "configured transport 'telegram'" in shown
        assert "configured default_engine 'codex'" in shown
        assert "built-in plugins" in shown
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog))
        notes = [str(note.content.plain) for note in app.screen.query(".note").results(Static)]
        assert any("default_engine 'codex'" in note for note in notes)
        await pilot.press("escape")
        await pilot.pause()
        assert app.plugins_screen.has_staged  # cancelling the dialog keeps the change staged
    assert demo_config.read_text() == DEMO_CONFIG


async def test_hiding_the_last_visible_distribution_is_refused(demo_site: Path, config_path: Path):
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[plugins]\nenabled = ["takopi-engine-acme"]  # only this one\n')
    app = make_app(demo_site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "acme")
        await pilot.press("space")
        await pilot.pause()
        assert not app.plugins_screen.has_staged
        assert any("refusing to hide every installed" in n for n in notifications(app))


@pytest.mark.parametrize("broken", ["enabled = 3\n", "enabled = [\n"])
async def test_config_broken_on_disk_blocks_toggles(
    demo_site: Path, demo_config: Path, broken: str
):
    app = make_app(demo_site, watch_interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        demo_config.write_text("[plugins]\n" + broken)
        await wait_for(pilot, lambda: app.plugins_screen.config_error is not None)
        assert str(demo_config) in static_text(app, "#banner")
        await go_to(pilot, "acme")
        await pilot.press("space")
        await pilot.pause()
        assert not app.plugins_screen.has_staged
        demo_config.write_text(DEMO_CONFIG)  # fixed: read again, the banner goes
        await wait_for(pilot, lambda: app.plugins_screen.config_error is None)
        await settle(pilot)
        assert not app.screen.query_one("#banner").display
