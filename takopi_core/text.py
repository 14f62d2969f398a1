"""Untrusted text made safe to show: control characters escaped, never interpreted.

Plugin ids, distribution metadata, error messages, tracebacks and config values come from
code and files we do not control. Written to a terminal as they are, an ``ESC ] 52`` sequence
writes the clipboard, ``ESC [ 2J`` wipes the screen, ``ESC ] 0`` sets the window title. Every
output of such text goes through :func:`safe_text`, which turns each control character into a
visible escape (``\\x1b``), so the text stays readable and nothing reaches the terminal raw.
"""

from __future__ import annotations

import re
from typing import Any, TextIO, cast

#: C0 controls except tab and newline, DEL, and C1 controls (U+0080..U+009F: a terminal may
#: take U+009B as CSI on its own).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def safe_text(text: object) -> str:
    """``text`` as a string whose control characters are escaped (``ESC`` -> ``\\x1b``).

    Newlines and tabs are kept; a CRLF line ending becomes a newline. Nothing else changes,
    so text without control characters comes back as it is (and cheaply).
    """
    value = text if isinstance(text, str) else str(text)
    if _CONTROL.search(value) is None:
        return value
    return _CONTROL.sub(_escape, value.replace("\r\n", "\n"))


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``"1 plugin"``, ``"3 plugins"``: the count with the noun agreeing with it."""
    word = noun if count == 1 else (plural_form or noun + "s")
    return f"{count} {word}"


def has_control(text: str) -> bool:
    """Whether :func:`safe_text` would change ``text``."""
    return _CONTROL.search(text) is not None


class SafeStream:
    """A text stream that passes everything written through :func:`safe_text`.

    The CLI's commands print plugin metadata, plugin messages and config values; wrapping
    ``sys.stdout`` and ``sys.stderr`` with this guarantees that none of it writes a control
    sequence, whichever code path printed it. Everything but ``write`` is the wrapped
    stream's.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    @property
    def wrapped(self) -> TextIO:
        return self._stream

    def write(self, text: str) -> int:
        self._stream.write(safe_text(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def safe_stream(stream: TextIO) -> TextIO:
    """``stream`` wrapped in a :class:`SafeStream` (typed as the stream it stands for)."""
    return cast(TextIO, SafeStream(stream))
