"""The single-instance lock: real flocks, real processes holding and dying with them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from takopi_core.run.lock import (
    LockError,
    acquire_lock,
    call_lock_token,
    lock_path_for,
    read_lock_holder,
    token_fingerprint,
)


def test_lock_records_holder_and_release_removes_file(config_path: Path) -> None:
    lock = acquire_lock(config_path, "secret-bot-token", transport="telegram")
    assert lock.path == config_path.parent / f"takopi-{token_fingerprint('secret-bot-token')}.lock"
    record = json.loads(lock.path.read_text())
    assert record["pid"] == os.getpid()
    assert record["transport"] == "telegram"
    assert record["token_fingerprint"] == token_fingerprint("secret-bot-token")
    assert "secret-bot-token" not in lock.path.read_text()
    assert os.stat(lock.path).st_mode & 0o777 == 0o600
    holder = read_lock_holder(lock.path)
    assert holder is not None and holder.pid == os.getpid()
    lock.release()
    assert not lock.path.exists()
    assert read_lock_holder(lock.path) is None
    lock.release()  # twice is fine


def test_same_token_is_refused_while_held(config_path: Path) -> None:
    with acquire_lock(config_path, "tok", transport="x") as first:
        with pytest.raises(LockError) as caught:
            acquire_lock(config_path, "tok", transport="x")
        assert caught.value.holder is not None
        assert caught.value.holder.pid == os.getpid()
        assert f"pid {os.getpid()}" in str(caught.value)
        assert "already running" in str(caught.value)
        assert first.path.exists()
    # released: can be taken again
    acquire_lock(config_path, "tok").release()


def test_different_tokens_do_not_conflict(config_path: Path) -> None:
    """Two bots beside each other: each holds its own lock file, and each is still exclusive."""
    with acquire_lock(config_path, "bot-a") as a, acquire_lock(config_path, "bot-b") as b:
        assert a.path != b.path
        assert a.path.exists() and b.path.exists()
        for lock, token in ((a, "bot-a"), (b, "bot-b")):
            assert json.loads(lock.path.read_text())["token_fingerprint"] == token_fingerprint(
                token
            )
            with pytest.raises(LockError):
                acquire_lock(config_path, token)
        b.release()
        assert not b.path.exists() and a.path.exists()  # releasing one leaves the other
        acquire_lock(config_path, "bot-b").release()
        with pytest.raises(LockError):
            acquire_lock(config_path, "bot-a")


def test_no_token_locks_per_config(config_path: Path) -> None:
    assert lock_path_for(config_path, None) == config_path.parent / "takopi.lock"
    with acquire_lock(config_path, None), pytest.raises(LockError):
        acquire_lock(config_path, None)


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from takopi_core.run.lock import acquire_lock
    lock = acquire_lock(Path(sys.argv[1]), "shared-token", transport="child")
    print("locked", flush=True)
    time.sleep(60)
    """
)


def _start_holder(config_path: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(config_path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked"
    return child


def test_other_process_holding_is_reported_with_its_pid(config_path: Path) -> None:
    child = _start_holder(config_path)
    try:
        with pytest.raises(LockError) as caught:
            acquire_lock(config_path, "shared-token")
        assert caught.value.holder is not None
        assert caught.value.holder.pid == child.pid
        assert caught.value.holder.transport == "child"
        assert f"pid {child.pid} (child)" in str(caught.value)
    finally:
        child.kill()
        child.wait()


def test_lock_of_a_killed_process_is_recovered(config_path: Path) -> None:
    child = _start_holder(config_path)
    path = lock_path_for(config_path, "shared-token")
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert path.exists(), "a killed holder leaves its lock file behind"
    assert read_lock_holder(path) is None, "but the OS released the flock"
    with acquire_lock(config_path, "shared-token") as lock:
        assert lock.recovered_from is not None
        assert lock.recovered_from.pid == child.pid
        assert json.loads(path.read_text())["pid"] == os.getpid()


def test_garbage_lock_file_is_taken_over(config_path: Path) -> None:
    path = lock_path_for(config_path, "tok")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not json {")
    with acquire_lock(config_path, "tok") as lock:
        assert lock.recovered_from is None
        assert json.loads(path.read_text())["pid"] == os.getpid()


def test_lock_fd_is_not_inherited_by_children(config_path: Path) -> None:
    """An engine child that outlives the host must not keep the bridge locked."""
    with acquire_lock(config_path, "tok") as lock:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert lock.fd is None
        # Were the fd inherited, the still-running child would hold the flock and this
        # would raise LockError.
        acquire_lock(config_path, "tok").release()
    finally:
        child.kill()
        child.wait()


class GuideStyle:
    def lock_token(self, *, transport_config: dict, config_path: Path) -> str | None:
        return f"guide:{transport_config['x']}:{config_path.name}"


class UpstreamStyle:
    def lock_token(self, *, transport_config: object, _config_path: Path) -> str | None:
        return f"upstream:{_config_path.name}"


class KwargsStyle:
    def lock_token(self, *, transport_config: object, **kwargs: object) -> str | None:
        return f"kwargs:{sorted(kwargs)}"


class BadType:
    def lock_token(self, *, transport_config: object, config_path: Path) -> object:
        return 42


def test_call_lock_token_accepts_both_keyword_spellings(tmp_path: Path) -> None:
    path = tmp_path / "takopi.toml"
    assert call_lock_token(GuideStyle(), transport_config={"x": 1}, config_path=path) == (
        "guide:1:takopi.toml"
    )
    assert call_lock_token(UpstreamStyle(), transport_config={}, config_path=path) == (
        "upstream:takopi.toml"
    )
    assert call_lock_token(KwargsStyle(), transport_config={}, config_path=path) == (
        "kwargs:['_config_path', 'config_path']"
    )
    with pytest.raises(TypeError, match="expected str or None"):
        call_lock_token(BadType(), transport_config={}, config_path=path)
