"""pip's output pane on its own: real child processes through the real ``stream()``.

A PipCommand whose argv is a small Python script stands in for pip where the test needs a
child that prints hostile text or never ends; the pane runs it exactly as it runs pip.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import Log

from takopi_core.plugins.install import PipCommand, PipStream
from takopi_tui.screens.install import PipOutputScreen

from .tui_support import make_app, settle, static_text, wait_for


def script_command(source: str) -> PipCommand:
    return PipCommand("install", ("takopi-demo",), (sys.executable, "-c", source), "pip")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("key", ["escape", "ctrl+c"])
async def test_escape_or_ctrl_c_stops_the_child_and_its_helpers(
    demo_site: Path, tmp_path: Path, key: str
):
    pid_file = tmp_path / "helper.pid"
    command = script_command(
        "import subprocess, sys, time\n"
        "helper = subprocess.Popen(['sleep', '120'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(helper.pid))\n"
        "print('collecting takopi-demo', flush=True)\n"
        "time.sleep(120)\n"
    )
    app = make_app(demo_site)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = PipOutputScreen(command)
        app.push_screen(pane)
        await wait_for(pilot, lambda: pane.line_count == 1, what="the first line")
        assert "running" in static_text(app, "#pip-status")
        run = pane._run
        assert isinstance(run, PipStream)  # the real stream() of takopi_core
        child, helper = run.pid, int(pid_file.read_text())
        assert alive(child) and alive(helper)
        started = time.monotonic()
        await pilot.press(key)
        await wait_for(pilot, lambda: not pane.running, what="the cancel")
        assert time.monotonic() - started < 10
        assert pane.result is not None and pane.result.cancelled
        assert "cancelled" in static_text(app, "#pip-status")
        assert not alive(child)
        await wait_for(pilot, lambda: not alive(helper), timeout=5, what="the helper to go")
        await pilot.press("escape")  # now it closes
        await pilot.pause()
        assert app.screen is app.plugins_screen


async def test_hostile_output_is_shown_as_text(demo_site: Path):
    command = script_command(
        "print('\\x1b]52;c;aGk=\\x07 clipboard', flush=True)\n"
        "print('[/bold] [link=http://x]not markup[/link]', flush=True)\n"
        "raise SystemExit(3)\n"
    )
    app = make_app(demo_site)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = PipOutputScreen(command)
        app.push_screen(pane)
        await wait_for(pilot, lambda: not pane.running, what="the child to end")
        lines = list(pane.query_one(Log).lines)
        assert lines == [
            "\\x1b]52;c;aGk=\\x07 clipboard",
            "[/bold] [link=http://x]not markup[/link]",
        ]
        assert "failed (exit 3)" in static_text(app, "#pip-status")
        assert pane.result is not None and not pane.result.ok


async def test_a_command_that_cannot_start_is_reported(demo_site: Path, tmp_path: Path):
    missing = str(tmp_path / "no-such-python")
    command = PipCommand("install", ("x",), (missing, "-m", "pip", "install", "x"), "pip")
    app = make_app(demo_site)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = PipOutputScreen(command)
        app.push_screen(pane)
        await wait_for(pilot, lambda: not pane.running, what="the failure")
        assert "could not start" in static_text(app, "#pip-status")
        assert any("cannot run" in line for line in pane.query_one(Log).lines)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.plugins_screen
