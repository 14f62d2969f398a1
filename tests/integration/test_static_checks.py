"""The static checks CI runs, as tests: mypy over both packages and the tests, ruff's lint
and its formatter. README's one test command covers them.

Each runs the tool from this interpreter's environment (the project's venv) in the
repository root, with its configuration from pyproject.toml. mypy keeps its incremental
cache in the repository's ``.mypy_cache`` (git-ignored), so a warm run takes seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import REPO_ROOT

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if path.is_file():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed in {BIN}: pip install -e '.[test]'")
    return found


def _run(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    # NO_COLOR/TERM: plain output in the failure message.
    env = dict(os.environ, NO_COLOR="1", TERM="dumb")
    return subprocess.run(
        argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, env=env
    )


def test_mypy_is_clean() -> None:
    cache = REPO_ROOT / ".mypy_cache"
    proc = _run(sys.executable, "-m", "mypy", "--cache-dir", str(cache), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The configuration was read: mypy checked the packages and the tests, not nothing.
    assert "Success: no issues found in" in proc.stdout


def test_ruff_check_is_clean() -> None:
    proc = _run(_tool("ruff"), "check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_is_clean() -> None:
    proc = _run(_tool("ruff"), "format", "--check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "already formatted" in proc.stdout
