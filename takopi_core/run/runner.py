"""Runners: the ``Runner`` protocol, resume-line helpers, per-session locking and
``BaseRunner``. ``JsonlSubprocessRunner`` (agent CLIs that stream JSON lines) is in
:mod:`takopi_core.run.jsonl`.

See ``model.py`` for the event stream contract a runner must keep.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Protocol, runtime_checkable

import anyio

from takopi_core.run.logs import get_logger
from takopi_core.run.model import (
    EngineId,
    ResumeToken,
    StartedEvent,
    TakopiEvent,
)

_logger = get_logger(__name__)


class RunnerUnavailableError(RuntimeError):
    """An engine cannot run (e.g. its CLI is missing); ``issue`` says why when known."""

    def __init__(self, engine: EngineId, issue: str | None = None) -> None:
        message = f"engine {engine!r} is unavailable"
        if issue:
            message = f"{message}: {issue}"
        super().__init__(message)
        self.engine = engine
        self.issue = issue


@runtime_checkable
class Runner(Protocol):
    """An engine as the run pipeline sees it.

    ``run`` returns an async iterator of events (an async generator is the usual shape); the
    resume helpers are sync and authoritative for how this engine's resume lines look.
    """

    engine: EngineId

    def is_resume_line(self, line: str) -> bool: ...

    def format_resume(self, token: ResumeToken) -> str: ...

    def extract_resume(self, text: str | None) -> ResumeToken | None: ...

    def run(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]: ...


def default_resume_re(engine: EngineId) -> re.Pattern[str]:
    """The pattern for ``<engine> resume <token>`` lines, optionally wrapped in backticks."""
    return re.compile(
        rf"^\s*`?\s*{re.escape(engine)}\s+resume\s+(?P<token>[^\s`]+)\s*`?\s*$",
        re.MULTILINE | re.IGNORECASE,
    )


class ResumeTokenMixin:
    """Resume-line helpers driven by ``resume_re`` (a pattern with a ``token`` group).

    Without a ``resume_re`` the default ``<engine> resume <token>`` syntax is used.
    Runners override ``format_resume`` when their CLI spells resuming differently.
    """

    engine: EngineId

    def _resume_pattern(self) -> re.Pattern[str]:
        pattern = getattr(self, "resume_re", None)
        if pattern is None:
            pattern = default_resume_re(self.engine)
        return pattern

    def format_resume(self, token: ResumeToken) -> str:
        """The line a user pastes to continue ``token``'s session."""
        if token.engine != self.engine:
            raise RuntimeError(f"resume token is for engine {token.engine!r}")
        return f"`{self.engine} resume {token.value}`"

    def is_resume_line(self, line: str) -> bool:
        """Whether ``line`` is one of this engine's resume lines."""
        return bool(self._resume_pattern().match(line))

    def extract_resume(self, text: str | None) -> ResumeToken | None:
        """The token of the last resume line in ``text``, or None."""
        if not text:
            return None
        found: str | None = None
        for match in self._resume_pattern().finditer(text):
            token = match.group("token")
            if token:
                found = token
        return ResumeToken(engine=self.engine, value=found) if found else None


@asynccontextmanager
async def _closing(events: AsyncIterator[TakopiEvent]) -> AsyncIterator[AsyncIterator[TakopiEvent]]:
    """Like ``contextlib.aclosing`` but tolerant of iterators without ``aclose``."""
    try:
        yield events
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


RunFn = Callable[[str, ResumeToken | None], AsyncIterator[TakopiEvent]]


class BaseRunner:
    """Base for runners: ``run`` serialises runs of the same session.

    Subclasses implement ``run_impl``. A resumed run holds its session's lock for the whole
    run; a new run takes the lock of the session it reports in its first ``StartedEvent``
    before that event is yielded. Locks are per runner instance and live only while in use.
    """

    engine: EngineId

    def _session_locks(self) -> weakref.WeakValueDictionary[str, anyio.Semaphore]:
        locks = self.__dict__.get("_takopi_session_locks")
        if locks is None:
            locks = weakref.WeakValueDictionary()
            self.__dict__["_takopi_session_locks"] = locks
        return locks

    def lock_for(self, token: ResumeToken) -> anyio.Semaphore:
        """The semaphore serialising runs of ``token``'s session."""
        key = f"{token.engine}:{token.value}"
        locks = self._session_locks()
        lock = locks.get(key)
        if lock is None:
            lock = anyio.Semaphore(1)
            locks[key] = lock
        return lock

    def run(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        """Run ``prompt``, continuing ``resume``'s session when given."""
        return self.run_locked(prompt, resume)

    async def run_locked(
        self, prompt: str, resume: ResumeToken | None
    ) -> AsyncIterator[TakopiEvent]:
        """``run_impl`` wrapped in the session locking described on the class."""
        if resume is not None:
            async for event in self.run_with_resume_lock(prompt, resume, self.run_impl):
                yield event
            return
        held: anyio.Semaphore | None = None
        try:
            async with _closing(self.run_impl(prompt, None)) as events:
                async for event in events:
                    if held is None and isinstance(event, StartedEvent):
                        lock = self.lock_for(event.resume)
                        await lock.acquire()
                        held = lock
                    yield event
        finally:
            if held is not None:
                held.release()

    async def run_with_resume_lock(
        self, prompt: str, resume: ResumeToken | None, run_fn: RunFn
    ) -> AsyncIterator[TakopiEvent]:
        """Iterate ``run_fn(prompt, resume)`` holding ``resume``'s session lock throughout."""
        if resume is None:
            async with _closing(run_fn(prompt, resume)) as events:
                async for event in events:
                    yield event
            return
        if resume.engine != self.engine:
            raise RuntimeError(f"resume token is for engine {resume.engine!r}, not {self.engine!r}")
        async with self.lock_for(resume), _closing(run_fn(prompt, resume)) as events:
            async for event in events:
                yield event

    def run_impl(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        """The engine-specific run; subclasses must override it."""
        raise NotImplementedError
