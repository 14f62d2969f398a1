"""`takopi tui` in a real terminal: tmux runs the real CLI on real test distributions.

Keys go in with ``send-keys``; ``capture-pane`` shows what a user would see; the config file
on disk must change exactly as the golden file says.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from distfactory import write_dists

from .demo_plugins import ACME, BAD_ID, BROKEN, DEMO_CONFIG, DISCORD, SLACK, TOOLS

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

GOLDEN = Path(__file__).parent / "golden"


class Tmux:
    """One tmux server on a private socket, with one window running a command."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: str, env: dict[str, str], size: tuple[int, int]) -> None:
        env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        self.run("new-session", "-d", "-x", str(size[0]), "-y", str(size[1]), *env_args, command)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p")

    def wait_for(self, condition: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")
            time.sleep(0.05)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    server = Tmux(f"takopi-tui-test-{os.getpid()}-{time.monotonic_ns()}")
    try:
        yield server
    finally:
        server.kill()


def line_of(screen: str, plugin_id: str) -> str:
    """The table row of ``plugin_id`` on the screen ("" when it is not shown)."""
    row = re.compile(rf"\b(engine|transport|command)\s+{re.escape(plugin_id)}\s")
    return next((line for line in screen.splitlines() if row.search(line)), "")


def test_toggle_and_save_in_a_real_terminal(tmux: Tmux, isolated_home: Path, config_path: Path):
    site = write_dists(isolated_home / "site", ACME, BROKEN, SLACK, TOOLS, DISCORD, BAD_ID)
    config_path.parent.mkdir(parents=True)
    config_path.write_text(DEMO_CONFIG)
    env = {
        "HOME": str(isolated_home),
        "TAKOPI_CONFIG": str(config_path),
        "PYTHONPATH": str(site),
        "TERM": "xterm-256color",
    }
    # COLUMNS/LINES can leak into the pane's environment and would override its real size.
    python = shlex.quote(sys.executable)
    command = f"env -u COLUMNS -u LINES {python} -m takopi_core tui; echo TUI-EXIT=$?; sleep 60"
    tmux.start(command, env, (120, 36))

    screen = tmux.wait_for(
        lambda s: "✓ ok" in line_of(s, "acme") and "✗ failed" in line_of(s, "gemini"),
        "the probe to check acme and gemini",
    )
    assert "⊘ disabled" in line_of(screen, "discord")
    assert "~/.takopi/takopi.toml" in screen  # the summary line names the config

    tmux.keys("/", "acme", "Enter")  # filter down to one row, back to the table
    tmux.wait_for(lambda s: 'showing 1: "acme"' in s, "the filter")
    tmux.keys("Space")
    tmux.wait_for(lambda s: "1 staged change" in s, "the staged change")
    tmux.keys("C-s")
    screen = tmux.wait_for(lambda s: "Save changes?" in s, "the diff dialog")
    assert '-    "takopi-engine-acme",     # acme engine' in screen
    tmux.keys("y")
    screen = tmux.wait_for(lambda s: "Restart Takopi to apply" in s, "the save")
    tmux.wait_for(lambda s: "⊘ disabled" in line_of(s, "acme"), "acme to show as disabled")

    assert config_path.read_text() == (GOLDEN / "disable_acme.toml").read_text()

    tmux.keys("q")
    tmux.wait_for(lambda s: "TUI-EXIT=0" in s, "the app to quit")
