"""The wizard's own save is not news (QA, issue 14): at 80x24 the table's file watcher saw
takopi.toml change after step 6 and raised "Reloaded … changed" over the wizard's "Saved
~/.takopi/takopi.toml." While the wizard is open the table does not reload or toast; the
wizard's close reloads it (and checks again what changed), without a toast either."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from takopi_tui.screens.setup_wizard import SetupWizard

from .test_wizard import START
from .tui_support import RecordingApp, row, wait_for
from .wizard_support import next_step, open_wizard, set_input, setup_home, text, wizard_app

SMALL = (80, 24)


@pytest.fixture
def site(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_home(isolated_home, monkeypatch)


@pytest.fixture
def start_config(config_path: Path) -> Path:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(START, encoding="utf-8")
    return config_path


async def test_the_wizards_save_raises_no_reload_toast(
    site: Path, start_config: Path, config_path: Path
) -> None:
    app = wizard_app(site, watch_interval=0.05)
    assert isinstance(app, RecordingApp)  # it keeps what it was asked to toast
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_wizard(pilot, "chatty")
        await next_step(pilot, screen)  # issues
        await next_step(pilot, screen)  # settings
        set_input(screen, "bot_token", "ok-quiet-1")
        set_input(screen, "channel", "#dev")
        await next_step(pilot, screen)  # defaults
        await next_step(pilot, screen)  # review
        await next_step(pilot, screen)  # write and check
        assert screen.step == 6
        assert "ok-quiet-1" in config_path.read_text(encoding="utf-8")
        assert text(screen, "#result").startswith("Saved ~/.takopi/takopi.toml.")
        await asyncio.sleep(0.5)  # ten polls of the watcher
        await pilot.pause()
        assert not [n for n in app.notified if "changed" in n], app.notified

        screen.action_next()  # Done
        await wait_for(pilot, lambda: not isinstance(app.screen, SetupWizard), what="close")
        await asyncio.sleep(0.3)
        await pilot.pause()
        assert not [n for n in app.notified if "changed" in n], app.notified
        # The close read the file: the table knows the new default transport.
        assert app.plugins_screen.config.data.get("transport") == "chatty"
        assert row(app, "chatty") is not None
