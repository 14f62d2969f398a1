"""Escape sequences in plugin metadata and messages never reach the terminal raw (issue 10,
point 13).

A real distribution (tests/support/hostile.py) carries an OSC 52 clipboard write, ``ESC[2J``,
an OSC 0 window title and a C1 CSI in its ``Name:``, an entry-point name, a description, an
import error and setup issues. Each command runs for real in a child; its output must hold no
ESC, BEL or C1 byte, and must still say what the text was (escaped, so it stays readable).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.hostile import ESCAPES, MARKUP, raw_controls, write_hostile_site

#: How the escaped text reads: the sequences are visible, not interpreted.
ESCAPED = "\\x1b]52;c;cHduZWQ=\\x07\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m"


@pytest.fixture
def lab(tmp_path: Path, config_path: Path) -> dict[str, Path]:
    site, bin_dir = tmp_path / "site", tmp_path / "bin"
    write_hostile_site(site, bin_dir)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('default_engine = "fakeeng"\n', encoding="utf-8")
    return {"site": site, "bin": bin_dir, "config": config_path, "work": tmp_path}


def takopi(lab: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(lab["site"]), env.get("PYTHONPATH")) if p)
    env["PATH"] = os.pathsep.join([str(lab["bin"]), env.get("PATH", "")])
    env.pop("TAKOPI_LOG_FILE", None)
    return subprocess.run(
        [sys.executable, "-m", "takopi_core", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=lab["work"],
        input="",
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("plugins",), "takopi-evil"),
        (("plugins", "--load"), "evil error"),
        (("doctor",), "evil error"),
        (("setup", "eviltransport", "--non-interactive"), "evil issue"),
        (("run", "--transport", "eviltransport"), "evil issue"),
        (("run", "--transport", "terminal", "--engine", "evilcrash"), "evil error"),
        (("tui", "--plain"), "evil error"),
        (("plugins", "enable", "nosuch\x1b[2J"), "nosuch"),
    ],
)
def test_cli_outputs_escape_control_characters(lab, args, expected):
    done = takopi(lab, *args)
    output = done.stdout + done.stderr
    assert expected in output, output
    assert raw_controls(output) == []
    if expected.startswith("evil"):
        assert ESCAPED in output  # what the plugin sent, readable


@pytest.mark.parametrize("args", [("plugins", "--json"), ("plugins", "--load", "--json")])
def test_json_outputs_carry_the_text_json_escaped(lab, args):
    done = takopi(lab, *args)
    assert raw_controls(done.stdout + done.stderr) == []
    items = json.loads(done.stdout)
    assert any(ESCAPES in (item["distribution"] or "") for item in items)


def test_markup_in_plugin_text_prints_literally(lab):
    output = takopi(lab, "plugins", "--load").stdout
    assert MARKUP in output


def test_the_debug_log_escapes_what_plugins_send(lab):
    takopi(lab, "run", "--transport", "eviltransport", "--debug")  # its check_setup logs
    takopi(lab, "run", "--transport", "terminal", "--debug")  # evilcrash: a warning, logged
    log = (lab["config"].parent / "debug.log").read_text(encoding="utf-8")
    assert "evil log" in log and "evil error" in log
    assert raw_controls(log) == []
