"""A private tmux server driving a real terminal, for the end-to-end tests."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable


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


def line_of(screen: str, plugin_id: str) -> str:
    """The table row of ``plugin_id`` on the screen ("" when it is not shown)."""
    row = re.compile(rf"\b(engine|transport|command)\s+{re.escape(plugin_id)}\s")
    return next((line for line in screen.splitlines() if row.search(line)), "")
