"""The single-instance lock for ``takopi run``.

Two bridges polling the same bot answer every message twice, so a run holds an OS file lock
(``fcntl.flock``) keyed by the transport's ``lock_token`` for as long as it lives. The lock
file sits in the config folder and records the holder (pid, transport, start time) so a
refused second instance can say who has it.

Because the OS drops a ``flock`` when its holder dies, however it dies, a lock file left
behind by a crashed run is simply taken over: there is no pid guessing and pid reuse cannot
make a dead lock look alive.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import inspect
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from takopi_core.config.toml import display_path


class LockError(RuntimeError):
    """Another instance holds the lock, or the lock file cannot be used."""

    def __init__(self, message: str, *, path: Path, holder: LockHolder | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.holder = holder


@dataclass(frozen=True, slots=True)
class LockHolder:
    """What the lock file says about the process that wrote it."""

    pid: int | None
    transport: str | None = None
    token_fingerprint: str | None = None
    config_path: str | None = None
    started_at: float | None = None

    @classmethod
    def from_json(cls, text: str) -> LockHolder | None:
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        pid = data.get("pid")

        def text_field(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        started = data.get("started_at")
        return cls(
            pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
            transport=text_field("transport"),
            token_fingerprint=text_field("token_fingerprint"),
            config_path=text_field("config_path"),
            started_at=float(started) if isinstance(started, int | float) else None,
        )


def token_fingerprint(token: str) -> str:
    """A short, non-reversible id for a secret token (safe to write to disk and show)."""
    return hashlib.sha256(token.encode()).hexdigest()[:10]


def lock_path_for(config_path: Path, token: str | None) -> Path:
    """``takopi-<fingerprint>.lock`` beside the config; ``takopi.lock`` without a token.

    Without a token the lock means "one instance per config file", as upstream Takopi does.
    """
    folder = config_path.expanduser().resolve().parent
    if token:
        return folder / f"takopi-{token_fingerprint(token)}.lock"
    return folder / "takopi.lock"


@dataclass(slots=True)
class InstanceLock:
    """A held lock; ``release()`` (or leaving the ``with`` block) gives it up."""

    path: Path
    fd: int | None
    recovered_from: LockHolder | None = None

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        # Unlink while still holding the lock, so nobody can lock the old inode after us.
        with contextlib.suppress(FileNotFoundError):
            if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                os.unlink(self.path)
        os.close(fd)

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire_lock(
    config_path: Path, token: str | None, *, transport: str | None = None
) -> InstanceLock:
    """Take the lock for ``token``; raises LockError naming the holder when it is taken."""
    path = lock_path_for(config_path, token)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LockError(f"lock failed: cannot create {path.parent}: {exc}", path=path) from exc
    while True:
        try:
            # os.open makes the fd non-inheritable, so engine children never hold the lock.
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise LockError(f"lock failed: cannot open {path}: {exc}", path=path) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise LockError(_running_message(path, holder), path=path, holder=holder) from None
        except OSError as exc:
            os.close(fd)
            raise LockError(f"lock failed: {exc}", path=path) from exc
        # The previous holder may have unlinked the file between our open and our flock;
        # then we locked an orphan inode and must start over on the new file.
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        break
    previous = _read_holder(fd)
    record = {
        "pid": os.getpid(),
        "transport": transport,
        "token_fingerprint": token_fingerprint(token) if token else None,
        "config_path": str(config_path),
        "started_at": time.time(),
    }
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record, indent=2, sort_keys=True) + "\n").encode(), 0)
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        raise LockError(f"lock failed: cannot write {path}: {exc}", path=path) from exc
    return InstanceLock(path=path, fd=fd, recovered_from=previous)


def read_lock_holder(path: Path) -> LockHolder | None:
    """Who holds the lock at ``path`` right now, or None when it is free (or absent)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd) or LockHolder(pid=None)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_holder(fd: int) -> LockHolder | None:
    try:
        data = os.pread(fd, 64 * 1024, 0)
    except OSError:
        return None
    return LockHolder.from_json(data.decode("utf-8", errors="replace")) if data else None


def _running_message(path: Path, holder: LockHolder | None) -> str:
    who = f"pid {holder.pid}" if holder and holder.pid else "another process"
    what = f" ({holder.transport})" if holder and holder.transport else ""
    return f"already running: {who}{what} holds {display_path(path)}"


def call_lock_token(backend: Any, *, transport_config: Any, config_path: Path) -> str | None:
    """Call ``backend.lock_token`` with whichever keyword its signature names.

    The plugin guide spells the keyword ``config_path``; upstream Takopi passes
    ``_config_path``. Both shapes (and ``**kwargs``) are accepted.
    """
    method = backend.lock_token
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):
        params = {}
    kwargs: dict[str, Any] = {"transport_config": transport_config}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs["config_path"] = kwargs["_config_path"] = config_path
    elif "config_path" in params and "_config_path" not in params:
        kwargs["config_path"] = config_path
    else:
        kwargs["_config_path"] = config_path
    token = method(**kwargs)
    if token is not None and not isinstance(token, str):
        raise TypeError(f"lock_token returned {type(token).__name__}, expected str or None")
    return token or None


def remove_stale_lock(path: Path) -> bool:
    """Remove ``path`` if nobody holds it, the same way a run gives its lock up: take the
    lock first, so a run starting right now cannot lose it to us."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # someone holds it after all
        try:
            if os.stat(path).st_ino != os.fstat(fd).st_ino:
                return False
            os.unlink(path)
        except OSError:
            return False
        return True
    finally:
        os.close(fd)
