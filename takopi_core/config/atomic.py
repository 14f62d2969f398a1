"""Atomic file replacement: a reader sees the old content or the new, never a mix.

The new bytes go to a temporary file in the target's own folder (so the final rename never
crosses file systems), are flushed and fsync'd, then renamed over the target; the folder is
fsync'd too so the rename itself survives a crash.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from takopi_core.config.toml import dangling_link_problem
from takopi_core.errors import ConfigError

PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700


def real_target(path: Path) -> Path:
    """The file a write to ``path`` should replace: symlinks are followed to their target,
    so replacing never turns a symlinked config into a regular file.

    A dangling link is a ConfigError naming the link and its target: writing through it
    would create files (and folders) wherever the link points.
    """
    if path.is_symlink():
        problem = dangling_link_problem(path)
        if problem is not None:
            raise ConfigError(f"{problem}; nothing was written")
        return Path(os.path.realpath(path))
    return path


def ensure_private_folder(folder: Path) -> None:
    """Create ``folder`` and any missing parents as 0700; existing folders are left alone."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):
            created.mkdir(mode=PRIVATE_FOLDER_MODE)
        # mkdir's mode is filtered by the umask; set it exactly.
        os.chmod(created, PRIVATE_FOLDER_MODE)


def write_atomic(target: Path, data: bytes, *, mode: int = PRIVATE_FILE_MODE) -> None:
    """Replace ``target`` with ``data`` atomically, leaving it with permission bits ``mode``.

    ``target`` must be the real file (see :func:`real_target`); its folder must exist.
    When ``target`` is a symlink (a planted ``.bak`` link, say), the link itself is replaced
    and its target is not touched: the rename does not follow it. The temporary file is
    created with ``O_EXCL`` (``mkstemp``), so a link planted under its name is never followed.
    """
    folder = target.parent
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            # mkstemp made it 0600; widen to the wanted mode only once it is complete, so
            # a temporary file left by a crash is never readable by others.
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    fsync_folder(folder)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
