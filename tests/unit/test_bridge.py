"""handle_message with an in-memory transport: endings, final_notify, prompt and resume
handling, progress edits, cancellation and on_thread_known."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from support.fake_engines import FakeRunner, write_engine
from support.memory_transport import MemoryTransport, ScriptedRunner, events_script

from takopi_core.run.bridge import (
    ExecBridgeConfig,
    IncomingMessage,
    RunningTask,
    RunningTasks,
    format_error,
    handle_message,
)
from takopi_core.run.events import EventFactory
from takopi_core.run.model import ActionPhase, ResumeToken, TakopiEvent
from takopi_core.run.progress import MarkdownPresenter
from takopi_core.run.transport import MessageRef, RenderedMessage

CHAT = 42
USER_MSG = 7
TOKEN = ResumeToken("fake", "s1")
FACTORY = EventFactory("fake")


@pytest.fixture
def transport() -> MemoryTransport:
    return MemoryTransport()


def config(transport: MemoryTransport, *, final_notify: bool = True) -> ExecBridgeConfig:
    return ExecBridgeConfig(
        transport=transport, presenter=MarkdownPresenter(), final_notify=final_notify
    )


def incoming(text: str = "hello", *, thread_id: int | None = None) -> IncomingMessage:
    return IncomingMessage(channel_id=CHAT, message_id=USER_MSG, text=text, thread_id=thread_id)


def started() -> TakopiEvent:
    return EventFactory("fake").started(TOKEN)


def action(n: int, phase: ActionPhase = "completed") -> TakopiEvent:
    return FACTORY.action(
        phase=phase,
        action_id=f"a{n}",
        kind="command",
        title=f"step {n}",
        ok=True if phase == "completed" else None,
    )


def completed(answer: str = "the answer", *, ok: bool = True, error: str | None = None):
    return EventFactory("fake").completed(ok=ok, answer=answer, resume=TOKEN, error=error)


async def run(
    transport: MemoryTransport,
    runner: ScriptedRunner | FakeRunner,
    *,
    final_notify: bool = True,
    text: str = "hello",
    **kwargs,
) -> None:
    await handle_message(
        config(transport, final_notify=final_notify),
        runner=runner,
        incoming=incoming(text, thread_id=kwargs.pop("thread_id", None)),
        resume_token=kwargs.pop("resume_token", None),
        clock=lambda: 0.0,
        **kwargs,
    )


# -- endings -----------------------------------------------------------------------------------


async def test_completed_with_final_notify_sends_a_new_message_replacing_progress(
    transport: MemoryTransport,
) -> None:
    runner = ScriptedRunner(events_script([started(), action(1), completed()]))
    await run(transport, runner, final_notify=True, thread_id=5)

    first, final = transport.calls[0], [c for c in transport.calls if c.op == "send"][-1]
    assert first.op == "send"
    assert first.message is not None and first.message.text == "starting · fake · 0s"
    assert first.options is not None
    assert first.options.notify is False
    assert first.options.reply_to == MessageRef(CHAT, USER_MSG)
    assert first.options.thread_id == 5
    progress = first.ref
    assert final.options is not None
    assert final.options.notify is True
    assert final.options.replace == progress
    assert final.options.reply_to == MessageRef(CHAT, USER_MSG)
    # The transport removed the progress message because of `replace`: only the answer is left.
    assert transport.texts() == ["done · fake · 0s · step 1\n\nthe answer\n\n`fake resume s1`"]


async def test_completed_without_final_notify_edits_progress_in_place(
    transport: MemoryTransport,
) -> None:
    runner = ScriptedRunner(events_script([started(), action(1), completed()]))
    await run(transport, runner, final_notify=False)

    sends = [c for c in transport.calls if c.op == "send"]
    assert len(sends) == 1  # only the progress message
    last = transport.calls[-1]
    assert last.op == "edit" and last.ref == sends[0].ref and last.wait is True
    assert transport.texts() == ["done · fake · 0s · step 1\n\nthe answer\n\n`fake resume s1`"]


async def test_final_edit_failure_falls_back_to_a_new_replacing_message(
    transport: MemoryTransport,
) -> None:
    async def script(prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        yield started()
        transport.fail_edits = True
        yield completed()

    await run(transport, ScriptedRunner(script), final_notify=False)
    assert transport.ops()[-3:] == ["edit-failed", "send", "delete"]
    final = transport.calls[-2]
    assert final.options is not None and final.options.notify is False
    assert transport.texts() == ["done · fake · 0s\n\nthe answer\n\n`fake resume s1`"]


async def test_runner_error_edits_progress_with_the_error(transport: MemoryTransport) -> None:
    runner = ScriptedRunner(events_script([started(), action(1), RuntimeError("engine kaput")]))
    await run(transport, runner, final_notify=True)

    assert [c.op for c in transport.calls if c.op == "send"] == ["send"]
    assert transport.calls[-1].op == "edit"
    assert transport.texts() == ["error · fake · 0s · step 1\n\nengine kaput\n\n`fake resume s1`"]


async def test_error_without_message_shows_the_exception_class(transport: MemoryTransport) -> None:
    runner = ScriptedRunner(events_script([ValueError()]))
    await run(transport, runner)
    assert transport.texts() == ["error · fake · 0s\n\nValueError"]


async def test_ok_run_with_blank_answer_is_shown_as_error(transport: MemoryTransport) -> None:
    runner = ScriptedRunner(events_script([started(), completed("   ")]))
    await run(transport, runner)
    assert transport.texts() == ["error · fake · 0s\n\n`fake resume s1`"]


async def test_failed_completion_appends_the_error_to_the_answer(
    transport: MemoryTransport,
) -> None:
    runner = ScriptedRunner(
        events_script([started(), completed("partial work", ok=False, error="rate limited")])
    )
    await run(transport, runner)
    assert transport.texts() == [
        "error · fake · 0s\n\npartial work\n\nrate limited\n\n`fake resume s1`"
    ]

    other = MemoryTransport()
    runner = ScriptedRunner(events_script([started(), completed("", ok=False, error="boom")]))
    await run(other, runner)
    assert other.texts() == ["error · fake · 0s\n\nboom\n\n`fake resume s1`"]


async def test_runner_without_completed_event_raises(transport: MemoryTransport) -> None:
    runner = ScriptedRunner(events_script([started(), action(1)]))
    with pytest.raises(RuntimeError, match="runner finished without a completed event"):
        await run(transport, runner)


async def test_failed_progress_send_still_delivers_the_answer(transport: MemoryTransport) -> None:
    async def script(prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        transport.fail_sends = False
        yield started()
        yield completed()

    transport.fail_sends = True
    tasks: RunningTasks = {}
    await run(transport, ScriptedRunner(script), final_notify=False, running_tasks=tasks)
    # No progress message, so no running task and the answer goes out as a new message.
    assert transport.ops() == ["send", "send"]
    assert transport.texts() == ["done · fake · 0s\n\nthe answer\n\n`fake resume s1`"]


# -- prompt and resume -------------------------------------------------------------------------


async def test_resume_lines_are_stripped_and_empty_prompt_becomes_continue(
    transport: MemoryTransport,
) -> None:
    runner = ScriptedRunner(events_script([started(), completed()]))
    await run(transport, runner, text="`fake resume s1`\nfix the bug\nfake resume s1")
    await run(transport, runner, text="`fake resume s1`\n\n  ")
    assert [prompt for prompt, _ in runner.runs] == ["fix the bug", "continue"]


async def test_custom_strip_predicate_replaces_the_runners(transport: MemoryTransport) -> None:
    runner = ScriptedRunner(events_script([started(), completed()]))
    await run(
        transport,
        runner,
        text="codex resume abc\nfake resume s1\nhi",
        strip_resume_line=lambda line: line.startswith("codex resume"),
    )
    assert runner.runs[0][0] == "fake resume s1\nhi"


async def test_resume_token_reaches_the_runner_and_the_first_progress_message(
    transport: MemoryTransport,
) -> None:
    runner = ScriptedRunner(events_script([started(), completed()]))
    await run(transport, runner, resume_token=TOKEN, context_line="ctx: demo @main")
    assert runner.runs == [("hello", TOKEN)]
    first = transport.calls[0].message
    assert first is not None
    assert first.text == "starting · fake · 0s\n\nctx: demo @main  \n`fake resume s1`"


async def test_progress_ref_is_reused_or_replaced(transport: MemoryTransport) -> None:
    queued = await transport.send(
        channel_id=CHAT,
        message=RenderedMessage("queued"),
    )
    assert queued is not None
    runner = ScriptedRunner(events_script([started(), completed()]))
    await run(transport, runner, final_notify=False, progress_ref=queued)
    # The queued message became the progress message and then the answer.
    assert transport.calls[1].op == "edit" and transport.calls[1].ref == queued
    assert transport.texts() == ["done · fake · 0s\n\nthe answer\n\n`fake resume s1`"]

    gone = MessageRef(CHAT, 999_999)
    other = MemoryTransport()
    await run(other, runner, final_notify=False, progress_ref=gone)
    assert other.ops()[:3] == ["edit-failed", "send", "delete"]
    assert other.calls[1].options is not None and other.calls[1].options.replace == gone


# -- running tasks, on_thread_known, cancellation ----------------------------------------------


async def test_on_thread_known_fires_once_with_the_token_and_done_event(
    transport: MemoryTransport,
) -> None:
    seen: list[tuple[ResumeToken, anyio.Event]] = []

    async def known(token: ResumeToken, done: anyio.Event) -> None:
        assert not done.is_set()
        seen.append((token, done))

    tasks: RunningTasks = {}
    runner = ScriptedRunner(events_script([started(), action(1), started(), completed()]))
    await run(transport, runner, running_tasks=tasks, on_thread_known=known)
    assert [token for token, _ in seen] == [TOKEN]
    assert seen[0][1].is_set()  # the run's `done` event, set when it ended
    assert tasks == {}

    # Without running_tasks the callback is never called.
    seen.clear()
    await run(transport, runner, on_thread_known=known)
    assert seen == []


async def test_on_thread_known_failure_fails_the_run(transport: MemoryTransport) -> None:
    async def known(token: ResumeToken, done: anyio.Event) -> None:
        raise OSError("cannot persist session")

    runner = ScriptedRunner(events_script([started(), completed()]))
    await run(transport, runner, running_tasks={}, on_thread_known=known)
    assert transport.texts() == ["error · fake · 0s\n\ncannot persist session\n\n`fake resume s1`"]


def blocked_script(release: anyio.Event, *, before_start: bool = False):
    async def script(prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        if before_start:
            await release.wait()
        yield started()
        yield action(1, "started")
        await release.wait()
        yield completed()

    return script


async def test_cancel_through_running_tasks(transport: MemoryTransport) -> None:
    tasks: RunningTasks = {}
    never = anyio.Event()
    runner = ScriptedRunner(blocked_script(never))
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: run(transport, runner, running_tasks=tasks))
        await transport.wait_for(lambda: bool(tasks))
        ((progress_ref, task),) = tasks.items()
        with anyio.fail_after(5):
            await task.resume_ready.wait()
        assert task.resume == TOKEN
        # A transport rebuilds the ref from a reply: equality ignores raw/thread/sender.
        tasks[
            MessageRef(progress_ref.channel_id, progress_ref.message_id, raw={"x": 1})
        ].cancel_requested.set()
    assert task.done.is_set()
    assert tasks == {}
    assert runner.closed == 1
    assert transport.texts() == [
        "`cancelled` · fake · 0s · step 1\n\n▸ `step 1`\n\n`fake resume s1`"
    ]
    assert transport.calls[-1].op == "edit"


async def test_cancel_before_the_runner_produced_anything(transport: MemoryTransport) -> None:
    tasks: RunningTasks = {}
    runner = ScriptedRunner(blocked_script(anyio.Event(), before_start=True))
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: run(transport, runner, running_tasks=tasks))
        await transport.wait_for(lambda: bool(tasks))
        next(iter(tasks.values())).cancel_requested.set()
    assert transport.texts() == ["`cancelled` · fake · 0s"]


class Control:
    def __init__(self, *, fail: bool = False) -> None:
        self.interrupted = 0
        self.fail = fail

    async def steer(self, text: str) -> None:
        raise NotImplementedError

    async def interrupt(self) -> bool:
        self.interrupted += 1
        if self.fail:
            raise RuntimeError("interrupt failed")
        return True


@pytest.mark.parametrize("fail", [False, True])
async def test_cancel_interrupts_turn_control_first(transport: MemoryTransport, fail: bool) -> None:
    control = Control(fail=fail)
    never = anyio.Event()

    async def script(prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        yield EventFactory("fake").started(TOKEN, meta={"control": control})
        await never.wait()
        yield completed()

    tasks: RunningTasks = {}
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: run(transport, ScriptedRunner(script), running_tasks=tasks))
        await transport.wait_for(lambda: bool(tasks))
        task: RunningTask = next(iter(tasks.values()))
        with anyio.fail_after(5):
            await task.resume_ready.wait()
        assert task.control is control
        task.cancel_requested.set()
    assert control.interrupted == 1
    assert transport.texts()[0].startswith("`cancelled` · fake")


async def test_cancel_kills_a_real_engine_process(
    transport: MemoryTransport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = write_engine(
        tmp_path,
        "slow",
        """
        emit({"type": "session", "id": "s1", "pid": os.getpid()})
        time.sleep(600)
        """,
    )
    tasks: RunningTasks = {}
    pids: list[int] = []

    async def known(token: ResumeToken, done: anyio.Event) -> None:
        pass

    runner = FakeRunner(script)
    original = runner.translate

    def translate(data: Any, **kwargs: Any) -> list[TakopiEvent]:
        if "pid" in data:
            pids.append(data["pid"])
        return original(data, **kwargs)

    monkeypatch.setattr(runner, "translate", translate)  # a spy on the real translation
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: run(transport, runner, running_tasks=tasks, on_thread_known=known))
        await transport.wait_for(lambda: bool(tasks))
        task = next(iter(tasks.values()))
        with anyio.fail_after(10):
            await task.resume_ready.wait()
        task.cancel_requested.set()
    assert transport.texts() == ["`cancelled` · fake · 0s\n\n`fake resume s1`"]
    assert not Path(f"/proc/{pids[0]}").exists()


# -- progress edits ----------------------------------------------------------------------------


async def test_ten_thousand_events_coalesce_into_a_few_edits(transport: MemoryTransport) -> None:
    """Edits are slow here (each waits for a gate the runner opens only after its flood), so
    every event but the first arrives while an edit is in flight."""
    transport.edit_gate = anyio.Event()
    release = anyio.Event()

    async def script(prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        yield started()
        for n in range(1, 10_001):
            yield action(n, "started")
            await anyio.sleep(0)  # hand the loop to the editor after every single event
        transport.edit_gate.set()
        await release.wait()
        yield completed("all done")

    async with anyio.create_task_group() as group:
        group.start_soon(lambda: run(transport, ScriptedRunner(script), final_notify=False))
        await transport.wait_for(
            lambda: any("step 10000" in t for t in transport.texts()), timeout=30
        )
        progress_edits = transport.edits()
        release.set()

    assert 1 <= len(progress_edits) <= 3
    assert all(call.wait is False for call in progress_edits)
    last = progress_edits[-1].message
    assert last is not None
    assert last.text.startswith("working · fake · 0s · step 10000\n\n▸ `step 9996`")
    assert last.text.endswith("▸ `step 10000`\n\n`fake resume s1`")
    assert transport.texts() == ["done · fake · 0s · step 10000\n\nall done\n\n`fake resume s1`"]


async def test_unchanged_renders_are_not_sent(transport: MemoryTransport) -> None:
    release = anyio.Event()

    async def script(prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        yield started()
        await anyio.sleep(0)
        for _ in range(50):  # the same state over and over
            yield action(1, "completed")
            await anyio.sleep(0)
        await release.wait()
        yield completed()

    async with anyio.create_task_group() as group:
        group.start_soon(lambda: run(transport, ScriptedRunner(script), final_notify=False))
        await transport.wait_for(lambda: any("✓ `step 1`" in t for t in transport.texts()))
        # Let the remaining identical events be processed before releasing the runner.
        for _ in range(200):
            await anyio.sleep(0)
        edits = len(transport.edits())
        release.set()
    assert edits == 2  # "started" resume line, then the completed action; no repeats


async def test_flood_from_a_real_engine_process(transport: MemoryTransport, tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "flood",
        """
        emit({"type": "session", "id": "s1"})
        for n in range(1, 10001):
            sys.stdout.write(json.dumps({"type": "action", "id": f"a{n}", "title": f"step {n}",
                                         "phase": "completed", "ok": True}) + "\\n")
        emit({"type": "result", "answer": "flooded"})
        """,
    )
    await run(transport, FakeRunner(script), final_notify=False)
    edits = transport.edits()
    # 10,000 events arrive in a few large reads; each read costs at most one edit.
    assert len(edits) < 200
    assert transport.texts() == ["done · fake · 0s · step 10000\n\nflooded\n\n`fake resume s1`"]


# -- error text --------------------------------------------------------------------------------


def test_format_error_flattens_groups_and_drops_cancellation() -> None:
    cancelled = asyncio.CancelledError
    assert format_error(RuntimeError("x")) == "x"
    assert format_error(ExceptionGroup("g", [ValueError("inner")])) == "inner"
    nested = BaseExceptionGroup("g", [cancelled(), ExceptionGroup("h", [KeyError("k")])])
    assert format_error(nested) == "'k'"
    several = ExceptionGroup("g", [ValueError("a"), ValueError(""), TypeError("b")])
    assert format_error(several) == "a\nb"
    assert format_error(ExceptionGroup("g", [ValueError(), TypeError()])) == "g (2 sub-exceptions)"
