"""The fast builders make the very objects the dataclass constructors make.

``model.new_action_event`` and the progress tracker's frozen states set the slots through
their descriptors instead of the frozen ``__init__`` (it is cheaper per event of a long run):
the result must be equal, of the same type, frozen, complete and usable with
``dataclasses.replace``, whatever the arguments.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from takopi_core.run.events import EventFactory
from takopi_core.run.model import Action, ActionEvent, new_action_event, slot_setters
from takopi_core.run.progress import ActionState, ProgressTracker

CASES: list[dict[str, Any]] = [
    {"action_id": "a", "kind": "command", "title": "ls", "detail": {}, "phase": "started"},
    {
        "action_id": "n.1",
        "kind": "warning",
        "title": "careful",
        "detail": {"line": "x"},
        "phase": "completed",
        "ok": False,
        "message": "careful",
        "level": "warning",
    },
    {"action_id": "t", "kind": "note", "title": "", "detail": {}, "phase": "updated", "ok": True},
]


def constructed(case: dict[str, Any]) -> ActionEvent:
    return ActionEvent(
        "codex",
        Action(case["action_id"], case["kind"], case["title"], case["detail"]),
        case["phase"],
        case.get("ok"),
        case.get("message"),
        case.get("level"),
    )


@pytest.mark.parametrize("case", CASES)
def test_new_action_event_equals_the_constructed_one(case: dict[str, Any]) -> None:
    built = new_action_event("codex", **case)
    assert type(built) is ActionEvent and type(built.action) is Action
    assert built == constructed(case)
    assert repr(built) == repr(constructed(case))
    # Every field is set (reading an unset slot raises AttributeError).
    assert dataclasses.asdict(built) == dataclasses.asdict(constructed(case))


def test_built_events_stay_frozen_and_replaceable() -> None:
    built = new_action_event("codex", "a", "command", "ls", {}, "started")
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.phase = "completed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.action.title = "rm"  # type: ignore[misc]
    done = dataclasses.replace(built, phase="completed", ok=True)
    assert done == ActionEvent("codex", Action("a", "command", "ls", {}), "completed", True)


def test_event_factory_builds_them_the_same_way() -> None:
    factory = EventFactory("codex")
    event = factory.action_completed(
        action_id="n.1", kind="warning", title="careful", ok=False, message="careful"
    )
    assert event == ActionEvent(
        "codex", Action("n.1", "warning", "careful", {}), "completed", False, "careful"
    )


def test_slot_setters_follow_the_fields() -> None:
    """A field added to a class without its builder fails here (and at import)."""
    for cls in (Action, ActionEvent, ActionState):
        assert len(slot_setters(cls)) == len(dataclasses.fields(cls))


def test_tracker_states_equal_constructed_states() -> None:
    tracker = ProgressTracker(engine="codex")
    first = new_action_event("codex", "a", "command", "ls", {}, "started")
    again = new_action_event("codex", "a", "command", "ls", {"exit_code": 0}, "started")
    tracker.note_event(first)
    tracker.note_event(again)
    (state,) = tracker.snapshot().actions
    assert type(state) is ActionState
    assert state == ActionState(
        action=again.action,
        phase="started",
        ok=None,
        display_phase="updated",
        completed=False,
        first_seen=1,
        last_update=2,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.phase = "completed"  # type: ignore[misc]
