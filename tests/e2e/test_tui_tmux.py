"""`takopi tui` in a real terminal: tmux runs the real CLI on real test distributions.

Keys go in with ``send-keys``; ``capture-pane`` shows what a user would see; the config file
on disk must change exactly as the golden file says.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import pytest
from support.demo_plugins import ACME, BAD_ID, BROKEN, DEMO_CONFIG, DISCORD, SLACK, TOOLS
from support.distfactory import write_dists
from support.paths import TUI_GOLDEN
from support.tmux import Tmux, line_of

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

GOLDEN = TUI_GOLDEN


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
