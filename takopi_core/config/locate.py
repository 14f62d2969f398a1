"""Where a key is set in a config's text: the line number for messages that name a key path.

The checks in :mod:`takopi_core.config.settings` work on parsed data, which has no line
numbers (tomllib keeps none). :func:`key_line` finds the line by a plain scan of the text:
table headers and ``key = value`` lines, their keys read by tomllib itself so quoted and
dotted keys count as TOML says. A key set inside an inline table or a multi-line value is
not found (None): the message then names the key path alone.

:func:`with_lines` adds the line to messages in the settings checks' form
``<file>: `<key.path>` <what is wrong>``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path

# A table header: [a.b] or [[a.b]], then maybe a comment.
_HEADER = re.compile(r"^\[\[?(?P<keys>[^\[\]]+)\]\]?\s*(#.*)?$")
# A settings-check message: <file>: `<key.path>` <what is wrong>
_MESSAGE = re.compile(r"^(?P<file>.+?): `(?P<keys>[^`]+)` (?P<rest>.*)$")
# An array index at the end of a key path: plugins.enabled[0]
_INDEX = re.compile(r"\[\d+\]$")


def dotted_keys(text: str) -> tuple[str, ...] | None:
    """``a."b c".d`` -> ``("a", "b c", "d")``, read as TOML reads a key; None if it is not one."""
    try:
        data = tomllib.loads(f"{text.strip()} = 0")
    except tomllib.TOMLDecodeError:
        return None
    keys: list[str] = []
    node: object = data
    while isinstance(node, dict) and len(node) == 1:
        key, node = next(iter(node.items()))
        keys.append(key)
    return tuple(keys) if node == 0 else None


def key_line(text: str, keys: Sequence[str]) -> int | None:
    """The 1-based line that sets ``keys`` (or starts that table); None when not found."""
    target = tuple(keys)
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _HEADER.match(stripped)
        if header is not None:
            table = dotted_keys(header["keys"]) or ()
            if table == target:
                return number
            continue
        name, equals, _ = stripped.partition("=")
        if not equals:
            continue
        path = dotted_keys(name)
        if path is not None and (table + path)[: len(target)] == target:
            return number
    return None


def with_lines(message: str, path: Path | str, text: str) -> str:
    """``message`` with each ``<file>: `<key>` ...`` line of ``path`` given the key's line
    (``<file>:<line>: `<key>` ...``); other lines, and keys not found, stay as they are."""
    lines = []
    for line in message.splitlines():
        found = _MESSAGE.match(line)
        if found is not None and found["file"] == str(path):
            keys = dotted_keys(_INDEX.sub("", found["keys"]))
            number = key_line(text, keys) if keys else None
            if number is not None:
                line = f"{found['file']}:{number}: `{found['keys']}` {found['rest']}"
        lines.append(line)
    return "\n".join(lines)
