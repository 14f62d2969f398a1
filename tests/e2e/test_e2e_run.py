"""End to end: `takopi run` in a real terminal (tmux), with fake engines and the guide's
/multi command installed as distributions.

What the user sees is read back with ``tmux capture-pane``, so these tests check the
rendered screen: progress updated in place, finals with their resume lines, cancellation.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.distfactory import GUIDE_COMMAND, write_dists
from support.run_dists import fake_engine, path_with, write_fake_cli

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]


class Tmux:
    """One tmux server (private socket) running one command in a 100x40 window."""

    def __init__(self, folder: Path) -> None:
        self.socket = f"takopi-e2e-{uuid.uuid4().hex[:8]}"
        self.env = dict(os.environ, TMUX_TMPDIR=str(folder))
        self.env.pop("TMUX", None)

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout

    def start(self, script: Path) -> None:
        self.tmux("new-session", "-d", "-s", "main", "-x", "100", "-y", "40", f"sh {script}")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-t", "main")

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "main", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "main", "-l", text)
        self.send("Enter")

    def paste(self, text: str) -> None:
        """Paste like a terminal does: bracketed, since the app asked for it."""
        self.tmux("set-buffer", "-b", "clip", text)
        self.tmux("paste-buffer", "-p", "-b", "clip", "-t", "main")

    def wait_for(self, check: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{screen}")
            time.sleep(0.05)  # nothing to await: the screen is only visible by polling

    def wait_text(self, text: str, timeout: float = 30) -> str:
        return self.wait_for(lambda screen: text in screen, repr(text), timeout)

    def kill(self) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"], env=self.env, capture_output=True
        )


@pytest.fixture
def chat(site: Path, tmp_path: Path, isolated_home: Path) -> Iterator[Tmux]:
    """`takopi run --engine alpha` in tmux, with engines alpha and beta and /multi."""
    write_dists(site, fake_engine("alpha"), fake_engine("beta"), GUIDE_COMMAND)
    bin_dir = tmp_path / "bin"
    write_fake_cli(bin_dir, "alpha")
    write_fake_cli(bin_dir, "beta")
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    env = {
        "HOME": str(isolated_home),
        "TAKOPI_CONFIG": str(isolated_home / ".takopi" / "takopi.toml"),
        "PYTHONPATH": str(site),
        "PATH": path_with(bin_dir),
        "FAKE_ENGINE_LOG": str(tmp_path / "engine.log"),
        "FAKE_ENGINE_RENDEZVOUS": str(rendezvous),
        "FAKE_ENGINE_DELAY": "0.4",
        "TERM": "xterm-256color",
        "NO_COLOR": "1",
    }
    exports = "".join(f"export {key}={shlex.quote(value)}\n" for key, value in env.items())
    script = tmp_path / "run.sh"
    # Ctrl+C goes to the whole foreground group, the shell included: a trap with a command
    # keeps the shell alive to report the exit status (children get the default action).
    script.write_text(
        f"{exports}cd {shlex.quote(str(tmp_path))}\ntrap 'true' INT\n"
        f"{shlex.quote(sys.executable)} -m takopi_core run --engine alpha\n"
        "echo EXIT=$?\nsleep 600\n"
    )
    session = Tmux(tmp_path)
    session.start(script)
    try:
        session.wait_text("Type a prompt and press Enter.")
        yield session
    finally:
        session.kill()


def engine_log(tmp_path: Path) -> list[dict]:
    path = tmp_path / "engine.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_multi_runs_both_engines_in_parallel(chat: Tmux) -> None:
    chat.type("/multi together compare")
    screen = chat.wait_text("beta answered: together compare")
    screen = chat.wait_text("> ")
    assert "## alpha\ndone · alpha" in screen
    assert "alpha answered: together compare" in screen
    assert "## beta\ndone · beta" in screen
    assert "(alone)" not in screen  # each run waited for the other: they overlapped


def test_progress_updates_in_place_then_the_answer(chat: Tmux) -> None:
    chat.type("slow hello")
    running = chat.wait_text("▸ `think hard`")
    assert "working · alpha" in running or "starting · alpha" in running
    assert "`alpha resume alpha-" in running  # the resume line shows while it runs
    final = chat.wait_text("alpha answered: slow hello")
    assert "done · alpha" in final
    assert "working · alpha" not in final  # the progress message was replaced, not left
    assert final.count("alpha answered: slow hello") == 1
    assert "`alpha resume alpha-" in final
    assert final.rstrip().endswith(">")  # the prompt is back at the bottom


def test_ctrl_c_cancels_the_run_and_its_process(chat: Tmux, tmp_path: Path) -> None:
    chat.type("sleep for a long time")
    chat.wait_text("▸ `think hard`")
    [run] = engine_log(tmp_path)
    chat.send("C-c")
    screen = chat.wait_text("`cancelled` · alpha")
    assert "cancelling 1 task" in screen
    deadline = time.monotonic() + 10
    while True:  # the engine's process group was terminated and reaped
        try:
            os.kill(run["pid"], 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "engine process still alive after cancel"
        time.sleep(0.05)
    chat.type("/cancel")
    chat.wait_text("nothing is running.")
    chat.type("still here?")
    chat.wait_text("alpha answered: still here?")
    chat.send("C-c")  # idle: Ctrl+C leaves
    chat.wait_text("EXIT=0")


def test_pasted_resume_line_continues_that_session(chat: Tmux) -> None:
    chat.paste("`beta resume beta-77`\nwhat next?")
    chat.wait_text("> `beta resume beta-77` ↵ what next?")  # one message, not two
    chat.send("Enter")
    screen = chat.wait_text("beta answered: what next? (resumed beta-77)")
    assert "`beta resume beta-77`\n" in screen + "\n"
    chat.send("C-d")
    chat.wait_text("EXIT=0")
