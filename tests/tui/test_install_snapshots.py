"""Snapshots of install/update/remove: the catalogue, the command dialog, pip's output pane,
and the update mark in the table, at 80x24 and 130x40.

As in test_tui_snapshots.py: a scripted probe, a fixed interpreter in the summary line,
animations off (the pane's spinner is a still mark then), workers awaited. pip's output comes
from a fixed runner here (the real pip runs in test_tui_install.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from takopi_core.plugins.install import InstallResult, PipCommand, plan_install, plan_remove
from takopi_tui.app import TakopiApp
from takopi_tui.screens.catalogue import CatalogueScreen
from takopi_tui.screens.install import CommandDialog, PipOutputScreen

from .tui_support import FIXED_ENV, go_to, make_app, scripted, settle, wait_for

THEME = "textual-dark"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((130, 40), id="130x40")]

PIP_LINES = [
    "Processing ./wheels/takopi_engine_zed-1.0.0-py3-none-any.whl",
    "Installing collected packages: takopi-engine-zed",
    "Successfully installed takopi-engine-zed-1.0.0",
]


class FixedRun:
    """pip's output, fixed; ``block`` keeps it running until cancelled."""

    def __init__(self, command: PipCommand, lines: list[str], *, block: bool = False) -> None:
        self.command = command
        self.lines = lines
        self.block = block
        self.stopped = threading.Event()

    def __iter__(self) -> Iterator[str]:
        yield from self.lines
        if self.block:
            self.stopped.wait(30)

    def cancel(self) -> None:
        self.stopped.set()

    @property
    def result(self) -> InstallResult:
        code = -15 if self.stopped.is_set() else 0
        return InstallResult(self.command, code, tuple(self.lines), self.stopped.is_set())


def snapshot_app(site: Path, **options: Any) -> TakopiApp:
    app = make_app(site, probe_factory=scripted(), **options)
    app.theme = THEME
    # The pane's spinner and the search box's cursor stand still (Textual may have read
    # TEXTUAL_ANIMATIONS before conftest set it: a plugin imports it first).
    app.animation_level = "none"
    return app


async def ready(pilot: Pilot) -> None:
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_catalogue(demo_site: Path, demo_config: Path, snap_compare, size):
    app = snapshot_app(demo_site)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CatalogueScreen))
        await pilot.press(*"cron")  # search as you type
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_command_dialog(demo_site: Path, demo_config: Path, snap_compare, size):
    app = snapshot_app(demo_site)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CatalogueScreen))
        await pilot.press(*"ralph", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandDialog))

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_remove_dialog(demo_site: Path, demo_config: Path, snap_compare, size):
    app = snapshot_app(demo_site)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await go_to(pilot, "slack")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandDialog))

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_pip_output_done(demo_site: Path, demo_config: Path, snap_compare, size):
    app = snapshot_app(demo_site)
    command = plan_install(["takopi-engine-zed"], FIXED_ENV.python)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        pane = PipOutputScreen(command, lambda c: FixedRun(c, PIP_LINES))
        pilot.app.push_screen(pane)
        await wait_for(pilot, lambda: not pane.running, what="the fixed run")

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_pip_output_running(demo_site: Path, demo_config: Path, snap_compare, size):
    app = snapshot_app(demo_site)
    command = plan_remove(["takopi-transport-slack"], FIXED_ENV.python)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        pane = PipOutputScreen(command, lambda c: FixedRun(c, PIP_LINES[:1], block=True))
        pilot.app.push_screen(pane)
        await wait_for(pilot, lambda: pane.line_count == 1, what="the first line")

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_update_marks(demo_site: Path, demo_config: Path, snap_compare, size):
    def index(names, python):
        return {name: "9.9.0" if name == "takopi-engine-acme" else None for name in names}

    app = snapshot_app(demo_site, check_updates=index)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await wait_for(pilot, lambda: bool(app.plugins_screen.newer), what="the update check")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
