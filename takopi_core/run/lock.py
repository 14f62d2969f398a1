"""The single-instance lock for ``takopi run``, and reading it for ``takopi doctor``.

Two bridges polling the same bot answer every message twice, so a run holds an OS file lock
keyed by the transport's ``lock_token`` for as long as it lives. The lock file sits in the
config folder and records the holder (pid, transport, start time) so a refused second
instance can say who has it.

The lock is a POSIX record lock (``fcntl.lockf``), not ``flock``: a record lock belongs to
the process, so a helper that a transport forks does not inherit it, and the lock goes when
the run dies, however it dies, whatever its helpers do. The OS also says which process holds
it (``F_GETLK``), so a refusal names the real holder, not whatever the file records. One
rule comes with record locks: the holder must never open and close the file a second time
(that would drop its lock), so this module remembers the locks this process holds.

The file is opened without following a symlink (a link is replaced, its target untouched)
and must be a regular file: a FIFO or a folder in its place is refused with a clear error.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import inspect
import json
import os
import stat
import struct
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from takopi_core.config.toml import display_path

#: The most of a lock file that is read (a record is ~200 bytes).
_MAX_RECORD = 64 * 1024
#: Locks this process holds, by (device, inode) of the lock file, with the lock itself.
_HELD: dict[tuple[int, int], InstanceLock] = {}
_HELD_GUARD = threading.Lock()


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

    holder: LockHolder | None = None

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        info = os.fstat(fd)
        with _HELD_GUARD:
            _HELD.pop((info.st_dev, info.st_ino), None)
        # Unlink while still holding the lock, so nobody can lock the old inode after us.
        with contextlib.suppress(FileNotFoundError):
            if os.stat(self.path, follow_symlinks=False).st_ino == info.st_ino:
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
    with _HELD_GUARD:
        while True:
            mine = _held_here(path)
            if mine is not None:
                holder = mine.holder or LockHolder(pid=os.getpid())
                raise LockError(_running_message(path, holder), path=path, holder=holder)
            fd = _open_lock_file(path, create=True)
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise LockError(f"lock failed: {path}: {exc}", path=path) from exc
                holder = _holder_of(fd)
                os.close(fd)  # we hold no lock on it, so closing costs nothing
                raise LockError(_running_message(path, holder), path=path, holder=holder) from None
            # The previous holder may have unlinked the file between our open and our lock;
            # then we locked an orphan inode and must start over on the new file.
            try:
                same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        previous = _read_record(fd)
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
        lock = InstanceLock(
            path=path,
            fd=fd,
            recovered_from=previous,
            holder=LockHolder.from_json(json.dumps(record)),
        )
        info = os.fstat(fd)
        _HELD[(info.st_dev, info.st_ino)] = lock
    return lock


def _held_here(path: Path) -> InstanceLock | None:
    """The lock this process holds on ``path``, if any (call with _HELD_GUARD held)."""
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return _HELD.get((info.st_dev, info.st_ino))


def _open_lock_file(path: Path, *, create: bool) -> int:
    """Open ``path`` for reading and writing, never through a symlink; a regular file only.

    A symlink in its place is removed (and, with ``create``, a file made instead): following
    it would lock, and truncate, whatever it points to.
    """
    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    for attempt in range(2):
        try:
            fd = os.open(path, flags | (os.O_CREAT if create else 0), 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP and attempt == 0 and path.is_symlink():
                try:
                    path.unlink()  # the link only; its target is left as it is
                except OSError as unlink_exc:
                    raise LockError(
                        f"lock failed: {path} is a symlink that cannot be removed: {unlink_exc}",
                        path=path,
                    ) from unlink_exc
                continue
            if exc.errno == errno.EISDIR:
                raise LockError(_not_a_file(path, "a folder"), path=path) from exc
            raise LockError(f"lock failed: cannot open {path}: {exc}", path=path) from exc
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise LockError(_not_a_file(path, _file_kind(mode)), path=path)
        return fd
    raise LockError(f"lock failed: cannot open {path}", path=path)


def _not_a_file(path: Path, what: str) -> str:
    return (
        f"lock failed: {display_path(path)} is {what}, not a regular file; remove it "
        "(takopi keeps its run lock there)"
    )


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


def _lock_owner(fd: int) -> int | None:
    """The pid holding a conflicting record lock on ``fd``'s file (0 when the lock is free,
    None when the OS cannot tell us)."""
    if not sys.platform.startswith("linux"):
        return None
    # struct flock on Linux: short l_type, short l_whence, off_t l_start, off_t l_len,
    # pid_t l_pid (and padding).
    layout = "hhqqi4x"
    query = struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
    try:
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    except OSError:
        return None
    l_type, _, _, _, pid = struct.unpack(layout, answer)
    return 0 if l_type == fcntl.F_UNLCK else pid


def _holder_of(fd: int) -> LockHolder:
    """Who holds the lock on ``fd``'s file: the OS's answer, with the record's details when
    the record is the holder's own."""
    record = _read_record(fd)
    owner = _lock_owner(fd)
    if not owner:
        return record or LockHolder(pid=None)
    if record is not None and record.pid == owner:
        return record
    return LockHolder(pid=owner)


def read_lock_holder(path: Path) -> LockHolder | None:
    """Who holds the lock at ``path`` right now, or None when it is free (or absent)."""
    with _HELD_GUARD:
        mine = _held_here(path)
        if mine is not None:
            return mine.holder or LockHolder(pid=os.getpid())
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            owner = _lock_owner(fd)
            if owner is None:  # no F_GETLK answer: try a shared lock instead
                try:
                    fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except OSError:
                    return _read_record(fd) or LockHolder(pid=None)
                fcntl.lockf(fd, fcntl.LOCK_UN)
                return None
            return _holder_of(fd) if owner else None
        finally:
            os.close(fd)


def _read_record(fd: int) -> LockHolder | None:
    try:
        data = os.pread(fd, _MAX_RECORD, 0)
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
    params: Mapping[str, inspect.Parameter]
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
    with _HELD_GUARD:
        if _held_here(path) is not None:
            return False  # ours, and live
        try:
            fd = _open_lock_file(path, create=False)
        except LockError:
            return False
        try:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # someone holds it after all
            try:
                if os.stat(path, follow_symlinks=False).st_ino != os.fstat(fd).st_ino:
                    return False
                os.unlink(path)
            except OSError:
                return False
            return True
        finally:
            os.close(fd)


# --- inspection (``takopi doctor``) ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LockFileState:
    """One lock file as found: who holds it now, and what it records."""

    path: Path
    holder: LockHolder | None
    """The live holder (None: nobody holds it, the file is stale)."""
    recorded: LockHolder | None
    """What the file says about the run that wrote it."""
    recorded_alive: bool
    """Whether the recorded pid is a running process (of any program)."""
    problem: str | None = None
    """Why the file cannot be a lock (a FIFO or a folder in its place)."""


def lock_files(config_path: Path) -> list[Path]:
    """Lock files of runs using this config's folder (``takopi.lock``, ``takopi-*.lock``)."""
    folder = config_path.expanduser().parent
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [
        folder / n
        for n in names
        if n == "takopi.lock" or (n.startswith("takopi-") and n.endswith(".lock"))
    ]


def recorded_holder(path: Path) -> LockHolder | None:
    """What the lock file at ``path`` records (never through a symlink, never blocking)."""
    with _HELD_GUARD:
        mine = _held_here(path)
        if mine is not None:  # never open (and close) our own lock file: that drops it
            return mine.holder
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            return _read_record(fd) if stat.S_ISREG(os.fstat(fd).st_mode) else None
        finally:
            os.close(fd)


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def inspect_locks(config_path: Path) -> list[LockFileState]:
    """Every lock file beside ``config_path``: held or stale, and what each records."""
    states = []
    for path in lock_files(config_path):
        problem = None
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            problem = "a symlink" if stat.S_ISLNK(mode) else _file_kind(mode)
        holder = read_lock_holder(path) if problem is None else None
        recorded = None if problem else (holder if holder else recorded_holder(path))
        alive = bool(recorded and recorded.pid and pid_alive(recorded.pid))
        states.append(LockFileState(path, holder, recorded, alive, problem))
    return states
