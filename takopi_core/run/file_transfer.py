"""`/file put` and `/file get` helpers transports share (upstream's ``takopi.telegram.files``).

Pure path and text helpers plus an atomic write and a size-capped zip; stdlib only. A path
from chat is accepted only when it is relative, stays inside the project root and is not
under ``.git`` or one of the deny globs.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

_SIZE_UNITS = ("b", "kb", "mb", "gb", "tb")


class ZipTooLargeError(Exception):
    """The folder asked for zips to more than the allowed size."""


def split_command_args(text: str) -> tuple[str, ...]:
    """Shell-like words of ``text``; plain whitespace words when its quoting is unbalanced."""
    if text.strip() == "":
        return ()
    try:
        return tuple(shlex.split(text))
    except ValueError:
        return tuple(text.split())


def file_usage() -> str:
    """The one-line usage of the /file command."""
    return "usage: `/file put <path>` or `/file get <path>`"


def parse_file_command(args_text: str) -> tuple[str | None, str, str | None]:
    """``(subcommand, rest, error)`` of `/file ARGS`: subcommand is ``put`` or ``get``, else
    None with the usage as the error."""
    words = split_command_args(args_text)
    rest = " ".join(words[1:]).strip()
    if not words:
        return None, "", file_usage()
    sub = words[0].lower()
    if sub in ("put", "get"):
        return sub, rest, None
    return None, rest, file_usage()


def parse_file_prompt(prompt: str, *, allow_empty: bool) -> tuple[str | None, bool, str | None]:
    """``(path, force, error)`` from the words after put/get: ``--force`` sets force, another
    ``--flag`` is an error, and an empty path is one unless ``allow_empty``."""
    force = False
    words: list[str] = []
    for word in split_command_args(prompt):
        if word == "--force":
            force = True
        elif word.startswith("--"):
            return None, force, f"unknown flag: {word}"
        else:
            words.append(word)
    path = " ".join(words).strip()
    if path:
        return path, force, None
    return None, force, (None if allow_empty else "missing path")


def normalize_relative_path(value: str) -> Path | None:
    """``value`` as a clean relative path, or None when it is empty, absolute, starts with
    ``~``, climbs out (``..``) or enters ``.git``."""
    text = value.strip()
    if not text or text.startswith("~"):
        return None
    candidate = Path(text)
    if candidate.is_absolute():
        return None
    parts = [part for part in candidate.parts if part not in ("", ".")]
    if not parts or ".." in parts or ".git" in parts:
        return None
    return Path(*parts)


def resolve_path_within_root(root: Path, rel_path: Path) -> Path | None:
    """``root / rel_path`` with links resolved, or None when that lands outside ``root``."""
    base = root.resolve(strict=False)
    target = (root / rel_path).resolve(strict=False)
    return target if target.is_relative_to(base) else None


def deny_reason(rel_path: Path, deny_globs: Sequence[str]) -> str | None:
    """The rule that forbids ``rel_path`` (``.git/**`` or the first matching glob), if any."""
    if ".git" in rel_path.parts:
        return ".git/**"
    posix = PurePosixPath(rel_path.as_posix())
    return next((glob for glob in deny_globs if posix.match(glob)), None)


def format_bytes(value: int) -> str:
    """A size for people: ``512 b``, ``1.5 kb``, ``20 mb`` (binary steps of 1024)."""
    size = max(0.0, float(value))
    unit_index = 0
    while size >= 1024 and unit_index < len(_SIZE_UNITS) - 1:
        size /= 1024
        unit_index += 1
    unit = _SIZE_UNITS[unit_index]
    if unit_index == 0:
        return f"{int(size)} {unit}"
    return f"{size:.1f} {unit}" if size < 10 else f"{size:.0f} {unit}"


def default_upload_name(filename: str | None, file_path: str | None) -> str:
    """The file name an upload is saved under: its own name, else its path's, else a default."""
    for candidate in (filename, file_path):
        name = Path(candidate or "").name
        if name:
            return name
    return "upload.bin"


def default_upload_path(uploads_dir: str, filename: str | None, file_path: str | None) -> Path:
    """Where an upload without an explicit path goes: ``uploads_dir/<name>``."""
    return Path(uploads_dir) / default_upload_name(filename, file_path)


def write_bytes_atomic(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` through a temporary file in the same folder, so readers
    see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".takopi-upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def zip_directory(
    root: Path, rel_path: Path, deny_globs: Sequence[str], *, max_bytes: int | None = None
) -> bytes:
    """The regular files under ``root / rel_path`` (links skipped, denied paths left out) as
    a zip, named relative to ``root``; ZipTooLargeError once it passes ``max_bytes``."""
    folder = root / rel_path
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for current, _dirs, names in os.walk(folder, followlinks=False):
            for name in sorted(names):
                item = Path(current) / name
                if item.is_symlink() or not item.is_file():
                    continue
                arcname = rel_path / item.relative_to(folder)
                if deny_reason(arcname, deny_globs) is not None:
                    continue
                archive.write(item, arcname=arcname.as_posix())
                if max_bytes is not None and buffer.tell() > max_bytes:
                    raise ZipTooLargeError(f"{rel_path} zips to more than {max_bytes} bytes")
    payload = buffer.getvalue()
    if max_bytes is not None and len(payload) > max_bytes:
        raise ZipTooLargeError(f"{rel_path} zips to more than {max_bytes} bytes")
    return payload
