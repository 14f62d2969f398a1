"""The wizard's hand-over in a real terminal: `takopi tui` in tmux suspends itself, the
transport's own prompts run (`takopi setup askme --own-setup`, a child process with the
terminal), the user answers them, and the wizard comes back showing the new status."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

import pytest
from support.setup_plugins import make_bin, write_setup_site
from support.tmux import Tmux, line_of

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_hand_over_to_the_transports_own_prompts(
    tmux: Tmux, isolated_home: Path, config_path: Path
) -> None:
    site = write_setup_site(isolated_home / "site")
    bin_dir = make_bin(isolated_home / "bin", "fakecli-bin")
    config_path.parent.mkdir(parents=True)
    config_path.write_text('default_engine = "fakecli"\n')
    env = {
        "HOME": str(isolated_home),
        "TAKOPI_CONFIG": str(config_path),
        "PYTHONPATH": str(site),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "TERM": "xterm-256color",
    }
    python = shlex.quote(sys.executable)
    command = f"env -u COLUMNS -u LINES {python} -m takopi_core tui; echo TUI-EXIT=$?; sleep 60"
    tmux.start(command, env, (120, 36))

    tmux.wait_for(
        lambda s: "askme" in line_of(s, "askme") and "ok" in line_of(s, "askme"),
        "the probe to check askme",
    )
    tmux.keys("/", "askme", "Enter")  # one row left, the cursor on it
    # Focus is back on the table once the filter's own key ("Back to table") leaves the
    # footer; an `s` typed before that would land in the filter.
    tmux.wait_for(
        lambda s: 'showing 1: "askme"' in s and "Back to table" not in s, "the table's focus"
    )
    tmux.keys("s")
    screen = tmux.wait_for(lambda s: "Which transport do you want to set up?" in s, "step 1")
    assert any("askme" in line and "needs setup" in line for line in screen.splitlines()), screen
    tmux.keys("Enter")  # the highlighted transport: askme
    screen = tmux.wait_for(lambda s: "Step 2 of 6" in s, "step 2")
    assert "- tell askme your name" in screen
    tmux.keys("Enter")  # Next
    tmux.wait_for(lambda s: "Run its setup" in s and "Step 3 of 6" in s, "step 3")
    tmux.keys("Enter")  # Run its setup: the app steps aside

    screen = tmux.wait_for(lambda s: "askme: your name?" in s, "the transport's own prompt")
    assert "askme setup: this is the transport's own prompt" in screen
    assert "Step 3 of 6" not in screen  # the TUI is suspended, not drawn over
    tmux.keys("Zoe", "Enter")
    tmux.wait_for(lambda s: "press Enter to go back to takopi tui" in s, "the end of its setup")
    tmux.keys("Enter")

    screen = tmux.wait_for(
        lambda s: "Its setup finished. askme is now: ready." in s, "the wizard, re-checked"
    )
    assert "Step 3 of 6" in screen
    assert 'name = "Zoe"' in config_path.read_text()

    tmux.keys("Escape")  # something happened: it asks before closing
    tmux.wait_for(lambda s: "Discard the setup?" in s, "the question")
    tmux.keys("y")
    tmux.wait_for(lambda s: "Step 3 of 6" not in s and "askme" in s, "the main screen")
    tmux.keys("q")
    tmux.wait_for(lambda s: "TUI-EXIT=0" in s, "the app to quit")
    assert (
        config_path.read_text()
        == 'default_engine = "fakecli"\n\n[transports.askme]\nname = "Zoe"\n'
    )
