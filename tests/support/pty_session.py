"""Drive a real program on a pseudo-terminal: what a user at a terminal sees and types.

The child gets the pty as its controlling terminal (so ``getpass`` reads from it with echo
off, as it would for a user). Output is collected as it comes; :meth:`PtySession.expect`
waits for text to appear (escape sequences removed before matching).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Mapping, Sequence

_ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


class PtySession:
    """One child process on a fresh pty."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str | None = None,
        size: tuple[int, int] = (30, 100),
    ) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: exec at once, touching nothing of the parent's state
            try:
                if cwd:
                    os.chdir(cwd)
                os.execvpe(argv[0], list(argv), dict(env))
            finally:
                os._exit(127)
        self.pid = pid
        self.fd = fd
        rows, cols = size
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.raw = b""
        self._seen = 0  # expect() matches only output after the previous match
        self.status: int | None = None

    @property
    def text(self) -> str:
        """Everything printed so far, without escape sequences."""
        return _ANSI.sub(b"", self.raw).decode("utf-8", "replace").replace("\r\n", "\n")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not chunk:
            return False
        self.raw += chunk
        return True

    def expect(self, pattern: str, timeout: float = 30) -> str:
        """Wait for ``pattern`` (a regex) in new output; returns the text up to the match."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            text = self.text
            match = regex.search(text, self._seen)
            if match:
                before = text[self._seen : match.end()]
                self._seen = match.end()
                return before
            remaining = deadline - time.monotonic()
            ended = remaining <= 0 or not self._read(min(remaining, 0.5))
            if ended and not regex.search(self.text, self._seen):
                raise AssertionError(
                    f"{pattern!r} did not appear; output so far:\n{self.text[-4000:]}"
                )

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait(self, timeout: float = 30) -> int:
        """Read until the child exits; its exit status."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._read(0.05):  # whatever is still buffered
                    if not select.select([self.fd], [], [], 0)[0]:
                        break
                self.status = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                self.close()
                raise AssertionError(f"the child did not exit; output:\n{self.text[-4000:]}")
            self._read(0.1)
        return self.status

    def close(self) -> None:
        if self.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                _, status = os.waitpid(self.pid, 0)
                self.status = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(OSError):
            os.close(self.fd)
