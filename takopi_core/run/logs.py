"""Structured logging on top of stdlib ``logging``.

Plugins written for upstream Takopi call loggers structlog-style:
``logger.info("runner.start", pid=123)``. ``get_logger`` returns a small wrapper that accepts
that shape, merges fields bound with ``bind_run_context`` (per async context), masks secret
fields, and hands one record to stdlib logging with the fields in ``record.takopi_fields``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import MappingProxyType
from typing import Any

from takopi_core.secrets import MASK, Masker, is_secret_key
from takopi_core.text import safe_text

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}

_context_fields: ContextVar[Mapping[str, Any]] = ContextVar(
    "takopi_log_fields", default=MappingProxyType({})
)
_min_level: ContextVar[int] = ContextVar("takopi_log_min_level", default=logging.NOTSET)
#: The secrets log files hide (see :func:`set_log_masker`); by key name only until set.
_log_masker: Masker = Masker()

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _level_number(level: str) -> int:
    try:
        return _LEVELS[level.lower()]
    except KeyError:
        raise ValueError(
            f"unknown log level {level!r}; expected one of {', '.join(sorted(_LEVELS))}"
        ) from None


def _render(event: str, fields: Mapping[str, Any]) -> str:
    if not fields:
        return event
    pairs = " ".join(f"{key}={value!r}" for key, value in fields.items())
    return f"{event} {pairs}"


def _masked(fields: dict[str, Any]) -> dict[str, Any]:
    """Secrets never reach a log: values of ``*token*``/``*secret*``/``*password*``/``*key*``
    fields are replaced by a mask."""
    if not any(is_secret_key(name) for name in fields):
        return fields
    return {
        name: MASK if is_secret_key(name) and value is not None else value
        for name, value in fields.items()
    }


class StructLogger:
    """A logger taking an event name plus keyword fields; ``bind`` returns a child logger."""

    __slots__ = ("_bound", "_logger")

    def __init__(self, logger: logging.Logger, bound: Mapping[str, Any] | None = None) -> None:
        self._logger = logger
        self._bound: dict[str, Any] = dict(bound or {})

    @property
    def name(self) -> str:
        return self._logger.name

    def bind(self, **fields: Any) -> StructLogger:
        """A logger that adds ``fields`` to every line."""
        return StructLogger(self._logger, {**self._bound, **fields})

    def is_enabled_for(self, level: int) -> bool:
        """Whether a line at ``level`` would be emitted here (lets callers skip costly
        field formatting)."""
        return level >= _min_level.get() and self._logger.isEnabledFor(level)

    def log(self, level: int, event: str, *, exc_info: Any = None, **fields: Any) -> None:
        if not self.is_enabled_for(level):
            return
        merged = _masked({**_context_fields.get(), **self._bound, **fields})
        self._logger.log(
            level,
            "%s",
            _render(event, merged),
            exc_info=exc_info,
            extra={"takopi_event": event, "takopi_fields": merged},
            stacklevel=3,
        )

    def debug(self, event: str, **fields: Any) -> None:
        self.log(logging.DEBUG, event, **fields)

    def info(self, event: str, **fields: Any) -> None:
        self.log(logging.INFO, event, **fields)

    def warning(self, event: str, **fields: Any) -> None:
        self.log(logging.WARNING, event, **fields)

    warn = warning

    def error(self, event: str, **fields: Any) -> None:
        self.log(logging.ERROR, event, **fields)

    def critical(self, event: str, **fields: Any) -> None:
        self.log(logging.CRITICAL, event, **fields)

    def exception(self, event: str, **fields: Any) -> None:
        fields.setdefault("exc_info", True)
        self.log(logging.ERROR, event, **fields)


def get_logger(name: str | None = None) -> StructLogger:
    """A structured logger; ``name`` also becomes the ``logger_name`` field when given."""
    logger = logging.getLogger(name or "takopi")
    return StructLogger(logger, {"logger_name": name} if name else None)


def bind_run_context(**fields: Any) -> None:
    """Add ``fields`` to every log line emitted later in the current (async) context."""
    _context_fields.set(MappingProxyType({**_context_fields.get(), **fields}))


def clear_context() -> None:
    """Forget every field bound with ``bind_run_context`` in the current context."""
    _context_fields.set(MappingProxyType({}))


@contextmanager
def suppress_logs(level: str = "warning") -> Iterator[None]:
    """Drop log lines below ``level`` emitted through ``get_logger`` loggers in this context."""
    token = _min_level.set(_level_number(level))
    try:
        yield
    finally:
        _min_level.reset(token)


# --- log files ---------------------------------------------------------------------------


class SafeFormatter(logging.Formatter):
    """A formatter for log files: known secret values masked, control characters escaped.

    Plugins log what they like (a token in an error message, a reply from a service), so
    the masking happens on the finished line, traceback included, not on fields.
    """

    def format(self, record: logging.LogRecord) -> str:
        return safe_text(_log_masker.text(super().format(record)))


class _SafeStderrHandler(logging.StreamHandler):
    """Like logging's last resort: warnings from loggers without a handler, on stderr as it
    is when they are emitted; but escaped and masked through :class:`SafeFormatter`."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setLevel(logging.WARNING)
        self.setFormatter(SafeFormatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def guard_unhandled_logs() -> None:
    """Plugins log through stdlib logging; with no handler set, the last resort prints the
    message raw to stderr. From now on it is escaped and its known secrets masked."""
    logging.lastResort = _SafeStderrHandler()


def set_log_masker(masker: Masker) -> None:
    """Hide ``masker``'s secrets in every later line of the files opened here."""
    global _log_masker
    _log_masker = masker


def open_private_log(path: Path) -> logging.Handler:
    """A handler appending to ``path``, created (or made) readable only by the user.

    A symlink at ``path`` is refused (``O_NOFOLLOW``): the log must not be redirected into
    another file. Lines go through :class:`SafeFormatter`.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        stream = os.fdopen(fd, "a", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter(LOG_FORMAT))
    return handler
