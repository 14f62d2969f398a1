"""The wizard's plugin calls run in workers: when the machinery itself breaks (not a plugin),
the wizard says so, stays on its step and the app keeps running."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from takopi_core.plugins.discovery import PluginEntry
from takopi_core.setup.flow import SetupSession, TransportChoice

from .wizard_support import (
    WIZARD_SIZE,
    RecordingHandOver,
    next_step,
    open_wizard,
    set_input,
    setup_home,
    text,
    until_idle,
    wizard_app,
)


class BrokenSession(SetupSession):
    """The real session, except that the calls named in ``broken`` fail as a lost child would."""

    def __init__(self, config_path: Path, site: Path, broken: set[str]) -> None:
        super().__init__(config_path, search_path=[str(site)])
        self.broken = broken

    def validate(self, transport: PluginEntry, values: Any, keys: Any) -> dict[str, str]:
        if "validate" in self.broken:
            raise OSError("the validator's pipe closed")
        return super().validate(transport, values, keys)

    def check(self, transport: PluginEntry, engine_id: str | None) -> TransportChoice:
        if "check" in self.broken:
            raise RuntimeError("the probe is gone")
        return super().check(transport, engine_id)


@pytest.fixture
def site(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_home(isolated_home, monkeypatch)


async def test_validators_that_cannot_run_are_reported_on_the_settings_step(
    site: Path, config_path: Path
) -> None:
    app = wizard_app(site, setup_service=lambda: BrokenSession(config_path, site, {"validate"}))
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        screen = await open_wizard(pilot, "chatty")
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        set_input(screen, "bot_token", "ok-secret-1")
        set_input(screen, "channel", "#dev")
        set_input(screen, "retries", "5")
        await pilot.pause()
        await next_step(pilot, screen)
        await until_idle(pilot, screen)
        assert screen.step == 3
        assert not screen.busy
        assert text(screen, "#wizard-status") == (
            "The values could not be checked: OSError: the validator's pipe closed"
        )
        assert not screen.query_one("#next").disabled  # it can be tried again
        assert app.is_running


async def test_a_check_that_cannot_run_after_the_own_setup_is_reported(
    site: Path, config_path: Path
) -> None:
    hand_over = RecordingHandOver(config_path, name="Ann")
    app = wizard_app(
        site,
        hand_over=hand_over,
        setup_service=lambda: BrokenSession(config_path, site, {"check"}),
    )
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        screen = await open_wizard(pilot, "askme")
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        await pilot.press("enter")  # run its setup
        await until_idle(pilot, screen)
        assert hand_over.requests
        assert screen.step == 3 and not screen.busy
        assert text(screen, "#wizard-status") == (
            "The check could not run: RuntimeError: the probe is gone"
        )
        assert app.is_running
