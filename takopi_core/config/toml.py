"""Reading ``takopi.toml``: where it is, reading its bytes safely, parsing with ``tomllib``.

Nothing here writes. :class:`~takopi_core.config.file.ConfigFile` builds on these to read,
edit and save the file. Key paths and values as the CLI shows and parses them live in
:mod:`takopi_core.config.keys`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import ModuleType
from typing import Any

from takopi_core.errors import ConfigError
from takopi_core.ids import CONFIG_ENV
from takopi_core.secrets import error_line
from takopi_core.text import safe_text

#: The most bytes a config file may hold. Real configs are a few KiB; the cap keeps a huge or
#: endless file (a link to /dev/zero) from taking the memory and minutes to read and edit.
MAX_CONFIG_BYTES = 8 * 1024 * 1024
#: How deep tables and arrays may nest. tomllib recurses per level (a deeper file ends in a
#: RecursionError) and tomlkit, which edits the file, stops at 100 levels too.
MAX_NESTING = 100
#: How much of an offending line an error message shows.
SHOWN_LINE_WIDTH = 120


def _tomllib() -> ModuleType:
    """tomllib, imported on the first parse, so a missing config never pays for it."""
    import tomllib

    return tomllib


def home_config_path() -> Path:
    """``~/.takopi/takopi.toml``, computed when asked so tests can point HOME elsewhere."""
    return Path.home() / ".takopi" / "takopi.toml"


def resolve_config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the config lives: ``--config PATH``, then ``$TAKOPI_CONFIG``, then the home one."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return home_config_path()


def parse_toml_text(text: str, path: Path) -> dict[str, Any]:
    """Parse TOML, turning a syntax error into a ConfigError with path, line, column and line.

    Tables and arrays nested deeper than :data:`MAX_NESTING` are refused the same way, so
    no later step (display, masking, editing) recurses without bound.
    """
    try:
        data: dict[str, Any] = _tomllib().loads(text)
    except _tomllib().TOMLDecodeError as exc:
        raise ConfigError(describe_toml_error(exc, text, path)) from None
    except RecursionError:
        raise ConfigError(describe_too_deep(text, path, None)) from None
    deep = too_deep_path(data)
    if deep is not None:
        raise ConfigError(describe_too_deep(text, path, deep))
    return data


def too_deep_path(data: dict[str, Any]) -> str | None:
    """The key path of the first place nested deeper than :data:`MAX_NESTING`, or None.

    Walks with an explicit stack: the point is to never recurse on untrusted depth.
    """
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_NESTING:
            return where
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((item, depth + 1, f"{where}.{key}" if where else str(key)))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                stack.append((item, depth + 1, f"{where}[{index}]"))
    return None


def describe_too_deep(text: str, path: Path, where: str | None) -> str:
    """The message for a file nested too deeply: the place (from tomlkit, which stops at
    the first level too many, when it can tell) or the key path."""
    reason = f"tables and arrays nest more than {MAX_NESTING} levels deep"
    if where is not None:
        if len(where) > SHOWN_LINE_WIDTH:
            where = where[: SHOWN_LINE_WIDTH // 2] + "…" + where[-SHOWN_LINE_WIDTH // 2 :]
        reason += f" (at `{safe_text(where)}`)"
    line_col = _locate_nesting(text)
    if line_col is None:
        return f"{path}: invalid config: {reason}; flatten the file"
    line_no, col = line_col
    shown, caret = _shown_line(_lines(text), line_no, col)
    return (
        f"{path}:{line_no}:{col}: invalid config: {reason}; flatten the file\n"
        f"  {line_no} | {shown}\n"
        f"  {' ' * len(str(line_no))} | {caret}"
    )


def _locate_nesting(text: str) -> tuple[int, int] | None:
    import tomlkit  # only on this error path: tomlkit reports where nesting went too deep

    try:
        tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        if "nested more than" in str(exc):
            return exc.line, exc.col + 1
    except Exception:  # a RecursionError too: only a better place is lost
        return None
    return None


def _lines(text: str) -> list[str]:
    """The lines as tomllib counts them (a lone CR does not end a line)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _shown_line(lines: list[str], line_no: int, col: int) -> tuple[str, str]:
    """The offending line (escaped, cut to a window around ``col``) and its caret line."""
    shown = error_line(lines, line_no)  # a secret on the line is masked
    start = 0
    if len(shown) > SHOWN_LINE_WIDTH:
        start = max(0, min(col - 1 - SHOWN_LINE_WIDTH // 2, len(shown) - SHOWN_LINE_WIDTH))
        shown = shown[start : start + SHOWN_LINE_WIDTH]
    before = safe_text(shown[: max(col - 1 - start, 0)])
    return safe_text(shown), " " * len(before) + "^"


def describe_toml_error(exc: ValueError, text: str, path: Path) -> str:
    message = str(exc)
    # tomllib appends " (at line L, column C)"; keep the reason and show the line itself.
    reason, _, where = message.partition(" (at ")
    line_no = col = None
    if where.startswith("line "):
        parts = where.rstrip(")").replace(",", "").split()
        try:
            line_no, col = int(parts[1]), int(parts[3])
        except (IndexError, ValueError):
            line_no = col = None
    lines = text.splitlines()
    if line_no is None and where.startswith("end of document") and lines:
        line_no, col = len(lines), len(lines[-1]) + 1
        reason += " at the end of the file"
    if line_no is None or col is None:
        return f"{path}: invalid TOML: {safe_text(message)}"
    if "\r" in text.replace("\r\n", ""):
        lines = _lines(text)  # a lone CR: count lines as tomllib does
        if _char_at(lines, line_no, col) == "\r":
            reason += " (a carriage return without a newline: use \\n or \\r\\n line ends)"
    shown, caret = _shown_line(lines, line_no, col)
    return (
        f"{path}:{line_no}:{col}: invalid TOML: {reason}\n"
        f"  {line_no} | {shown}\n"
        f"  {' ' * len(str(line_no))} | {caret}"
    )


def _char_at(lines: list[str], line_no: int, col: int) -> str:
    if not 0 < line_no <= len(lines):
        return ""
    line = lines[line_no - 1]
    return line[col - 1] if 0 < col <= len(line) else ""


def read_config_data(path: Path) -> dict[str, Any]:
    """Read and parse ``path``; a missing file is an empty config, not an error.

    The same reader as :meth:`ConfigFile.load <takopi_core.config.file.ConfigFile.load>`
    (:func:`read_config_bytes`, :func:`decode_config`), so every command accepts and refuses
    the same files.
    """
    raw = read_config_bytes(path)
    if raw is None:
        return {}
    return parse_toml_text(decode_config(raw, path), path)


def enabled_list(data: dict[str, Any], path: Path) -> list[str]:
    """``[plugins] enabled`` as a list of names; wrong types name the key path."""
    plugins = data.get("plugins")
    if plugins is None:
        return []
    if not isinstance(plugins, dict):
        raise ConfigError(f"{path}: `plugins` must be a table, found {type_name(plugins)}")
    enabled = plugins.get("enabled", [])
    if not isinstance(enabled, list):
        raise ConfigError(
            f"{path}: `plugins.enabled` must be an array of strings, found {type_name(enabled)}"
        )
    names: list[str] = []
    for index, item in enumerate(enabled):
        if not isinstance(item, str):
            raise ConfigError(
                f"{path}: `plugins.enabled[{index}]` must be a string, found {type_name(item)}"
            )
        if item.strip():
            names.append(item.strip())
    return names


def type_name(value: object) -> str:
    """A TOML-flavoured name for a Python value's type, for error messages."""
    match value:
        case bool():
            return "a boolean"
        case int():
            return "an integer"
        case float():
            return "a float"
        case str():
            return "a string"
        case list():
            return "an array"
        case dict():
            return "a table"
        case _:
            return f"a {type(value).__name__}"


# --- display helpers -----------------------------------------------------------------------


def display_path(path: Path) -> str:
    """``~/<relative>`` for paths under the home folder, otherwise the path as given."""
    try:
        relative = path.expanduser().relative_to(Path.home())
    except ValueError:
        return str(path)
    return "~" if str(relative) == "." else f"~/{relative}"


def read_config_bytes(path: Path) -> bytes | None:
    """The file's bytes, ``None`` when it does not exist; other problems are ConfigErrors.

    Only a regular file is read (a FIFO would block, a device never end), and at most
    :data:`MAX_CONFIG_BYTES` of it. A symlink is followed to an existing target; a dangling
    one is an error naming the link and its target, since writing would create that target.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    via = ""
    if stat.S_ISLNK(info.st_mode):
        via = f" (a symlink to {safe_text(os.readlink(path))})"
        dangling = dangling_link_problem(path)
        if dangling is not None:
            raise ConfigError(dangling)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}{via}: cannot read: {exc.strerror or exc}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            kind = file_kind(opened.st_mode)
            raise ConfigError(
                f"{path}{via}: is {kind}, not a regular file; the config must be a TOML file"
            )
        if opened.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(_too_big(path, via, f"{opened.st_size:,} bytes"))
        chunks: list[bytes] = []
        total = 0
        while total <= MAX_CONFIG_BYTES:  # the file may grow while it is read
            chunk = os.read(fd, min(1 << 20, MAX_CONFIG_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_CONFIG_BYTES:
            raise ConfigError(_too_big(path, via, "more than that"))
        return b"".join(chunks)
    except OSError as exc:
        raise ConfigError(f"{path}{via}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _too_big(path: Path, via: str, size: str) -> str:
    limit = MAX_CONFIG_BYTES // (1024 * 1024)
    return (
        f"{path}{via}: is too big for a config file ({size}; the limit is {limit} MiB "
        f"= {MAX_CONFIG_BYTES:,} bytes); nothing was read"
    )


def dangling_link_problem(path: Path) -> str | None:
    """The message for ``path`` being a symlink whose target does not exist, else None."""
    if not os.path.islink(path) or os.path.exists(path):
        return None
    target = os.readlink(path)
    try:
        os.stat(path)
    except OSError as exc:
        if exc.strerror and exc.errno != 2:  # ELOOP and the like
            return (
                f"{path}: is a symlink to {safe_text(target)} that cannot be followed "
                f"({exc.strerror}); fix or remove the link"
            )
    return (
        f"{path}: is a symlink to {safe_text(target)}, which does not exist; create "
        "the target or remove the link (nothing is created through a dangling link)"
    )


def file_kind(mode: int) -> str:
    """``a directory``, ``a FIFO (named pipe)``... for an ``st_mode`` that is not a file."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


#: A UTF-8 byte order mark; TOML forbids it and tomllib reports it as an invalid statement.
_BOM = b"\xef\xbb\xbf"


def decode_config(raw: bytes, path: Path) -> str:
    """The file's text (UTF-8, line ends kept as they are); a ConfigError names the place."""
    if raw.startswith(_BOM):
        raise ConfigError(
            f"{path}:1:1: starts with a UTF-8 byte order mark (BOM), which TOML does not "
            "allow; save the file as UTF-8 without BOM"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{path}:{line}:{col}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
            "save the file as UTF-8"
        ) from None
