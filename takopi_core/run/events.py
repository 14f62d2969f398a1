"""``EventFactory``: builds a run's events for one engine and guards its resume token."""

from __future__ import annotations

from typing import Any

from takopi_core.run.model import (
    ActionEvent,
    ActionKind,
    ActionLevel,
    ActionPhase,
    CompletedEvent,
    EngineId,
    ResumeToken,
    StartedEvent,
    new_action_event,
)


class EventFactory:
    """Makes events for ``engine``, remembering the session token of the run.

    ``started`` refuses a token for another engine or a second, different token, so a
    runner cannot accidentally report two sessions in one run.
    """

    def __init__(self, engine: EngineId) -> None:
        self.engine = engine
        self._resume: ResumeToken | None = None

    @property
    def resume(self) -> ResumeToken | None:
        """The token given to the first ``started`` call, if any."""
        return self._resume

    def started(
        self, token: ResumeToken, *, title: str | None = None, meta: dict[str, Any] | None = None
    ) -> StartedEvent:
        if token.engine != self.engine:
            raise RuntimeError(f"resume token is for engine {token.engine!r}")
        if self._resume is not None and self._resume != token:
            raise RuntimeError(f"resume token mismatch: {self._resume.value} vs {token.value}")
        self._resume = token
        return StartedEvent(engine=self.engine, resume=token, title=title, meta=meta)

    def action(
        self,
        *,
        phase: ActionPhase,
        action_id: str,
        kind: ActionKind,
        title: str,
        detail: dict[str, Any] | None = None,
        ok: bool | None = None,
        message: str | None = None,
        level: ActionLevel | None = None,
    ) -> ActionEvent:
        return new_action_event(
            self.engine, action_id, kind, title, detail or {}, phase, ok, message, level
        )

    def action_started(
        self, *, action_id: str, kind: ActionKind, title: str, detail: dict[str, Any] | None = None
    ) -> ActionEvent:
        return self.action(
            phase="started", action_id=action_id, kind=kind, title=title, detail=detail
        )

    def action_updated(
        self, *, action_id: str, kind: ActionKind, title: str, detail: dict[str, Any] | None = None
    ) -> ActionEvent:
        return self.action(
            phase="updated", action_id=action_id, kind=kind, title=title, detail=detail
        )

    def action_completed(
        self,
        *,
        action_id: str,
        kind: ActionKind,
        title: str,
        ok: bool,
        detail: dict[str, Any] | None = None,
        message: str | None = None,
        level: ActionLevel | None = None,
    ) -> ActionEvent:
        return self.action(
            phase="completed",
            action_id=action_id,
            kind=kind,
            title=title,
            detail=detail,
            ok=ok,
            message=message,
            level=level,
        )

    def completed(
        self,
        *,
        ok: bool,
        answer: str,
        resume: ResumeToken | None = None,
        error: str | None = None,
        usage: dict[str, Any] | None = None,
    ) -> CompletedEvent:
        """The final event; ``resume`` defaults to the run's token."""
        return CompletedEvent(
            engine=self.engine,
            ok=ok,
            answer=answer,
            resume=resume if resume is not None else self._resume,
            error=error,
            usage=usage,
        )

    def completed_ok(
        self,
        *,
        answer: str,
        resume: ResumeToken | None = None,
        usage: dict[str, Any] | None = None,
    ) -> CompletedEvent:
        return self.completed(ok=True, answer=answer, resume=resume, usage=usage)

    def completed_error(
        self,
        *,
        error: str,
        answer: str = "",
        resume: ResumeToken | None = None,
        usage: dict[str, Any] | None = None,
    ) -> CompletedEvent:
        return self.completed(ok=False, answer=answer, resume=resume, error=error, usage=usage)
