"""The first config read and discovery, overlapped with Textual's start-up.

With a few hundred plugins, reading takopi.toml and scanning the dist-info folders costs
tens of milliseconds of CPU. On a thread that work competes for the GIL with Textual
building the first screen, so it hardly overlaps with it. Where it is safe (Linux, and no
other thread running yet: the app creates this before Textual starts its driver), a forked
child does the work on another core and sends the result back through a pipe, while a
thread here waits for it in a blocking read (which releases the GIL). The child only reads
metadata files: no plugin code runs, there or here.

Anything unusual (no fork, other threads alive, a child that dies or sends something that
does not unpickle) falls back to doing the same read on the thread.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from takopi_core.errors import ConfigError
from takopi_core.plugins import Discovery, discover

from .staging import ConfigView, read_config_view

#: (config, its error, discovery): what the read produces, and what the child sends.
ReadOutcome = tuple[ConfigView | None, ConfigError | None, Discovery]


def read_now(config_path: Path, search_path: Sequence[str] | None) -> ReadOutcome:
    """Read the config and discover plugins; an unreadable config lists everything."""
    config: ConfigView | None = None
    error: ConfigError | None = None
    try:
        config = read_config_view(config_path)
    except ConfigError as exc:
        error = exc
    enabled = config.enabled if config is not None else []
    path = list(search_path) if search_path is not None else None
    return config, error, discover(enabled, path=path)


def can_fork() -> bool:
    """Forking is safe here: Linux, and this is the process's only thread."""
    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
    )


class InitialRead(threading.Thread):
    """The first config read and discovery; the screen's first ``reload`` takes the result.

    Call :meth:`start` as early as possible (the app does it when it is created), then
    :meth:`result` when the rows are needed.
    """

    def __init__(
        self,
        config_path: Path,
        search_path: Sequence[str] | None,
        *,
        use_fork: bool | None = None,
    ) -> None:
        """
        Args:
            config_path: takopi.toml to read.
            search_path: folders to find distributions in instead of ``sys.path``.
            use_fork: read in a forked child (None: when :func:`can_fork` says it is safe).
        """
        super().__init__(name="takopi-initial-read", daemon=True)
        self.config_path = config_path
        self.search_path = list(search_path) if search_path is not None else None
        self.use_fork = use_fork
        self.config: ConfigView | None = None
        self.config_error: ConfigError | None = None
        self.discovery: Discovery | None = None
        self.failure: BaseException | None = None
        self.read_in_child = False
        """True when the result came from the forked child (False: read on the thread)."""
        self._child: tuple[int, int] | None = None  # (pid, read end of the pipe)

    def start(self) -> None:
        fork = can_fork() if self.use_fork is None else self.use_fork
        if fork:
            self._child = self._fork_child()
        super().start()

    def _fork_child(self) -> tuple[int, int] | None:
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the child: read, send, leave without running any of the parent's exit code
            try:
                os.close(read_end)
                import gc

                gc.disable()  # no finalizers of the parent's objects run here
                data = pickle.dumps(
                    read_now(self.config_path, self.search_path), pickle.HIGHEST_PROTOCOL
                )
                view = memoryview(data)
                while view:
                    view = view[os.write(write_end, view) :]
            finally:
                os._exit(0)
        os.close(write_end)
        return pid, read_end

    def run(self) -> None:
        try:
            outcome = self._from_child() if self._child is not None else None
            if outcome is not None:
                self.read_in_child = True
            else:
                outcome = read_now(self.config_path, self.search_path)
            self.config, self.config_error, self.discovery = outcome
        except BaseException as exc:  # handed to the main thread by result()
            self.failure = exc

    def _from_child(self) -> ReadOutcome | None:
        """The child's result; None when it sent nothing usable."""
        assert self._child is not None
        pid, read_end = self._child
        chunks: list[bytes] = []
        try:
            while chunk := os.read(read_end, 1 << 16):
                chunks.append(chunk)
        finally:
            os.close(read_end)
            os.waitpid(pid, 0)
        try:
            outcome = pickle.loads(b"".join(chunks))
        except Exception:
            return None
        if not (isinstance(outcome, tuple) and len(outcome) == 3):
            return None
        config, error, discovery = outcome
        if not isinstance(discovery, Discovery):
            return None
        if not isinstance(config, ConfigView | None) or not isinstance(error, ConfigError | None):
            return None
        if (config is None) == (error is None):
            return None
        return config, error, discovery

    def result(self) -> tuple[ConfigView, Discovery]:
        """Wait for the read; raise what it raised (a ConfigError for an unreadable file)."""
        self.join()
        if self.failure is not None:
            raise self.failure
        if self.config_error is not None:
            raise self.config_error
        assert self.config is not None and self.discovery is not None
        return self.config, self.discovery
