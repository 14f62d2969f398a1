"""The run lock against what transports and hostile folders do to it (issue 10, point 16).

Real processes throughout: a real `takopi run` whose transport forks a helper and dies, a
holder in another process, a lock file that is a symlink, a FIFO or a folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support.distfactory import TRANSPORT_GROUP, Dist, write_dists
from support.paths import run_takopi
from support.run_dists import fake_engine, path_with, write_fake_cli
from support.templates import transport_source

from takopi_core.run.lock import (
    LockError,
    acquire_lock,
    lock_path_for,
    read_lock_holder,
    remove_stale_lock,
)

FORKING = Dist(
    name="takopi-transport-forky",
    entry_points={TRANSPORT_GROUP: {"forky": "fake_tr_forky:BACKEND"}},
    files={
        "fake_tr_forky/__init__.py": transport_source(
            "forky",
            imports="import os, time\nfrom pathlib import Path",
            lock_token='return transport_config.get("token")',
            build_and_run_params="*, transport_config, **kwargs",
            build_and_run="""
                helper = os.fork()
                if helper == 0:  # a helper that inherits every fd, the lock's included
                    null = os.open(os.devnull, os.O_RDWR)
                    for fd in (0, 1, 2):  # but lets the caller's pipes end
                        os.dup2(null, fd)
                    time.sleep(60)
                    os._exit(0)
                Path(transport_config["helper_file"]).write_text(str(helper))
                Path(transport_config["ready_file"]).write_text(str(os.getpid()))
                if transport_config.get("die"):
                    os._exit(9)  # the holder dies, its helper lives on
                time.sleep(60)
            """,
        )
    },
)


def _write_config(config_path: Path, tmp_path: Path, *, die: bool) -> tuple[Path, Path]:
    helper, ready = tmp_path / "helper", tmp_path / "ready"
    for stale in (helper, ready):
        stale.unlink(missing_ok=True)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(
        'default_engine = "alpha"\n'
        "[transports.forky]\n"
        'token = "bot-fork"\n'
        f'helper_file = "{helper}"\n'
        f'ready_file = "{ready}"\n'
        f"die = {'true' if die else 'false'}\n"
    )
    return helper, ready


@pytest.fixture
def world(site: Path, tmp_path: Path) -> dict[str, str]:
    """The forking transport and engine alpha (its CLI on PATH); the env for the CLI."""
    write_dists(site, FORKING, fake_engine("alpha"))
    bin_dir = tmp_path / "bin"
    write_fake_cli(bin_dir, "alpha")
    return {"PATH": path_with(bin_dir)}


def _kill(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def test_a_helper_forked_by_the_transport_does_not_keep_the_lock(
    site: Path, world: dict[str, str], config_path: Path, tmp_path: Path
) -> None:
    helper_file, ready = _write_config(config_path, tmp_path, die=True)
    first = run_takopi("run", "--transport", "forky", site=site, env=world)
    assert first.returncode == 9, first.stderr
    helper = int(helper_file.read_text())
    try:
        os.kill(helper, 0)  # the helper is alive and holds whatever it inherited
        holder_pid = int(ready.read_text())
        # A second run starts on the same token: the lock died with its holder.
        helper_file2, _ready2 = _write_config(config_path, tmp_path / "again", die=True)
        (tmp_path / "again").mkdir()
        second = run_takopi("run", "--transport", "forky", site=site, env=world)
        assert "already running" not in second.stderr, second.stderr
        assert second.returncode == 9, second.stderr
        assert f"left behind by pid {holder_pid}, which is no longer running" in second.stderr
        _kill(int(helper_file2.read_text()))
    finally:
        _kill(helper)


def test_a_live_holder_is_named_even_when_a_helper_has_the_file_open(
    site: Path, world: dict[str, str], config_path: Path, tmp_path: Path
) -> None:
    helper_file, ready = _write_config(config_path, tmp_path, die=False)
    env = dict(os.environ, PYTHONPATH=str(site), **world)
    holder = subprocess.Popen(
        [sys.executable, "-m", "takopi_core", "run", "--transport", "forky"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert holder.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        second = run_takopi("run", "--transport", "forky", site=site, env=world)
        assert second.returncode == 1
        assert f"already running: pid {holder.pid} (forky) holds" in second.stderr
    finally:
        holder.kill()
        holder.wait()
        if helper_file.exists():
            _kill(int(helper_file.read_text()))


LIAR = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from takopi_core.run.lock import acquire_lock
    lock = acquire_lock(Path(sys.argv[1]), "tok", transport="liar")
    # The record now names a pid that is not the holder.
    os.pwrite(lock.fd, b'{"pid": 1, "transport": "someone"}' + b" " * 200, 0)
    print("locked", flush=True)
    time.sleep(60)
    """
)


def test_the_real_holder_is_named_not_the_record(config_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", LIAR, str(config_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(LockError) as caught:
            acquire_lock(config_path, "tok")
        assert caught.value.holder is not None and caught.value.holder.pid == child.pid
        assert f"pid {child.pid}" in str(caught.value)
        holder = read_lock_holder(lock_path_for(config_path, "tok"))
        assert holder is not None and holder.pid == child.pid
    finally:
        child.kill()
        child.wait()


def test_a_refused_second_lock_in_the_same_process_keeps_the_first(
    config_path: Path,
) -> None:
    """POSIX record locks are per process: a second open and close of the file in the holder
    would drop the lock. The holder must stay the holder for other processes."""
    with acquire_lock(config_path, "tok") as lock:
        with pytest.raises(LockError):
            acquire_lock(config_path, "tok")
        assert read_lock_holder(lock.path) is not None
        assert not remove_stale_lock(lock.path)
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from takopi_core.run.lock import "
                "acquire_lock, LockError\n"
                "try:\n    acquire_lock(Path(sys.argv[1]), 'tok')\n"
                "except LockError as e:\n    print('refused', e)\n",
                str(config_path),
            ],
            capture_output=True,
            text=True,
        )
        assert probe.stdout.startswith("refused already running: pid"), probe


def test_a_lock_file_that_is_a_symlink_is_replaced_and_its_target_kept(
    config_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("do not truncate me")
    path = lock_path_for(config_path, "tok")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    with acquire_lock(config_path, "tok") as lock:
        assert not lock.path.is_symlink()
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()
    assert target.read_text() == "do not truncate me"


def test_a_dangling_lock_symlink_creates_nothing_elsewhere(
    config_path: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere" / "created.lock"
    elsewhere.parent.mkdir()
    path = lock_path_for(config_path, "tok")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(elsewhere)
    acquire_lock(config_path, "tok").release()
    assert not elsewhere.exists()


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_lock_path_that_is_not_a_file_is_refused_clearly(config_path: Path, kind: str) -> None:
    path = lock_path_for(config_path, "tok")
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    with pytest.raises(LockError) as caught:
        acquire_lock(config_path, "tok")
    assert str(path.name) in str(caught.value)
    assert "not a regular file" in str(caught.value)
    assert read_lock_holder(path) is None  # no hang, no crash
    from takopi_core.run.lock import inspect_locks

    assert [state.path for state in inspect_locks(config_path)] == [path]


def test_inspect_locks_tells_held_from_stale(config_path: Path) -> None:
    from takopi_core.run.lock import inspect_locks

    stale = lock_path_for(config_path, "old")
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text('{"pid": 999999999, "transport": "gone"}')
    with acquire_lock(config_path, "live", transport="here"):
        states = {s.path.name: s for s in inspect_locks(config_path)}
    live = states[lock_path_for(config_path, "live").name]
    assert live.holder is not None and live.holder.pid == os.getpid()
    old = states[stale.name]
    assert old.holder is None
    assert old.recorded is not None and old.recorded.pid == 999999999
    assert old.recorded_alive is False
