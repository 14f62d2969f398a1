"""The event model, EventFactory, transport value types and the API surface."""

from __future__ import annotations

import dataclasses

import pytest

import takopi_core.api as api
from takopi_core.run.events import EventFactory
from takopi_core.run.model import Action, ActionEvent, CompletedEvent, ResumeToken, StartedEvent
from takopi_core.run.runner import RunnerUnavailableError
from takopi_core.run.transport import MessageRef, RenderedMessage, SendOptions

TOKEN = ResumeToken("codex", "abc")


def test_events_have_a_fixed_type_first_and_construct_positionally() -> None:
    started = StartedEvent("codex", TOKEN)
    assert (started.type, started.engine, started.resume) == ("started", "codex", TOKEN)
    assert next(f.name for f in dataclasses.fields(StartedEvent)) == "type"
    with pytest.raises(TypeError):  # `type` is not a constructor argument: mypy says so too
        StartedEvent(type="other", engine="codex", resume=TOKEN)  # type: ignore[call-arg]
    action = ActionEvent("codex", Action("a", "tool", "t"), "started")
    assert action.type == "action" and action.action.detail == {}
    done = CompletedEvent("codex", True, "answer")
    assert (done.type, done.resume, done.error, done.usage) == ("completed", None, None, None)
    moved = dataclasses.replace(done, answer="other")
    assert moved.type == "completed" and moved.answer == "other"


def test_events_and_tokens_are_frozen_values() -> None:
    assert ResumeToken("codex", "abc") == TOKEN
    assert len({ResumeToken("codex", "abc"), TOKEN}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):  # mypy refuses it as well
        TOKEN.value = "x"  # type: ignore[misc]
    assert Action("a", "note", "t").detail is not Action("b", "note", "t").detail


def test_message_ref_equality_ignores_raw_thread_and_sender() -> None:
    a = MessageRef(1, 2, raw=object(), thread_id=9, sender_id=3)
    b = MessageRef(1, 2)
    assert a == b and hash(a) == hash(b)
    assert {a: "task"}[b] == "task"
    assert MessageRef(1, 3) != b
    assert RenderedMessage("x") == RenderedMessage("x", {})
    assert RenderedMessage("x", {"k": 1}) != RenderedMessage("x")
    assert SendOptions() == SendOptions(reply_to=None, notify=True, replace=None, thread_id=None)


def test_event_factory_builds_events_and_guards_the_token() -> None:
    factory = EventFactory("codex")
    initial = factory.resume  # a local: mypy would keep factory.resume narrowed to None
    assert initial is None
    started = factory.started(TOKEN, title="t", meta={"k": 1})
    assert (started.title, started.meta, factory.resume) == ("t", {"k": 1}, TOKEN)
    assert factory.started(TOKEN).resume == TOKEN  # the same token again is fine
    with pytest.raises(RuntimeError, match="resume token mismatch: abc vs other"):
        factory.started(ResumeToken("codex", "other"))
    with pytest.raises(RuntimeError, match="resume token is for engine 'claude'"):
        factory.started(ResumeToken("claude", "abc"))

    upd = factory.action_updated(action_id="a", kind="command", title="ls")
    assert (upd.phase, upd.action.detail, upd.ok) == ("updated", {}, None)
    fin = factory.action_completed(
        action_id="a",
        kind="command",
        title="ls",
        ok=False,
        detail={"exit_code": 1},
        message="m",
        level="error",
    )
    assert (fin.phase, fin.ok, fin.message, fin.level) == ("completed", False, "m", "error")
    assert factory.action_started(action_id="b", kind="tool", title="x").phase == "started"

    ok = factory.completed_ok(answer="hi", usage={"tokens": 3})
    assert (ok.ok, ok.answer, ok.resume, ok.usage) == (True, "hi", TOKEN, {"tokens": 3})
    err = factory.completed_error(error="bad")
    assert (err.ok, err.answer, err.error, err.resume) == (False, "", "bad", TOKEN)
    other = ResumeToken("codex", "z")
    assert factory.completed(ok=True, answer="", resume=other).resume == other


def test_runner_unavailable_error_message() -> None:
    assert str(RunnerUnavailableError("codex")) == "engine 'codex' is unavailable"
    err = RunnerUnavailableError("codex", "codex not found on PATH")
    assert str(err) == "engine 'codex' is unavailable: codex not found on PATH"
    assert (err.engine, err.issue) == ("codex", "codex not found on PATH")
    assert isinstance(err, RuntimeError)


RUN_CORE_NAMES = {
    "Action", "ActionEvent", "ActionState", "BaseRunner", "CompletedEvent", "EngineId",
    "EventFactory", "ExecBridgeConfig", "IncomingMessage", "JsonlSubprocessRunner",
    "MessageRef", "Presenter", "ProgressState", "ProgressTracker", "RenderedMessage",
    "ResumeToken", "RunContext", "Runner", "RunnerUnavailableError", "RunningTask",
    "RunningTasks", "SendOptions", "StartedEvent", "Transport", "handle_message",
    "bind_run_context", "clear_context", "get_logger", "suppress_logs", "set_run_base_dir",
    "reset_run_base_dir",
}  # fmt: skip


def test_api_exports_the_run_core_names() -> None:
    assert set(api.__all__) >= RUN_CORE_NAMES
    for name in RUN_CORE_NAMES:
        assert getattr(api, name) is not None
    assert api.TAKOPI_PLUGIN_API_VERSION == 1


def test_api_is_importable_as_takopi_api() -> None:
    takopi_api = pytest.importorskip("takopi.api")
    assert takopi_api.handle_message is api.handle_message
    assert takopi_api.JsonlSubprocessRunner is api.JsonlSubprocessRunner
