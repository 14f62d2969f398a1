"""Terminal plumbing for the ``terminal`` transport: the screen, the line editor, and the
``Transport`` that turns sends and edits into terminal output.

The screen keeps finished output in the normal scrollback and redraws a small "live region"
at the bottom in place: the progress messages of running tasks, then the input line. Live
lines are cut to the terminal width so the region's height is always known, which is what
makes moving the cursor back up to redraw it reliable.

Everything shown is agent or plugin output, so control characters are made visible rather
than sent to the terminal: an answer containing escape sequences cannot repaint the screen.
"""

from __future__ import annotations

import codecs
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from takopi_core.run.transport import ChannelId, MessageRef, RenderedMessage, SendOptions
from takopi_core.text import safe_text


def sanitize(text: str) -> str:
    """``text`` with control characters (other than newline) shown escaped (``\\x1b``),
    as every output of untrusted text shows them (:func:`takopi_core.text.safe_text`);
    tabs become spaces, so the width of a live line is known."""
    return safe_text(text).replace("\t", "    ")


# --- screen --------------------------------------------------------------------------------

DIM = "\x1b[2m"
BOLD = "\x1b[1m"
RESET = "\x1b[0m"


class TerminalScreen:
    """Scrollback output plus an in-place live region (interactive mode).

    Without a terminal (output piped), live messages are never drawn: only committed output
    is written, which keeps logs and test transcripts clean.
    """

    prompt = "> "

    def __init__(
        self,
        stream: TextIO,
        *,
        interactive: bool,
        color: bool = False,
        size: Callable[[], tuple[int, int]] | None = None,
    ) -> None:
        self._stream = stream
        self.interactive = interactive
        self._color = color and interactive
        self._size = size or _terminal_size
        self._live: dict[int, str] = {}
        self._input = ""
        self._drawn_rows = 0
        self._closed = False

    def style(self, text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if self._color else text

    def write_block(self, text: str, *, style: str | None = None) -> None:
        """Print ``text`` into the scrollback, followed by a blank line."""
        lines = sanitize(text).rstrip("\n")
        if style:
            lines = "\n".join(self.style(line, style) for line in lines.split("\n"))
        self._render(pending=lines + "\n\n")

    def set_live(self, key: int, text: str) -> None:
        self._live[key] = text
        self._render()

    def drop_live(self, key: int) -> None:
        if self._live.pop(key, None) is not None:
            self._render()

    def set_input(self, buffer: str) -> None:
        self._input = buffer
        self._render()

    def close(self) -> None:
        """Erase the live region and leave the cursor on a fresh line."""
        if self._closed:
            return
        self._live.clear()
        self._input = ""
        if self.interactive:
            self._stream.write(self._erase())
            self._stream.flush()
        self._drawn_rows = 0
        self._closed = True

    # -- drawing -----------------------------------------------------------------------------

    def _erase(self) -> str:
        if self._drawn_rows == 0:
            return "\r\x1b[J"
        up = f"\x1b[{self._drawn_rows - 1}A" if self._drawn_rows > 1 else ""
        return f"\r{up}\x1b[J"

    def _render(self, pending: str = "") -> None:
        if self._closed:
            if pending:
                self._stream.write(pending)
                self._stream.flush()
            return
        if not self.interactive:
            if pending:
                self._stream.write(pending)
                self._stream.flush()
            return
        columns, rows = self._size()
        width = max(columns - 1, 10)
        live_lines = self._live_lines(width, max_rows=max(rows - 2, 1))
        input_line = self.prompt + _tail(self._input.replace("\n", " ↵ "), width - len(self.prompt))
        frame = [self._erase(), pending]
        frame.append("".join(line + "\n" for line in live_lines))
        frame.append(input_line)
        self._stream.write("".join(frame))
        self._stream.flush()
        self._drawn_rows = len(live_lines) + 1

    def _live_lines(self, width: int, *, max_rows: int) -> list[str]:
        lines: list[str] = []
        for text in self._live.values():
            lines.extend(_clip(line, width) for line in sanitize(text).split("\n"))
            lines.append("")
        if len(lines) > max_rows:
            # Keep the newest rows: they hold the latest progress and the resume line.
            lines = ["…", *lines[len(lines) - max_rows + 1 :]]
        return [self.style(line, DIM) if line else line for line in lines]


def _terminal_size() -> tuple[int, int]:
    """(columns, lines) of the terminal, 80x24 when there is none."""
    size = shutil.get_terminal_size((80, 24))
    return size.columns, size.lines


def _clip(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def _tail(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


# --- line editor ---------------------------------------------------------------------------


class EndOfInput(Exception):
    """Ctrl+D on an empty line."""


class LineEditor:
    """Turns raw terminal bytes into an edit buffer and submitted lines.

    Handles backspace, Ctrl+U (clear), Ctrl+W (delete word), Ctrl+D (end of input on an empty
    line) and bracketed paste, so a pasted multi-line block (an answer with its resume line)
    arrives as one message instead of one per line. Other escape sequences are ignored.
    """

    PASTE_START = "\x1b[200~"
    PASTE_END = "\x1b[201~"

    def __init__(self) -> None:
        self.buffer = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._escape: str | None = None
        self._pasting = False
        self._last = ""

    def feed(self, data: bytes) -> list[str]:
        """Apply ``data``; return the lines submitted by it. Raises EndOfInput on Ctrl+D."""
        submitted: list[str] = []
        for char in self._decoder.decode(data):
            self._feed_char(char, submitted)
        return submitted

    def _feed_char(self, char: str, submitted: list[str]) -> None:
        last, self._last = self._last, char
        if self._escape is not None:
            self._escape += char
            sequence = self._escape
            if len(sequence) == 2 and char != "[":
                self._escape = None  # Alt+key: ignored
            elif len(sequence) > 2 and "\x40" <= char <= "\x7e":
                self._escape = None
                if sequence == self.PASTE_START:
                    self._pasting = True
                elif sequence == self.PASTE_END:
                    self._pasting = False
            return
        if char == "\x1b":
            self._escape = char
        elif char in "\r\n":
            if self._pasting:
                if not (char == "\n" and last == "\r"):
                    self.buffer += "\n"
            elif char == "\n" and last == "\r":
                pass  # CRLF from a terminal that sends both
            else:
                submitted.append(self.buffer)
                self.buffer = ""
        elif char in "\x7f\x08":
            self.buffer = self.buffer[:-1]
        elif char == "\x04":
            if not self.buffer:
                raise EndOfInput
        elif char == "\x15":
            self.buffer = ""
        elif char == "\x17":
            self.buffer = re.sub(r"\S*\s*$", "", self.buffer.rstrip(" "), count=1)
        elif char == "\t":
            self.buffer += "    "
        elif char >= " ":
            self.buffer += char


# --- transport -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Message:
    text: str
    live: bool
    turn: int | str | None


class TerminalTransport:
    """The ``Transport`` of the terminal chat.

    A message sent without notification (a progress message) is live: it is redrawn in place
    on every edit until its turn is committed, deleted, or replaced by the final answer. A
    notifying message (a final answer, a reply) goes straight to the scrollback.
    """

    channel_id: ChannelId = "terminal"

    def __init__(self, screen: TerminalScreen) -> None:
        self._screen = screen
        self._next_id = 0
        self._messages: dict[int, _Message] = {}

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def user_message(self, text: str) -> MessageRef:
        """Record (and echo) a line the user typed; its ref is what replies point to."""
        message_id = self._new_id()
        first, *rest = text.split("\n")
        echo = "\n".join([self._screen.prompt + first, *("  " + line for line in rest)])
        self._screen.write_block(echo, style=BOLD)
        return MessageRef(channel_id=self.channel_id, message_id=message_id)

    def notice(self, text: str) -> None:
        """A host notice (not a chat message): straight to the scrollback."""
        self._screen.write_block(text)

    async def close(self) -> None:
        for message_id in [mid for mid, m in self._messages.items() if m.live]:
            self._commit(message_id)

    async def send(
        self,
        *,
        channel_id: ChannelId,
        message: RenderedMessage,
        options: SendOptions | None = None,
    ) -> MessageRef | None:
        options = options or SendOptions()
        message_id = self._new_id()
        turn = options.reply_to.message_id if options.reply_to is not None else None
        if options.notify:
            self._messages[message_id] = _Message(message.text, live=False, turn=turn)
            self._screen.write_block(message.text)
        else:
            self._messages[message_id] = _Message(message.text, live=True, turn=turn)
            self._screen.set_live(message_id, message.text)
        if options.replace is not None:
            await self.delete(ref=options.replace)
        for followup in message.extra.get("followups") or ():
            if isinstance(followup, RenderedMessage):
                self._screen.write_block(followup.text)
        return MessageRef(channel_id=channel_id, message_id=message_id)

    async def edit(
        self, *, ref: MessageRef, message: RenderedMessage, wait: bool = True
    ) -> MessageRef | None:
        key = ref.message_id
        if not isinstance(key, int):  # this chat's ids are ints: not one of its messages
            return None
        known = self._messages.get(key)
        if known is None:
            return None
        known.text = message.text
        if known.live:
            self._screen.set_live(key, message.text)
        else:
            # Scrollback cannot be rewritten: show the new version below.
            self._screen.write_block(message.text)
        return ref

    async def delete(self, *, ref: MessageRef) -> bool:
        key = ref.message_id
        if not isinstance(key, int):
            return False
        known = self._messages.pop(key, None)
        if known is None:
            return False
        if known.live:
            self._screen.drop_live(key)
        return True

    def commit_turn(self, turn: int | str) -> None:
        """Move the live messages answering ``turn`` into the scrollback, as they are now."""
        for message_id, message in list(self._messages.items()):
            if message.live and message.turn == turn:
                self._commit(message_id)

    def _commit(self, message_id: int) -> None:
        message = self._messages[message_id]
        message.live = False
        self._screen.drop_live(message_id)
        self._screen.write_block(message.text)
