"""Where the repository and the golden files are, and running the real CLI in a child."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TESTS = REPO_ROOT / "tests"
GOLDEN = TESTS / "golden"
TUI_GOLDEN = TESTS / "tui" / "golden"


def run_takopi(
    *args: str,
    site: Path | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the real `takopi` CLI in a child process, with ``site`` on its PYTHONPATH."""
    child_env = dict(os.environ)
    if site is not None:
        child_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(site), child_env.get("PYTHONPATH", "")) if p
        )
    if env:
        child_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "takopi_core", *args],
        capture_output=True,
        text=True,
        env=child_env,
        input=input,
        timeout=timeout,
    )
