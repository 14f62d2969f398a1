"""The event model every runner speaks: resume tokens, actions and the three event kinds.

A run yields ``StartedEvent`` (once, carrying the session's resume token), any number of
``ActionEvent``s, and one final ``CompletedEvent``. ``type`` is the first field of each event
and is not an init parameter, so positional construction starts at ``engine``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

EngineId: TypeAlias = str

ActionKind: TypeAlias = Literal[
    "command",
    "tool",
    "file_change",
    "web_search",
    "subagent",
    "note",
    "turn",
    "warning",
    "telemetry",
]
ActionPhase: TypeAlias = Literal["started", "updated", "completed"]
ActionLevel: TypeAlias = Literal["debug", "info", "warning", "error"]


@dataclass(frozen=True, slots=True)
class ResumeToken:
    """Identifies an engine session so a later message can continue it."""

    engine: EngineId
    value: str


@dataclass(frozen=True, slots=True)
class Action:
    """Something the agent does during a run (a command, a tool call, a file edit, a note)."""

    id: str
    kind: ActionKind
    title: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StartedEvent:
    """The runner learned its session token. ``meta["control"]`` may hold turn control."""

    type: Literal["started"] = field(default="started", init=False)
    engine: EngineId
    resume: ResumeToken
    title: str | None = None
    meta: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ActionEvent:
    """An action started, changed or finished."""

    type: Literal["action"] = field(default="action", init=False)
    engine: EngineId
    action: Action
    phase: ActionPhase
    ok: bool | None = None
    message: str | None = None
    level: ActionLevel | None = None


@dataclass(frozen=True, slots=True)
class CompletedEvent:
    """The run ended: the answer, whether it succeeded, and the session to resume."""

    type: Literal["completed"] = field(default="completed", init=False)
    engine: EngineId
    ok: bool
    answer: str
    resume: ResumeToken | None = None
    error: str | None = None
    usage: dict[str, Any] | None = None


TakopiEvent: TypeAlias = StartedEvent | ActionEvent | CompletedEvent

__all__ = [
    "Action",
    "ActionEvent",
    "ActionKind",
    "ActionLevel",
    "ActionPhase",
    "CompletedEvent",
    "EngineId",
    "ResumeToken",
    "StartedEvent",
    "TakopiEvent",
]
