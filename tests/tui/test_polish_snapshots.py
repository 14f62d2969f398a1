"""Snapshots of the screens issue 14's defects 9, 10 and 12 changed, at 80x24 and 130x40.

- the quit question with "Save and quit";
- the "enable it and set it up?" question on a disabled transport;
- the diff dialog on a short terminal, opened on its first change below 40 lines;
- the wizard's settings step with focus on its last field (scrolled to it).

Dialogs are shown alone (over an empty screen, with the app's styles), so a restyle of the
plugins screen does not change them. Conventions of test_tui_snapshots.py: sync tests,
fixed size and theme, animations off (conftest), cursor blink off, workers awaited.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

import takopi_tui
from takopi_tui.screens.dialogs import ConfirmDialog, DiffDialog, QuitDialog
from takopi_tui.staging import EMPTY_LIST_NOTE

from .test_dialogs_polish import deep_diff
from .test_wizard import START
from .test_wizard_snapshots import still, to_settings
from .wizard_support import THEME, WizardHost, field_input, setup_home

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((130, 40), id="130x40")]


class DialogHost(App[None]):
    """One dialog over an empty screen, with the app's styles."""

    CSS_PATH = Path(takopi_tui.__file__).with_name("app.tcss")

    def __init__(self, make: type[Screen] | object) -> None:
        super().__init__()
        self.theme = THEME
        self._make = make

    def on_mount(self) -> None:
        assert callable(self._make)
        self.push_screen(self._make())


async def settled(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.pause()
    await still(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_quit_dialog(size: tuple[int, int], snap_compare) -> None:
    app = DialogHost(lambda: QuitDialog(2))
    assert snap_compare(app, terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES)
def test_enable_disabled_transport_question(size: tuple[int, int], snap_compare) -> None:
    body = (
        "acme is disabled. Enable it and set it up?\n[plugins] enabled does not list "
        "takopi-transport-acme; the setup adds it, in the change you review before anything "
        "is written."
    )
    app = DialogHost(
        lambda: ConfirmDialog("Enable acme?", body, yes="Enable and set up", no="Cancel")
    )
    assert snap_compare(app, terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES)
def test_diff_dialog_on_its_first_change(
    isolated_home: Path, size: tuple[int, int], snap_compare
) -> None:
    app = DialogHost(lambda: DiffDialog("~/.takopi/takopi.toml", deep_diff(40), [EMPTY_LIST_NOTE]))
    assert snap_compare(app, terminal_size=size, run_before=settled)


@pytest.fixture
def site(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_home(isolated_home, monkeypatch)


@pytest.mark.parametrize("size", SIZES)
def test_wizard_settings_scrolled_to_the_last_field(
    site: Path, config_path: Path, size: tuple[int, int], snap_compare
) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(START, encoding="utf-8")

    async def run_before(pilot: Pilot) -> None:
        screen = await to_settings(pilot)
        field_input(screen, "webhook_url").focus()
        await pilot.pause()
        await still(pilot)

    app = WizardHost(site, config_path, "chatty")
    assert snap_compare(app, terminal_size=size, run_before=run_before)
