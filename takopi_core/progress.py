"""Progress of a run: which actions happened, in which state, and how to show it.

``ProgressTracker`` folds events into an immutable ``ProgressState`` snapshot; a presenter
renders snapshots as messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .model import Action, ActionEvent, ResumeToken, StartedEvent


@dataclass(frozen=True, slots=True)
class ActionState:
    """The latest known state of one action, with when it was first and last seen."""

    action: Action
    phase: str
    ok: bool | None
    display_phase: str
    completed: bool
    first_seen: int
    last_update: int


@dataclass(frozen=True, slots=True)
class ProgressState:
    """A snapshot of a run for rendering; actions are in order of first appearance."""

    engine: str
    action_count: int
    actions: tuple[ActionState, ...]
    resume: ResumeToken | None
    resume_line: str | None
    context_line: str | None


class ProgressTracker:
    """Accumulates a run's events into the state a progress message shows."""

    def __init__(self, *, engine: str) -> None:
        self.engine = engine
        self.resume: ResumeToken | None = None
        self.action_count = 0
        self._actions: dict[str, ActionState] = {}
        self._seq = 0

    def note_event(self, event: object) -> bool:
        """Fold ``event`` in; return whether the rendered view may have changed."""
        if isinstance(event, StartedEvent):
            self.resume = event.resume
            return True
        if not isinstance(event, ActionEvent):
            return False
        action = event.action
        if action.kind == "turn":
            return False
        action_id = str(action.id or "")
        if not action_id:
            return False
        previous = self._actions.get(action_id)
        completed = event.phase == "completed"
        is_update = event.phase == "updated" or (
            event.phase == "started" and previous is not None and not previous.completed
        )
        display_phase = "updated" if is_update and not completed else event.phase
        self._seq += 1
        if previous is None:
            self.action_count += 1
            first_seen = self._seq
        else:
            first_seen = previous.first_seen
        self._actions[action_id] = ActionState(
            action=action,
            phase=event.phase,
            ok=event.ok,
            display_phase=display_phase,
            completed=completed,
            first_seen=first_seen,
            last_update=self._seq,
        )
        return True

    def set_resume(self, resume: ResumeToken | None) -> None:
        """Remember ``resume`` unless it is None."""
        if resume is not None:
            self.resume = resume

    def snapshot(
        self,
        *,
        resume_formatter: Callable[[ResumeToken], str] | None = None,
        context_line: str | None = None,
    ) -> ProgressState:
        """The current state; ``resume_line`` is formatted when a token and formatter exist."""
        resume_line = None
        if self.resume is not None and resume_formatter is not None:
            resume_line = resume_formatter(self.resume)
        # dicts keep insertion order = first appearance, and replacing a value keeps its slot.
        return ProgressState(
            engine=self.engine,
            action_count=self.action_count,
            actions=tuple(self._actions.values()),
            resume=self.resume,
            resume_line=resume_line,
            context_line=context_line,
        )
