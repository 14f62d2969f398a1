"""`takopi doctor --fix` never changes a device's mode through a config symlink."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from support.paths import run_takopi


def test_fix_leaves_a_linked_non_regular_file_alone(config_path: Path, tmp_path: Path):
    # A FIFO stands for /dev/null here: a regression must not damage the machine's devices.
    config_path.parent.mkdir(parents=True, mode=0o700)
    target = tmp_path / "pipe"
    os.mkfifo(target, 0o644)
    os.chmod(target, 0o644)
    before = stat.S_IMODE(os.stat(target).st_mode)
    config_path.symlink_to(target)

    done = run_takopi("doctor", "--fix", timeout=120)

    assert stat.S_IMODE(os.stat(target).st_mode) == before
    assert stat.S_ISREG(os.stat(target).st_mode) is False
    assert "not a regular file" in done.stdout
