"""The event model every runner speaks: resume tokens, actions and the three event kinds.

A run yields ``StartedEvent`` (once, carrying the session's resume token), any number of
``ActionEvent``s, and one final ``CompletedEvent``. ``type`` is the first field of each event
and is not an init parameter, so positional construction starts at ``engine``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
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


# -- building action events fast ---------------------------------------------------------------
#
# A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__`` (a lookup
# of the attribute on the class each time); setting the slots through their descriptors, as
# below, builds the very same objects in well under half the time. A long engine stream is
# one action event per line, so the engines' translators and ``EventFactory`` build theirs
# with ``new_action_event``. tests/unit/test_event_builders.py checks it against the classes.

Setter: TypeAlias = Callable[[object, object], None]


def slot_setters(cls: type) -> tuple[Setter, ...]:
    """The ``__set__`` of each field's slot of the slotted dataclass ``cls``, in field order."""
    return tuple(cls.__dict__[f.name].__set__ for f in fields(cls))


_new = object.__new__
_set_id, _set_kind, _set_title, _set_detail = slot_setters(Action)
(_set_type, _set_engine, _set_action, _set_phase, _set_ok, _set_message, _set_level) = slot_setters(
    ActionEvent
)


def new_action_event(
    engine: EngineId,
    action_id: str,
    kind: ActionKind,
    title: str,
    detail: dict[str, Any],
    phase: ActionPhase,
    ok: bool | None = None,
    message: str | None = None,
    level: ActionLevel | None = None,
) -> ActionEvent:
    """``ActionEvent(engine, Action(action_id, kind, title, detail), phase, ok, message, level)``
    (equal to it, the same types), built without the frozen ``__init__``'s per-field cost."""
    action = _new(Action)
    _set_id(action, action_id)
    _set_kind(action, kind)
    _set_title(action, title)
    _set_detail(action, detail)
    event = _new(ActionEvent)
    _set_type(event, "action")
    _set_engine(event, engine)
    _set_action(event, action)
    _set_phase(event, phase)
    _set_ok(event, ok)
    _set_message(event, message)
    _set_level(event, level)
    return event


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
