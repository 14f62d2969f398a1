"""Installing a plugin through `takopi tui` in a real terminal: tmux runs the real CLI from a
fresh venv's interpreter (so that venv is the inspected environment pip installs into), the
keys choose a local wheel in the catalogue, confirm the exact command and watch pip's output,
and the new plugin's row then shows up checked by the real probe.

pip stays offline: ``PIP_NO_INDEX``, and ``PIP_FIND_LINKS`` at the folder of test wheels.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest
from support.tmp_env import engine_wheel, make_env
from support.tmux import Tmux, line_of

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def squeezed(screen: str) -> str:
    """The screen's text without white space and box-drawing or block characters."""
    return "".join(c for c in screen if not c.isspace() and not "\u2500" <= c <= "\u259f")


def test_install_a_wheel_from_the_tui(tmux: Tmux, isolated_home: Path, config_path: Path):
    wheels = isolated_home / "wheels"
    wheel = engine_wheel(wheels, "takopi-engine-zed", "zed", "1.0.0")
    env = make_env(isolated_home / "venv")
    config_path.parent.mkdir(parents=True)
    config_path.write_text("# no [plugins] enabled list: everything installed is enabled\n")
    environ = {
        "HOME": str(isolated_home),
        "TAKOPI_CONFIG": str(config_path),
        "TERM": "xterm-256color",
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    python = shlex.quote(str(env.python))
    command = f"env -u COLUMNS -u LINES {python} -m takopi_core tui; echo TUI-EXIT=$?; sleep 60"
    tmux.start(command, environ, (120, 36))

    # Generous limits: under a loaded full run the probe and pip take several times longer.
    screen = tmux.wait_for(
        lambda s: "✓ ok" in line_of(s, "codex"), "the built-ins checked", timeout=90
    )
    assert "venv/bin/python" in screen  # the summary names the inspected interpreter
    assert not line_of(screen, "zed")

    tmux.keys("i")
    tmux.wait_for(lambda s: "Install a plugin" in s, "the catalogue", timeout=60)
    tmux.keys("-l", str(wheel))  # typed literally into the search box
    tmux.wait_for(lambda s: "Not in the catalogue" in s, "the as-typed line", timeout=60)
    tmux.keys("Enter")
    screen = tmux.wait_for(lambda s: "Install (y)" in s, "the command dialog", timeout=60)
    # The exact command, with the venv's interpreter. Long paths wrap inside the dialog, even
    # mid-word: compare with line breaks, blanks and the box's border characters taken out.
    assert f"{env.python}-mpipinstall{wheel}" in squeezed(screen)

    tmux.keys("y")
    screen = tmux.wait_for(lambda s: "✓ done" in s, "pip to finish", timeout=120)
    assert "Successfully installed takopi-engine-zed-1.0.0" in screen
    assert env.has_distribution("takopi-engine-zed")

    tmux.keys("Escape")
    screen = tmux.wait_for(
        lambda s: "✓ ok" in line_of(s, "zed"), "zed to be listed and checked", timeout=90
    )
    assert "takopi-engine-zed" in line_of(screen, "zed")
    assert "1.0.0" in line_of(screen, "zed")

    tmux.keys("q")
    tmux.wait_for(lambda s: "TUI-EXIT=0" in s, "the app to quit", timeout=60)
