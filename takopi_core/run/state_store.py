"""A versioned JSON state file shared by a transport's tasks (upstream's
``takopi.telegram.state_store.JsonStateStore``).

Transports subclass it with a msgspec ``Struct`` state type (``version`` field) and use the
names upstream's subclasses use: ``self._lock`` (an anyio lock), ``self._state``,
``self._reload_locked_if_needed()`` and ``self._save_locked()``, both called with the lock
held. A file changed by another process is re-read; one that does not decode, or has another
version, is logged and replaced by a fresh state. msgspec is the plugin's own dependency
(its state types are msgspec Structs), so it is imported only when a file is read or written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import anyio

from takopi_core.config.atomic import write_atomic


class _Logger(Protocol):
    def warning(self, event: str, **fields: Any) -> None: ...


class _VersionedState(Protocol):
    version: int


T = TypeVar("T", bound=_VersionedState)

#: State files hold chat ids and session tokens: readable by their owner only.
_STATE_FILE_MODE = 0o600


class JsonStateStore(Generic[T]):
    """The state in ``path``, loaded lazily and saved atomically."""

    def __init__(
        self,
        path: Path,
        *,
        version: int,
        state_type: type[T],
        state_factory: Callable[[], T],
        log_prefix: str,
        logger: _Logger,
    ) -> None:
        self._path = path
        self._version = version
        self._state_type = state_type
        self._state_factory = state_factory
        self._log_prefix = log_prefix
        self._logger = logger
        self._lock = anyio.Lock()
        self._loaded = False
        self._mtime_ns: int | None = None
        self._state: T = state_factory()

    def _stat_mtime_ns(self) -> int | None:
        try:
            return self._path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def _reload_locked_if_needed(self) -> None:
        """Read the file when it was never read or changed on disk since (lock held)."""
        if not self._loaded or self._stat_mtime_ns() != self._mtime_ns:
            self._load_locked()

    def _load_locked(self) -> None:
        import msgspec

        self._loaded = True
        self._mtime_ns = self._stat_mtime_ns()
        if self._mtime_ns is None:
            self._state = self._state_factory()
            return
        try:
            loaded = msgspec.json.decode(self._path.read_bytes(), type=self._state_type)
        except Exception as exc:  # any undecodable file: start over, and say so
            self._logger.warning(
                f"{self._log_prefix}.load_failed",
                path=str(self._path),
                error=str(exc),
                error_type=type(exc).__name__,
            )
            self._state = self._state_factory()
            return
        if loaded.version != self._version:
            self._logger.warning(
                f"{self._log_prefix}.version_mismatch",
                path=str(self._path),
                version=loaded.version,
                expected=self._version,
            )
            self._state = self._state_factory()
            return
        self._state = loaded

    def _save_locked(self) -> None:
        """Write the state atomically (lock held) and remember the file's new mtime."""
        import msgspec

        data = json.dumps(msgspec.to_builtins(self._state), indent=2, sort_keys=True)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self._path, (data + "\n").encode("utf-8"), mode=_STATE_FILE_MODE)
        self._mtime_ns = self._stat_mtime_ns()
