"""The cross-process lock around every write of ``takopi.toml``.

Two writers (two ``takopi config set``, the TUI and ``takopi setup``) each read the file,
change it and write it back. Without a lock, both pass the "unchanged since read" check and the
second rename drops the first one's change. :class:`~takopi_core.config.file.ConfigFile` holds
this lock from that check to the rename, so a writer either sees the other's change (and is
told to reload) or its own write lands after it.

The lock is an OS lock (``flock``) on a sidecar file, ``<config>.lock`` beside the config path
(for a symlinked config: beside the link, as the ``.bak`` is).
It comes from `filelock <https://py-filelock.readthedocs.io/>`_, a well-kept library that
handles the details (polling on contention, a lock that dies with its holder); it
opens the lock file with ``O_NOFOLLOW`` and never truncates it, so a lock file planted as a
symlink cannot be used to clobber another file: such a link is removed and replaced by a
regular file. The lock file is never written to and stays in place (waiters must share one
inode), so it holds no data.

Held only for the short check-and-write, never while a user looks at a diff: the TUI stages
edits without it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from takopi_core.errors import ConfigConflictError, ConfigError

#: How long a writer waits for another writer before giving up (a save takes milliseconds).
DEFAULT_LOCK_TIMEOUT = 10.0

_LOCK_FILE_MODE = 0o600


class ConfigBusyError(ConfigConflictError):
    """Another process held the config's lock for longer than the time limit; nothing was
    written and the writer should try again."""


def lock_path_for(config_path: Path) -> Path:
    """The sidecar lock file of ``config_path``: ``<name>.lock`` beside it (beside the link
    of a symlinked config, like the ``.bak``, so a dotfiles folder gets no lock files)."""
    return config_path.with_name(config_path.name + ".lock")


@contextlib.contextmanager
def config_write_lock(
    config_path: Path, *, timeout: float = DEFAULT_LOCK_TIMEOUT
) -> Iterator[None]:
    """Hold the write lock of the config at ``config_path`` (its folder must exist).

    Raises :class:`ConfigBusyError` after ``timeout`` seconds of waiting, and
    :class:`ConfigError` when the lock file cannot be used.
    """
    from filelock import FileLock, Timeout

    lock_file = lock_path_for(config_path)
    where = config_path
    _replace_planted_link(lock_file)
    # A new lock object each time: filelock refuses one inherited across fork(), and two
    # objects (two threads' saves) exclude each other as two processes would.
    lock = FileLock(lock_file, mode=_LOCK_FILE_MODE)
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise ConfigBusyError(
            f"{where}: another takopi process is writing the config (its lock {lock_file} "
            f"was held for over {timeout:g} s); nothing was written. Try again."
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            reason = "it is a symlink (a lock file must be a regular file); remove it"
        else:
            reason = exc.strerror or str(exc)
        raise ConfigError(
            f"{where}: cannot take the write lock {lock_file}: {reason}; nothing was written"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _replace_planted_link(lock_file: Path) -> None:
    """Remove ``lock_file`` when it is a symlink: the link goes, its target is not touched.

    filelock opens with O_NOFOLLOW and would fail on the link; removing it lets the lock be
    a regular file again (the lock holds no data, so nothing is lost)."""
    try:
        info = os.lstat(lock_file)
    except OSError:
        return
    if stat.S_ISLNK(info.st_mode):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_file)
