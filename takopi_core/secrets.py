"""Secrets: which config values are one, and how every output hides them.

A key whose name contains ``token``, ``secret``, ``password`` or ``key`` holds a secret, and
so does every value below it (in tables, arrays, arrays of tables and inline tables). So does a
transport's declared ``SetupField(secret=True)``, whatever its key is called: those paths come
from the plugin (see :mod:`takopi_core.plugins.secret_fields`) and are handed in here.

Outputs show :data:`MASK` instead unless the user asks. Free text (a plugin's error message, a
setup issue, a log line) may quote a secret back; :meth:`Masker.text` replaces every known
secret value in it. One :class:`Masker` per config serves every output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: A key whose name contains one of these holds a secret: masked unless asked.
SECRET_WORDS: tuple[str, ...] = ("token", "secret", "password", "key")
MASK = "********"
#: Values shorter than this are not searched for in free text: masking "1" or "yes" would
#: garble every message, and such a value is no secret worth the name.
MIN_MASKED_LENGTH = 4

KeyPath = tuple[str, ...]


def is_secret_key(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def is_secret_path(keys: tuple[str, ...]) -> bool:
    """True when any key on the path names a secret (``api_keys.openai`` is one too)."""
    return any(is_secret_key(key) for key in keys)


def leaves(data: Mapping[str, Any], prefix: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    """Every scalar in ``data`` with the key path to it.

    Tables are walked by key; an array's items (scalars, inline tables, the tables of an
    array of tables) are reported under the array's own key path, since secrecy depends on
    key names, not positions.
    """
    for key, value in data.items():
        yield from _leaves_of(value, (*prefix, str(key)))


def _leaves_of(value: Any, keys: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    if isinstance(value, Mapping):
        yield from leaves(value, keys)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves_of(item, keys)
    else:
        yield keys, value


def mask_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by the mask.

    Longer secrets first, so one that contains another is masked whole. Values shorter than
    :data:`MIN_MASKED_LENGTH` are left alone.
    """
    for secret in sorted(
        {s for s in secrets if len(s) >= MIN_MASKED_LENGTH}, key=len, reverse=True
    ):
        text = text.replace(secret, MASK)
    return text


@dataclass(frozen=True, slots=True)
class Masker:
    """What to hide in one config's outputs.

    ``paths`` are declared secret fields (``("transports", "slack", "webhook_url")``);
    secret-named keys need no listing. ``values`` are the secret values the config holds,
    masked wherever they appear in free text. ``Masker()`` masks by key names only.
    """

    paths: tuple[KeyPath, ...] = ()
    values: tuple[str, ...] = ()

    @classmethod
    def for_config(cls, data: Mapping[str, Any] | None, paths: Iterable[KeyPath] = ()) -> Masker:
        """The masker of ``data``: its secret values, by key name and by ``paths``."""
        declared = tuple(dict.fromkeys(tuple(p) for p in paths))
        masker = cls(paths=declared)
        return cls(paths=declared, values=tuple(masker.secret_values(data or {})))

    def is_secret(self, keys: Sequence[str]) -> bool:
        """True for a secret-named key path, or a declared secret field or anything below it."""
        keys = tuple(keys)
        return is_secret_path(keys) or any(keys[: len(p)] == p for p in self.paths)

    def secret_values(self, data: Mapping[str, Any]) -> list[str]:
        """Every secret value in ``data`` as a string (arrays and nested tables included)."""
        found: dict[str, None] = {}
        for keys, value in leaves(data):
            if self.is_secret(keys) and not isinstance(value, bool) and value is not None:
                text = str(value)
                if text:
                    found[text] = None
        return list(found)

    def secret_keys(self, data: Mapping[str, Any]) -> list[KeyPath]:
        """The key paths in ``data`` that hold a non-empty secret (an array's once)."""
        found: dict[KeyPath, None] = {}
        for keys, value in leaves(data):
            if self.is_secret(keys) and value not in (None, ""):
                found[keys] = None
        return list(found)

    def text(self, text: str) -> str:
        """Free text with every known secret value masked."""
        return mask_text(text, self.values) if self.values else text

    def data(self, value: Any) -> Any:
        """A JSON-like value with every string passed through :meth:`text`."""
        if not self.values:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        if isinstance(value, Mapping):
            return {key: self.data(item) for key, item in value.items()}
        return value


# --- a line of a config that does not parse ---------------------------------------------------

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
#: ``key =`` / ``a."b".c =`` at the start of a line (the value follows).
_ASSIGNMENT = re.compile(rf"^\s*{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*\s*=")
_HEADER = re.compile(r"^\s*\[")
_BARE_PREFIX = re.compile(r"^\s*[A-Za-z0-9_.-]*")


def _names_secret(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in SECRET_WORDS)


def error_line(lines: Sequence[str], line_no: int) -> str:
    """Line ``line_no`` (1-based) of a config that failed to parse, as an error may show it.

    The file did not parse, so key paths are unknown; the text decides. When the line, the
    table header above it, or the assignment it continues (a multi-line array or string)
    names a secret, everything after ``=`` is masked (the whole line when it has no ``=``):
    the key and the column stay visible, the value never does.
    """
    if not 0 < line_no <= len(lines):
        return ""
    line = lines[line_no - 1]
    assignment = _ASSIGNMENT.match(line)
    secret = _names_secret(line)
    continued = assignment is not None  # a line with its own key continues nothing
    for previous in reversed(lines[: line_no - 1]):
        if _HEADER.match(previous):
            secret = secret or _names_secret(previous)
            break
        opened = _ASSIGNMENT.match(previous)
        if opened is not None and not continued:
            secret = secret or _names_secret(opened.group())
            continued = True
    if not secret:
        return line
    if _HEADER.match(line):
        head, bracket, rest = line.partition("]")
        head += bracket + ("]" if rest.startswith("]") else "")
        return f"{head} {MASK}" if rest.strip("] \t") else line
    if assignment is not None:
        return f"{assignment.group()} {MASK}"
    prefix = _BARE_PREFIX.match(line)
    kept = prefix.group() if prefix is not None and _names_secret(prefix.group()) else ""
    indent = line[: len(line) - len(line.lstrip())]
    return f"{kept or indent} {MASK}".rstrip() if kept else f"{indent}{MASK}"
