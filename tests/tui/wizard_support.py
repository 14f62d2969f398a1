"""Helpers for the setup wizard's TUI tests: the setup plugins in HOME, and driving steps.

The plugin table under the wizard uses the instant scripted probe; the wizard itself uses
the real SetupSession, so check_setup and validators run in real child processes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from support.setup_plugins import make_bin, write_setup_site
from textual.app import App
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Input, Static

import takopi_tui
from takopi_core.setup.flow import SetupSession
from takopi_tui.app import TakopiApp
from takopi_tui.handover import HandOverRequest
from takopi_tui.screens.setup_wizard import SetupWizard

from .tui_support import go_to, make_app, settle, wait_for

THEME = "textual-dark"
WIZARD_SIZE = (120, 36)


def setup_home(home: Path, monkeypatch: Any) -> Path:
    """The setup plugins in ``~/site``; fakecli's CLI on PATH (here and in children)."""
    site = write_setup_site(home / "site")
    bin_dir = make_bin(home / "bin", "fakecli-bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return site


def wizard_app(site: Path, **options: Any) -> TakopiApp:
    app = make_app(site, **options)
    app.theme = THEME
    return app


def wizard(app: TakopiApp) -> SetupWizard:
    screen = app.screen
    assert isinstance(screen, SetupWizard), f"the wizard is not on top: {screen!r}"
    return screen


async def open_wizard(pilot: Pilot, transport: str | None = "chatty") -> SetupWizard:
    """From the main screen: `s` on ``transport``'s row (None: the palette's action)."""
    app = pilot.app
    assert isinstance(app, TakopiApp)
    await settle(pilot)
    if transport is None:
        app.action_setup()
    else:
        await go_to(pilot, transport)
        await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(app.screen, SetupWizard), what="the wizard")
    screen = wizard(app)
    await wait_for(pilot, lambda: screen.survey is not None and not screen.busy, what="survey")
    await pilot.pause()
    return screen


async def until_idle(pilot: Pilot, screen: SetupWizard) -> None:
    await wait_for(pilot, lambda: not screen.busy, timeout=30, what="the wizard's child")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def next_step(pilot: Pilot, screen: SetupWizard) -> None:
    """What the Next button does. (Clicking it twice within 0.2 s counts once: Textual's
    buttons ignore clicks while their press effect shows, so tests call the action.)"""
    screen.action_next()
    await pilot.pause()
    await until_idle(pilot, screen)


async def back(pilot: Pilot, screen: SetupWizard) -> None:
    """What the Back button does."""
    screen.action_back()
    await pilot.pause()


def text(screen: SetupWizard, selector: str) -> str:
    content = screen.query_one(selector, Static).content
    return content.plain if isinstance(content, Content) else str(content)


def field_input(screen: SetupWizard, spec_key: str) -> Any:
    index = [s.key for s in screen.specs].index(spec_key)
    return screen.query_one(f"#field-{index}")


def field_error(screen: SetupWizard, spec_key: str) -> str:
    index = [s.key for s in screen.specs].index(spec_key)
    widget = screen.query_one(f"#error-{index}", Static)
    return text(screen, f"#error-{index}") if widget.display else ""


def set_input(screen: SetupWizard, spec_key: str, value: str) -> None:
    widget = field_input(screen, spec_key)
    assert isinstance(widget, Input)
    widget.value = value


class RecordingHandOver:
    """A stand-in for suspending the app (not possible under run_test): it runs what a
    transport's own setup would do, here writing ``[transports.askme] name``, and records
    the command the wizard asked for."""

    def __init__(self, config_path: Path, name: str = "Ann", status: int = 0) -> None:
        self.config_path = config_path
        self.name = name
        self.status = status
        self.requests: list[HandOverRequest] = []

    def __call__(self, app: object, request: HandOverRequest) -> int:
        self.requests.append(request)
        if self.status == 0:
            self.config_path.parent.mkdir(parents=True, exist_ok=True)
            existing = self.config_path.read_text() if self.config_path.exists() else ""
            self.config_path.write_text(
                existing + f'\n[transports.askme]\nname = "{self.name}"\n', encoding="utf-8"
            )
        return self.status


class WizardHost(App[None]):
    """The wizard alone, over an empty screen, with the app's styles: what the snapshots
    show, so a restyle of the plugins screen behind it does not change them."""

    CSS_PATH = Path(takopi_tui.__file__).with_name("app.tcss")

    def __init__(
        self, site: Path, config_path: Path, transport_id: str | None, hand_over: Any = None
    ) -> None:
        super().__init__()
        self.theme = THEME
        self._site = site
        self._config_path = config_path
        self._transport_id = transport_id
        self._hand_over = hand_over

    def on_mount(self) -> None:
        session = SetupSession(self._config_path, search_path=[str(self._site)])
        options: dict[str, Any] = {"transport_id": self._transport_id}
        if self._hand_over is not None:
            options["hand_over"] = self._hand_over
        self.push_screen(SetupWizard(session, **options))


async def host_wizard(pilot: Pilot) -> SetupWizard:
    """The hosted wizard, once its survey is in."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, SetupWizard), what="the wizard")
    screen = app.screen
    assert isinstance(screen, SetupWizard)
    await wait_for(pilot, lambda: screen.survey is not None and not screen.busy, what="survey")
    await pilot.pause()
    return screen
