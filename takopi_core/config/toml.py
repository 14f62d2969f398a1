"""Reading ``takopi.toml``: where it is, parsing with ``tomllib``, key paths and values.

Nothing here writes. :class:`~takopi_core.config.file.ConfigFile` builds on these to read,
edit and save the file; the CLI uses them to show and parse keys and values.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any

from takopi_core.errors import ConfigError
from takopi_core.secrets import MASK, Masker, error_line

CONFIG_ENV = "TAKOPI_CONFIG"


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
    """Parse TOML, turning a syntax error into a ConfigError with path, line, column and line."""
    try:
        return _tomllib().loads(text)
    except _tomllib().TOMLDecodeError as exc:
        raise ConfigError(describe_toml_error(exc, text, path)) from None


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
        return f"{path}: invalid TOML: {message}"
    shown = error_line(lines, line_no)  # a secret on the line is masked
    caret = " " * max(col - 1, 0) + "^"
    return (
        f"{path}:{line_no}:{col}: invalid TOML: {reason}\n"
        f"  {line_no} | {shown}\n"
        f"  {' ' * len(str(line_no))} | {caret}"
    )


def read_config_data(path: Path) -> dict[str, Any]:
    """Read and parse ``path``; a missing file is an empty config, not an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a TOML file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_toml_text(text, path)


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


# --- key paths and values given on the command line ----------------------------------------

_KEY_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")


def parse_key(raw: str) -> tuple[str, ...]:
    """``transports.telegram.chat_id`` -> ``("transports", "telegram", "chat_id")``."""
    text = raw.strip()
    if not text:
        raise ConfigError("invalid key path: expected a non-empty value")
    parts = tuple(text.split("."))
    for part in parts:
        if not part:
            raise ConfigError(f"invalid key path {raw!r}: empty segment")
        if not _KEY_SEGMENT.match(part):
            raise ConfigError(
                f"invalid key segment {part!r} in {raw!r}: use only letters, numbers, '_' or '-'"
            )
    return parts


def parse_value(raw: str) -> Any:
    """A command-line value: a TOML value when it parses as one, else the string itself.

    ``123`` -> 123, ``true`` -> True, ``["a", "b"]`` -> a list, ``claude`` -> "claude".
    """
    text = raw.strip()
    if not text:
        return ""
    try:
        parsed = _tomllib().loads(f"__value__ = {text}\n")
    except _tomllib().TOMLDecodeError:
        return text
    if list(parsed) != ["__value__"]:
        return text  # the text smuggled in more keys: take it literally
    return parsed["__value__"]


def lookup(data: dict[str, Any], keys: tuple[str, ...], path: Path) -> tuple[bool, Any]:
    """``(found, value)`` for a key path; a non-table on the way is a ConfigError."""
    current: Any = data
    for depth, key in enumerate(keys):
        if not isinstance(current, dict):
            prefix = ".".join(keys[:depth])
            raise ConfigError(f"{path}: `{prefix}` is {type_name(current)}, not a table")
        if key not in current:
            return False, None
        current = current[key]
    return True, current


def flatten(
    data: dict[str, Any], prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Any]]:
    """Every leaf as ``(key path, value)``, keys sorted at each level; empty tables vanish."""
    leaves: list[tuple[tuple[str, ...], Any]] = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, dict):
            leaves.extend(flatten(value, (*prefix, key)))
        else:
            leaves.append(((*prefix, key), value))
    return leaves


def toml_literal(value: Any) -> str:
    """A value written as inline TOML: ``"text"``, ``12``, ``true``, ``["a", 1]``, ``{a = 1}``."""
    match value:
        case bool():
            return "true" if value else "false"
        case int():
            return str(value)
        case float():
            if value != value:
                return "nan"
            if value in (float("inf"), float("-inf")):
                return "inf" if value > 0 else "-inf"
            return repr(value)
        case str():
            return _toml_string(value)
        case list():
            return "[" + ", ".join(toml_literal(item) for item in value) + "]"
        case dict():
            if not value:
                return "{}"
            inner = ", ".join(f"{_toml_key(k)} = {toml_literal(v)}" for k, v in value.items())
            return "{ " + inner + " }"
        case _ if hasattr(value, "isoformat"):
            return value.isoformat()
        case _:
            raise ConfigError(f"cannot show a {type(value).__name__} as a TOML value")


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _KEY_SEGMENT.match(key) else _toml_string(key)


def masked_literal(
    keys: tuple[str, ...], value: Any, *, show_secrets: bool, masker: Masker | None = None
) -> str:
    """``toml_literal(value)``, with every secret value in it shown as the mask.

    Secret: under a secret-named key, or (with ``masker``) a declared secret field.
    """
    if show_secrets:
        return toml_literal(value)
    masker = masker or Masker()
    if masker.is_secret(keys):
        return MASK
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ", ".join(
            f"{_toml_key(k)} = {masked_literal((*keys, k), v, show_secrets=False, masker=masker)}"
            for k, v in value.items()
        )
        return "{ " + inner + " }"
    if isinstance(value, list):
        items = (masked_literal(keys, v, show_secrets=False, masker=masker) for v in value)
        return "[" + ", ".join(items) + "]"
    return toml_literal(value)


def unified_diff(old: str, new: str, label: str) -> str:
    """A unified diff of two config texts ("" when they are equal)."""
    import difflib  # only diffs need it; plain reads stay cheap

    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    for lines in (old_lines, new_lines):
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n\\ No newline at end of file\n"
    return "".join(
        difflib.unified_diff(old_lines, new_lines, fromfile=label, tofile=f"{label} (new)")
    )


def read_config_bytes(path: Path) -> bytes | None:
    """The file's bytes, ``None`` when it does not exist; other problems are ConfigErrors."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a TOML file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def decode_config(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
