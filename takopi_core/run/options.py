"""Per-run engine options (model, reasoning level), scoped with a context variable.

A transport (or the host on its behalf) wraps a run in :func:`apply_run_options`; an
engine reads :func:`get_run_options` when it builds its CLI's arguments. A context variable
(not a global) keeps concurrent runs apart: each run's task sees only the options it was
started with, and the previous value comes back when the ``with`` block ends. Names and
signatures are upstream Takopi's (``takopi.runners.run_options``), so published engines that
read ``get_run_options()`` work unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EngineRunOptions:
    """Options for one run: ``model`` replaces the engine's configured model, ``reasoning``
    is the effort level. ``None`` means "the engine's own default"."""

    model: str | None = None
    reasoning: str | None = None


_RUN_OPTIONS: ContextVar[EngineRunOptions | None] = ContextVar(
    "takopi.engine_run_options", default=None
)


def get_run_options() -> EngineRunOptions | None:
    """The options of the run in progress, or None when it was started without any."""
    return _RUN_OPTIONS.get()


def set_run_options(options: EngineRunOptions | None) -> Token[EngineRunOptions | None]:
    """Set the options for the current context; pass the token to :func:`reset_run_options`."""
    return _RUN_OPTIONS.set(options)


def reset_run_options(token: Token[EngineRunOptions | None]) -> None:
    """Put back the options that were current before :func:`set_run_options`."""
    _RUN_OPTIONS.reset(token)


@contextmanager
def apply_run_options(options: EngineRunOptions | None) -> Iterator[None]:
    """Use ``options`` for the runs started inside the ``with`` block (None clears them)."""
    token = set_run_options(options)
    try:
        yield
    finally:
        reset_run_options(token)
