"""Every benchmark and script still starts (imports resolve after moves): `--help` in a child."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.paths import REPO_ROOT

SCRIPTS = sorted(
    path
    for folder in ("benchmarks", "scripts", "scripts/attack")
    for path in (REPO_ROOT / folder).glob("*.py")
    if path.name != "__init__.py"
)


def test_the_scripts_are_found() -> None:
    names = {path.name for path in SCRIPTS}
    assert {"bench_cli.py", "bench_tui.py", "screenshots.py", "leaks.py"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_script_help_runs(script) -> None:
    done = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
