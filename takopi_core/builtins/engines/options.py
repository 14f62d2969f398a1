"""Per-run engine options (model, reasoning level) the built-in runners honour.

Set around a run with :func:`run_options`; a runner reads them when it builds the CLI's
arguments, and they win over the model from the engine's config table. This is the hook the
``/model`` command (issue #12) sets; until then nothing in the pipeline sets it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EngineRunOptions:
    """``model`` replaces the configured model; ``reasoning`` is the effort level."""

    model: str | None = None
    reasoning: str | None = None


_CURRENT: ContextVar[EngineRunOptions | None] = ContextVar(
    "takopi_engine_run_options", default=None
)


def current_run_options() -> EngineRunOptions:
    """The options of the run being started (empty when none were set)."""
    return _CURRENT.get() or EngineRunOptions()


@contextmanager
def run_options(options: EngineRunOptions | None) -> Iterator[None]:
    """Use ``options`` for the runs started inside the ``with`` block."""
    token = _CURRENT.set(options)
    try:
        yield
    finally:
        _CURRENT.reset(token)
