"""The first config read and discovery, overlapped with Textual's start-up.

The app starts an :class:`InitialRead` when it is created, before Textual starts the driver,
parses the styles and builds the widgets; the plugins screen takes the result on mount.
Reading files lets the main thread run meanwhile.

(Tried and measured with ``benchmarks/bench_tui.py``: reading in a forked child on another
core saved nothing, the parent's copy-on-write page faults cost as much as the read; a fresh
interpreter started too slowly to be ready when the screen mounts.)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from takopi_core.errors import ConfigError
from takopi_core.plugins.discovery import Discovery, discover

from .staging import ConfigView, read_config_view


class InitialRead(threading.Thread):
    """The first config read and discovery; the screen's first ``reload`` takes the result.

    An unreadable config is handed over as its ConfigError, with discovery done as if the
    enabled list were empty (every plugin listed), so the screen can show both.
    """

    def __init__(self, config_path: Path, search_path: Sequence[str] | None) -> None:
        super().__init__(name="takopi-initial-read", daemon=True)
        self.config_path = config_path
        self.search_path = list(search_path) if search_path is not None else None
        self.config: ConfigView | None = None
        self.config_error: ConfigError | None = None
        self.discovery: Discovery | None = None
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            try:
                self.config = read_config_view(self.config_path)
            except ConfigError as exc:
                self.config_error = exc
            enabled = self.config.enabled if self.config is not None else []
            self.discovery = discover(enabled, path=self.search_path)
        except BaseException as exc:  # handed to the main thread by result()
            self.failure = exc

    def result(self) -> tuple[ConfigView, Discovery]:
        """Wait for the read; raise what it raised (a ConfigError for an unreadable file)."""
        self.join()
        if self.failure is not None:
            raise self.failure
        if self.config_error is not None:
            raise self.config_error
        assert self.config is not None and self.discovery is not None
        return self.config, self.discovery
