"""Key paths and values as the CLI takes and shows them: parse, look up, write as TOML.

``parse_key``/``parse_value`` read what the user types (``transports.telegram.chat_id``,
``123``); ``lookup``/``flatten`` walk a parsed config; ``toml_literal``/``masked_literal``
show a value as inline TOML (secrets masked); ``unified_diff`` shows an edit.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from takopi_core.config.toml import type_name
from takopi_core.errors import ConfigError
from takopi_core.secrets import MASK, Masker

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
    import tomllib  # imported on first use, so commands that never parse a value skip it

    try:
        parsed = tomllib.loads(f"__value__ = {text}\n")
    except tomllib.TOMLDecodeError:
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
