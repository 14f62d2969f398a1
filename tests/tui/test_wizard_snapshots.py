"""Snapshots of every step of the setup wizard, as users see them.

The wizard is shown alone (WizardHost: an empty screen and the app's styles), so restyling
the plugins screen behind it does not change these; test_wizard.py drives it inside the real
app. The conventions of test_tui_snapshots.py hold: sync tests (``snap_compare`` runs the app),
a fixed terminal size and theme, animations off (conftest), cursor blink off, HOME in a
temporary folder (paths show as ``~``), and every worker awaited before the screenshot. The
wizard's children are real (check_setup and validators run in child processes); their
results are deterministic for these test plugins.

Update after a deliberate change with ``pytest tests/tui --snapshot-update`` and review the
SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from .test_wizard import START
from .wizard_support import (
    WIZARD_SIZE,
    RecordingHandOver,
    WizardHost,
    host_wizard,
    next_step,
    set_input,
    setup_home,
    until_idle,
)


@pytest.fixture
def site(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_home(isolated_home, monkeypatch)


def host(site: Path, config_path: Path) -> WizardHost:
    return WizardHost(site, config_path, "chatty")


@pytest.fixture
def start_config(config_path: Path) -> Path:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(START, encoding="utf-8")
    return config_path


async def still(pilot: Pilot) -> None:
    """Workers done, no blinking cursor, no notifications: ready for the screenshot."""
    app = pilot.app
    await app.workers.wait_for_complete()
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    app.clear_notifications()
    await pilot.pause()


async def to_settings(pilot: Pilot):
    screen = await host_wizard(pilot)
    await next_step(pilot, screen)
    await next_step(pilot, screen)
    return screen


async def filled_in(pilot: Pilot):
    screen = await to_settings(pilot)
    set_input(screen, "bot_token", "ok-snapshot-1")
    set_input(screen, "channel", "#dev")
    await next_step(pilot, screen)
    screen.query_one("#engine-list", OptionList).highlighted = 0
    await pilot.pause()
    return screen


def test_wizard_step1_choose(site: Path, start_config: Path, snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        await host_wizard(pilot)
        await still(pilot)

    assert snap_compare(host(site, start_config), terminal_size=WIZARD_SIZE, run_before=run_before)


def test_wizard_step2_issues(site: Path, start_config: Path, snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        screen = await host_wizard(pilot)
        await next_step(pilot, screen)
        await still(pilot)

    assert snap_compare(host(site, start_config), terminal_size=WIZARD_SIZE, run_before=run_before)


def test_wizard_step3_validation_errors(site: Path, start_config: Path, snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        screen = await to_settings(pilot)
        set_input(screen, "bot_token", "bad-token")
        set_input(screen, "channel", "dev")
        await next_step(pilot, screen)  # rejected by the transport's validators
        set_input(screen, "retries", "ten")  # and an inline (local) error
        await pilot.pause()
        await still(pilot)

    assert snap_compare(host(site, start_config), terminal_size=WIZARD_SIZE, run_before=run_before)


def test_wizard_step3_hand_over(
    site: Path, start_config: Path, config_path: Path, snap_compare
) -> None:
    app = WizardHost(site, config_path, "askme", RecordingHandOver(config_path, name="Ann"))

    async def run_before(pilot: Pilot) -> None:
        screen = await to_settings(pilot)
        await pilot.press("enter")  # "Run its setup"
        await until_idle(pilot, screen)
        await still(pilot)

    assert snap_compare(app, terminal_size=WIZARD_SIZE, run_before=run_before)


def test_wizard_step4_defaults(site: Path, start_config: Path, snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        await filled_in(pilot)
        await still(pilot)

    assert snap_compare(host(site, start_config), terminal_size=WIZARD_SIZE, run_before=run_before)


def test_wizard_step5_diff(site: Path, start_config: Path, snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        screen = await filled_in(pilot)
        await next_step(pilot, screen)
        await still(pilot)

    assert snap_compare(host(site, start_config), terminal_size=WIZARD_SIZE, run_before=run_before)


def test_wizard_step6_result(site: Path, start_config: Path, snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        screen = await filled_in(pilot)
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        await still(pilot)

    assert snap_compare(host(site, start_config), terminal_size=WIZARD_SIZE, run_before=run_before)


def test_wizard_cancel_asks(site: Path, start_config: Path, snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        screen = await to_settings(pilot)
        set_input(screen, "bot_token", "ok-typed")
        await pilot.press("escape")
        await pilot.pause()
        await still(pilot)

    assert snap_compare(host(site, start_config), terminal_size=WIZARD_SIZE, run_before=run_before)
