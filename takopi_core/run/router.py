"""Engine routing: which runner handles a message, and which engines can run at all.

A ``RunnerEntry`` pairs an engine id with its runner and a status; the ``AutoRouter`` holds
the entries (sorted by engine id) and the default engine, and answers resume questions by
asking every runner in turn. The runners are ``GuardedRunner``s (``run.guard``) on the run
path, so a faulty one answers "no" and disables itself instead of raising here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TypeAlias

from takopi_core.run.model import EngineId, ResumeToken
from takopi_core.run.runner import Runner, RunnerUnavailableError

EngineStatus: TypeAlias = Literal["ok", "missing_cli", "bad_config", "load_error"]

#: Statuses whose runner can run (``bad_config`` runs with default settings).
AVAILABLE_STATUSES: frozenset[str] = frozenset({"ok", "bad_config"})


@dataclass(frozen=True, slots=True)
class RunnerEntry:
    """One engine as the router knows it: its runner, status, and what is wrong if anything."""

    engine: EngineId
    runner: Runner
    status: EngineStatus = "ok"
    issue: str | None = None

    @property
    def fault(self) -> str | None:
        """Why the runner disabled itself during this session (see ``run.guard``), if it did."""
        fault = getattr(self.runner, "fault", None)
        return fault if isinstance(fault, str) else None

    @property
    def available(self) -> bool:
        return self.status in AVAILABLE_STATUSES and self.fault is None

    @property
    def problem(self) -> str | None:
        """What is wrong with this engine now: its fault, else its issue."""
        fault = self.fault
        if fault is not None:
            label = getattr(self.runner, "unavailable_text", None)
            return label() if callable(label) else fault
        return self.issue


class AutoRouter:
    """Picks a runner per message: by resume token, by explicit engine, else the default."""

    def __init__(self, entries: Iterable[RunnerEntry], default_engine: EngineId) -> None:
        self._entries = tuple(entries)
        if not self._entries:
            raise ValueError("AutoRouter requires at least one runner.")
        by_engine: dict[EngineId, RunnerEntry] = {}
        for entry in self._entries:
            if entry.engine in by_engine:
                raise ValueError(f"duplicate runner engine: {entry.engine}")
            by_engine[entry.engine] = entry
        if default_engine not in by_engine:
            raise ValueError(f"default engine {default_engine!r} is not configured")
        self._by_engine = by_engine
        self._default_engine = default_engine

    @property
    def entries(self) -> tuple[RunnerEntry, ...]:
        return self._entries

    @property
    def available_entries(self) -> tuple[RunnerEntry, ...]:
        return tuple(entry for entry in self._entries if entry.available)

    @property
    def engine_ids(self) -> tuple[EngineId, ...]:
        return tuple(entry.engine for entry in self._entries)

    @property
    def default_engine(self) -> EngineId:
        return self._default_engine

    @property
    def default_entry(self) -> RunnerEntry:
        return self._by_engine[self._default_engine]

    def entry_for_engine(self, engine: EngineId | None) -> RunnerEntry:
        """The entry of ``engine`` (None = default); unknown engines raise."""
        if engine is None:
            return self.default_entry
        entry = self._by_engine.get(engine)
        if entry is None:
            raise RunnerUnavailableError(engine, "engine not configured")
        return entry

    def entry_for(self, resume: ResumeToken | None) -> RunnerEntry:
        return self.entry_for_engine(resume.engine if resume is not None else None)

    def runner_for(self, resume: ResumeToken | None) -> Runner:
        """The runner that continues ``resume`` (or the default); raises when unavailable."""
        entry = self.entry_for(resume)
        if not entry.available:
            raise RunnerUnavailableError(entry.engine, entry.problem)
        return entry.runner

    def format_resume(self, token: ResumeToken) -> str:
        return self.entry_for(token).runner.format_resume(token)

    def extract_resume(self, text: str | None) -> ResumeToken | None:
        """The first token any runner finds in ``text``, asking runners in engine-id order."""
        if not text:
            return None
        for entry in self._entries:
            token = entry.runner.extract_resume(text)
            if token is not None:
                return token
        return None

    def resolve_resume(self, text: str | None, reply_text: str | None) -> ResumeToken | None:
        """A token from the message itself, else from the message it replies to."""
        return self.extract_resume(text) or self.extract_resume(reply_text)

    def is_resume_line(self, line: str) -> bool:
        """True when any engine recognises ``line`` as its resume line."""
        return any(entry.runner.is_resume_line(line) for entry in self._entries)
