"""Small read-only git queries plugins use to find a project's checkout (upstream's helpers)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path


def git_stdout(args: Sequence[str], *, cwd: Path) -> str | None:
    """``git ARGS`` run in ``cwd``: its stripped output, or None when git is missing,
    fails, or prints nothing."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def resolve_main_worktree_root(cwd: Path) -> Path | None:
    """The main checkout of the repository ``cwd`` belongs to (the same from any linked
    worktree); ``cwd`` itself for a bare repository; None outside git."""
    common = git_stdout(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=cwd)
    if common is None:
        return None
    if git_stdout(["rev-parse", "--is-bare-repository"], cwd=cwd) == "true":
        return cwd
    common_dir = Path(common)
    if not common_dir.is_absolute():
        common_dir = (cwd / common_dir).resolve()
    return common_dir.parent
