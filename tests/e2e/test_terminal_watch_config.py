"""The built-in terminal transport honours ``watch_config = true`` while a chat is live.

`takopi run --transport terminal` runs in a child with its stdin a pipe the test keeps open.
After the first answer the test rewrites takopi.toml (a new default engine and a command
plugin enabled); the chat says the config was reloaded, and the next message goes to the new
engine while the newly enabled command answers. With ``watch_config`` off the same edit
changes nothing in the running chat.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support.distfactory import write_dists
from support.run_dists import command_dist, fake_engine, path_with, write_fake_cli

CONFIG = """\
default_engine = "{engine}"
watch_config = {watch}

[plugins]
enabled = [{enabled}]
"""

# the built-in terminal transport is takopi-tui's: an enabled list must name it too
ENGINES = '"takopi-tui", "takopi-engine-alpha", "takopi-engine-beta"'


class Chat:
    """A live terminal chat in a child process; stdout read line by line in a thread."""

    def __init__(self, env: dict[str, str]) -> None:
        self.child = subprocess.Popen(
            [sys.executable, "-m", "takopi_core", "run", "--transport", "terminal"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.child.stdout is not None
        for line in self.child.stdout:
            self.lines.put(line)

    def send(self, text: str) -> None:
        assert self.child.stdin is not None
        self.child.stdin.write(text + "\n")
        self.child.stdin.flush()

    def wait_for(self, needle: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(needle in line for line in self.seen):
            left = deadline - time.monotonic()
            assert left > 0, f"never saw {needle!r} in:\n{''.join(self.seen)}"
            try:
                self.seen.append(self.lines.get(timeout=left))
            except queue.Empty:
                continue

    def close(self) -> str:
        """End the chat (stdin closed); its stderr."""
        assert self.child.stdin is not None
        self.child.stdin.close()
        try:
            self.child.wait(timeout=30)
        finally:
            if self.child.poll() is None:
                self.child.kill()
                self.child.wait()
        assert self.child.stderr is not None
        return self.child.stderr.read()


@pytest.fixture
def chat_env(site: Path, tmp_path: Path) -> dict[str, str]:
    write_dists(
        site,
        fake_engine("alpha"),
        fake_engine("beta"),
        command_dist(
            "hello",
            'return CommandResult(text="hello from the plugin")',
            dist_name="takopi-cmd-hello",
        ),
    )
    # command_dist's template imports only what it needs; give the body its CommandResult
    module = site / "fake_cmd_hello" / "backend.py"
    module.write_text(
        "from takopi.api import CommandResult\n" + module.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    bin_dir = tmp_path / "bin"
    write_fake_cli(bin_dir, "alpha")
    write_fake_cli(bin_dir, "beta")
    return {**os.environ, "PATH": path_with(bin_dir), "PYTHONPATH": str(site)}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX child processes")
def test_an_edit_while_chatting_switches_engine_and_enables_a_command(
    chat_env: dict[str, str], config_path: Path
) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(CONFIG.format(engine="alpha", watch="true", enabled=ENGINES))
    chat = Chat(chat_env)
    try:
        chat.send("one")
        chat.wait_for("alpha answered: one")
        config_path.write_text(
            CONFIG.format(engine="beta", watch="true", enabled=ENGINES + ', "takopi-cmd-hello"')
        )
        chat.wait_for("config reloaded")
        chat.send("two")
        chat.wait_for("beta answered: two")
        chat.send("/hello")
        chat.wait_for("hello from the plugin")
    finally:
        err = chat.close()
    assert chat.child.returncode == 0, err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX child processes")
def test_without_watch_config_an_edit_changes_nothing(
    chat_env: dict[str, str], config_path: Path
) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(CONFIG.format(engine="alpha", watch="false", enabled=ENGINES))
    chat = Chat(chat_env)
    try:
        chat.send("one")
        chat.wait_for("alpha answered: one")
        config_path.write_text(CONFIG.format(engine="beta", watch="false", enabled=ENGINES))
        time.sleep(1.5)  # three of the watcher's polls, had it been running
        chat.send("two")
        chat.wait_for("alpha answered: two")
    finally:
        err = chat.close()
    assert chat.child.returncode == 0, err
    assert not any("config reloaded" in line for line in chat.seen)
