"""takopi_core._child: the one place for child environments, group kills and output tails.

Real processes wherever a process is what is tested.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from takopi_core import _child

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux prctl")


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                if stat.read().rpartition(b")")[2].split()[0] in (b"Z", b"X"):
                    return True
        except OSError:
            return True
        time.sleep(0.02)
    return False


# --- the environment -------------------------------------------------------------------------


def test_child_environment_names_the_config_and_puts_the_search_path_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = {"PYTHONPATH": "rel/lib", "KEEP": "1"}
    env = _child.child_environment(Path("conf/takopi.toml"), ["site", str(tmp_path / "b")], base)
    assert env[_child.CONFIG_ENV] == str(tmp_path / "conf" / "takopi.toml")
    assert env["PYTHONPATH"].split(os.pathsep) == [
        str(tmp_path / "site"),
        str(tmp_path / "b"),
        str(tmp_path / "rel" / "lib"),
    ]
    assert env["KEEP"] == "1"
    assert base == {"PYTHONPATH": "rel/lib", "KEEP": "1"}  # the caller's mapping untouched


def test_child_environment_does_not_repeat_an_entry(tmp_path: Path) -> None:
    site = str(tmp_path)
    env = _child.child_environment(None, [site], {"PYTHONPATH": site})
    assert env["PYTHONPATH"] == site
    assert _child.CONFIG_ENV not in env


def test_the_config_variable_is_the_one_the_config_reader_uses() -> None:
    from takopi_core.config import toml

    assert _child.CONFIG_ENV is toml.CONFIG_ENV == "TAKOPI_CONFIG"


# --- output tails ----------------------------------------------------------------------------


def test_an_output_tail_stays_bounded_however_much_is_fed() -> None:
    tail = _child.OutputTail(limit=1000)
    chunk = b"a" * 65536
    for _ in range(1600):  # 100 MiB
        tail.feed(chunk)
        assert len(tail._data) <= 2000
    tail.feed(b"\nthe end")
    assert tail.total == 1600 * 65536 + 8
    text = tail.text(chars=50)
    assert text.endswith("the end") and text.startswith("…") and len(text) == 51


def test_a_short_output_is_kept_whole() -> None:
    tail = _child.OutputTail()
    tail.feed(b"  one\ntwo  \n")
    assert tail.text() == "one\ntwo"


def test_file_tail_reads_only_the_end() -> None:
    stream = io.BytesIO(b"x" * 100_000 + "é end".encode())
    assert _child.file_tail(stream, 10) == "…xxxxxé end"


# --- stopping a child ------------------------------------------------------------------------


def test_kill_group_kills_helpers_after_the_leader_has_exited() -> None:
    """The leader exits at once; a helper that ignores SIGTERM is left in its group. The old
    per-module helpers returned early for an exited leader and left it running."""
    leader = subprocess.Popen(
        ["sh", "-c", "trap '' TERM; sleep 300 & echo $!"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert leader.stdout is not None
    helper = int(leader.stdout.readline())
    leader.wait()
    try:
        assert not _gone(helper, within=0.2)
        _child.kill_group(leader)
        assert _gone(helper)
    finally:
        with contextlib.suppress(OSError):
            os.kill(helper, signal.SIGKILL)


def test_signal_group_says_when_there_is_no_group() -> None:
    done = subprocess.Popen(["true"], start_new_session=True)
    done.wait()
    assert _child.signal_group(done.pid, 0) is False


# --- what a child does to itself -------------------------------------------------------------

ORPHAN = textwrap.dedent(
    """
    import os, subprocess, sys, time
    code = (
        "import os, sys, time\\n"
        "from takopi_core import _child\\n"
        "assert _child.die_with_parent(parent=int(sys.argv[1]))\\n"
        "print(os.getpid(), flush=True)\\n"
        "time.sleep(300)\\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(os.getpid())])
    time.sleep(300)
    """
)


@linux_only
def test_die_with_parent_takes_the_child_down_with_its_parent() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHAN], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert parent.stdout is not None
    orphan = int(parent.stdout.readline())
    try:
        parent.kill()
        parent.wait()
        assert _gone(orphan), "the child outlived its parent"
    finally:
        _child.signal_group(parent.pid, signal.SIGKILL)


@linux_only
def test_die_with_parent_leaves_at_once_when_the_parent_is_already_gone() -> None:
    code = "from takopi_core import _child\n_child.die_with_parent(parent=1)\nprint('alive')\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 128 + signal.SIGKILL
    assert "alive" not in done.stdout


def test_limit_memory_turns_a_huge_allocation_into_memory_error() -> None:
    code = (
        "from takopi_core import _child\n"
        "assert _child.limit_memory(512 << 20)\n"
        "try:\n    bytearray(1 << 30)\nexcept MemoryError:\n    print('MemoryError')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "MemoryError", done.stderr


@linux_only
def test_children_of_finds_our_children() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert child.pid in _child.children_of(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert child.pid not in _child.children_of(os.getpid())
