"""The plain fallback of `takopi tui`: in process through a pipe (captured output), and in
real child processes on a pty.

Plain text is printed when stdout is not a terminal, when TERM=dumb, with --plain, and when
Textual cannot start; exit codes match `takopi plugins --load`.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from support.cli import InProcessCli
from support.demo_plugins import ACME, BAD_ID, BROKEN, DEMO_CONFIG, DISCORD, SLACK, TOOLS
from support.distfactory import write_dists


def demo(isolated_home: Path, config_path: Path, *dists) -> Path:
    site = write_dists(
        isolated_home / "site", *(dists or (ACME, BROKEN, SLACK, TOOLS, DISCORD, BAD_ID))
    )
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(DEMO_CONFIG)
    return site


def broken_textual(folder: Path) -> Path:
    """A `textual` package that fails to import, shadowing the real one."""
    package = folder / "textual"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('textual is broken here')\n")
    return folder


def run_in_pty(args: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    """Run ``takopi ARGS`` with a terminal on stdin, stdout and stderr; (status, output)."""
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "takopi_core", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif child.poll() is not None:
                break
        status = child.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)
    return status, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def pty_env(site: Path, *front: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*(str(p) for p in front), str(site)])
    env.update(extra)
    return env


def test_plain_view_through_a_pipe(isolated_home: Path, config_path: Path, takopi: InProcessCli):
    site = demo(isolated_home, config_path)
    done = takopi("tui", site=site)
    assert done.returncode == 1, done.stderr  # gemini fails
    out = done.stdout
    assert "\x1b[" not in out  # no escape sequences in a pipe
    assert out.startswith("takopi tui (plain view: stdout is not a terminal)\n")
    assert "config: ~/.takopi/takopi.toml\n" in out
    assert f"python: {sys.executable} (" in out
    assert "  acme (takopi-engine-acme) enabled  ok" in out
    assert "  discord (takopi-transport-discord) disabled\n" in out
    assert "errors:\n" in out
    assert "  engine gemini (takopi-engine-gemini): No module named 'gemini_sdk_missing'" in out
    assert "ModuleNotFoundError: No module named 'gemini_sdk_missing'" in out  # traceback
    # takopi-weird is not enabled: its error is listed, marked, and does not count.
    assert "  command Bad-Id (takopi-weird disabled): invalid plugin id 'Bad-Id'" in out
    assert "transport setup:\n  slack: needs setup (run `takopi setup slack`)" in out
    assert "    - missing bot token" in out
    assert "what the UI does, as commands:" in out
    assert "takopi plugins disable NAME --dry-run" in out
    assert done.stderr == ""


def test_plain_view_exits_0_without_plugin_errors(
    isolated_home: Path, config_path: Path, takopi: InProcessCli
):
    site = demo(isolated_home, config_path, ACME, SLACK)
    config_path.write_text("# everything enabled\n")
    done = takopi("tui", "--plain", site=site)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "takopi tui (plain view: --plain)" in done.stdout
    assert "errors:" not in done.stdout


def test_plain_view_names_the_config_option(
    isolated_home: Path, config_path: Path, takopi: InProcessCli
):
    site = demo(isolated_home, config_path, ACME)
    other = isolated_home / "other config.toml"
    other.write_text("")
    done = takopi("tui", "--config", str(other), site=site)
    assert done.returncode == 0
    assert "config: ~/other config.toml" in done.stdout
    assert f"takopi plugins enable --config '{other}' NAME" in done.stdout


def test_unreadable_config_exits_2(isolated_home: Path, config_path: Path, takopi: InProcessCli):
    site = demo(isolated_home, config_path, ACME)
    config_path.write_text("[plugins]\nenabled = [1, 2]\n")
    done = takopi("tui", site=site)
    assert done.returncode == 2
    assert str(config_path) in done.stderr and "plugins.enabled[0]" in done.stderr
    assert done.stdout == ""
    done = takopi("tui", "--timeout", "0", site=site)
    assert done.returncode == 2 and "--timeout" in done.stderr


def test_term_dumb_in_a_terminal_prints_plain_text(isolated_home: Path, config_path: Path):
    site = demo(isolated_home, config_path)
    # The broken textual proves the plain path never imports it.
    env = pty_env(site, broken_textual(isolated_home / "stub"), TERM="dumb")
    status, out = run_in_pty(["tui"], env)
    assert status == 1, out
    assert "takopi tui (plain view: TERM=dumb)" in out
    assert "  acme (takopi-engine-acme) enabled  ok" in out
    assert "\x1b[?1049h" not in out  # never switched to the alternate screen


def test_plain_flag_in_a_terminal(isolated_home: Path, config_path: Path):
    site = demo(isolated_home, config_path, ACME)
    config_path.write_text("")
    env = pty_env(site, broken_textual(isolated_home / "stub"), TERM="xterm-256color")
    status, out = run_in_pty(["tui", "--plain"], env)
    assert status == 0, out
    assert "takopi tui (plain view: --plain)" in out


def test_textual_that_cannot_start_falls_back(isolated_home: Path, config_path: Path):
    site = demo(isolated_home, config_path)
    env = pty_env(site, broken_textual(isolated_home / "stub"), TERM="xterm-256color")
    status, out = run_in_pty(["tui"], env)
    assert status == 1, out
    assert "the terminal UI could not start (ImportError: textual is broken here)" in out
    assert "showing the plain view instead" in out
    assert "  engine gemini (takopi-engine-gemini)" in out
