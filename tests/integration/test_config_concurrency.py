"""Parallel writers of one takopi.toml (issue 10, point 7): no reported save is lost.

Real processes throughout: parallel `takopi config set` children, and a child that holds the
config's write lock while this process tries to save.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from takopi_core.config.file import ConfigFile
from takopi_core.config.lock import ConfigBusyError, lock_path_for
from takopi_core.config.toml import read_config_data
from takopi_core.errors import ConfigConflictError

WRITERS = 12


def test_parallel_config_set_keeps_every_reported_save(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("# shared by many writers\n")
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "takopi_core", "config", "set", f"entry{n}", str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    outcomes = [(child.wait(timeout=120), *child.communicate()) for child in children]
    data = read_config_data(config_path)
    for n, (status, out, err) in enumerate(outcomes):
        assert status == 0, err
        assert out == f"updated entry{n} = {n}\nsaved ~/.takopi/takopi.toml\n"
        assert data.get(f"entry{n}") == n, f"entry{n} was reported saved but is not in the file"
    assert config_path.read_text().startswith("# shared by many writers\n")


def test_a_save_waits_for_the_lock_and_says_when_to_retry(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("a = 1\n")
    config = ConfigFile.load(config_path)
    new_text = config.with_value("b", 2)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from takopi_core.config.lock import config_write_lock\n"
            "with config_write_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(60)\n",
            str(config_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(ConfigBusyError) as caught:
            config.save(new_text, lock_timeout=0.3)
        assert str(caught.value) == (
            f"{config_path}: another takopi process is writing the config (its lock "
            f"{lock_path_for(config_path)} was held for over 0.3 s); nothing was written. "
            "Try again."
        )
        assert isinstance(caught.value, ConfigConflictError)  # the TUI's reload-and-retry
        assert config_path.read_text() == "a = 1\n"
    finally:
        holder.kill()
        holder.wait()
    # The OS dropped the dead holder's lock: the same save goes through now.
    assert config.save(new_text, lock_timeout=5)
    assert config_path.read_text() == "a = 1\nb = 2\n"


def test_the_conflict_check_runs_under_the_lock(config_path: Path) -> None:
    """A writer that read before another's save is refused and writes nothing."""
    config_path.parent.mkdir(parents=True)
    config_path.write_text("a = 1\n")
    stale = ConfigFile.load(config_path)
    fresh = ConfigFile.load(config_path)
    assert fresh.save(fresh.with_value("b", 2))
    with pytest.raises(ConfigConflictError, match="changed on disk after it was read"):
        stale.save(stale.with_value("c", 3))
    assert config_path.read_text() == "a = 1\nb = 2\n"


def test_the_lock_is_free_after_a_writer_is_killed_mid_save(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("a = 1\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from takopi_core.config.lock import config_write_lock\n"
            "with config_write_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(60)\n",
            str(config_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    os.kill(holder.pid, 9)
    holder.wait()
    config = ConfigFile.load(config_path)
    assert config.save(config.with_value("b", 2), lock_timeout=5)  # Busy if still held
