"""BaseRunner session locking and the ResumeTokenMixin resume-line helpers."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing

import anyio
import pytest
from support.memory_transport import ScriptedRunner

from takopi_core.run.events import EventFactory
from takopi_core.run.model import ResumeToken, TakopiEvent
from takopi_core.run.runner import ResumeTokenMixin

TOKEN = ResumeToken("fake", "s1")


class Marks:
    """An ordered log of what runs did, with an event per entry to await."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self._events: dict[str, anyio.Event] = {}

    def add(self, mark: str) -> None:
        self.log.append(mark)
        self._event(mark).set()

    async def reached(self, mark: str) -> None:
        with anyio.fail_after(5):
            await self._event(mark).wait()

    def _event(self, mark: str) -> anyio.Event:
        return self._events.setdefault(mark, anyio.Event())


def gated_session(gate: anyio.Event, marks: Marks, name: str):
    """A run that reports session s1, then waits for ``gate`` before completing."""

    async def script(prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        factory = EventFactory("fake")
        marks.add(f"{name} impl-start")
        yield factory.started(TOKEN)
        marks.add(f"{name} has-lock")
        await gate.wait()
        marks.add(f"{name} end")
        yield factory.completed_ok(answer=name)

    return script


async def drain(runner: ScriptedRunner, resume: ResumeToken | None, prompt: str = "p"):
    return [event async for event in runner.run(prompt, resume)]


async def settle() -> None:
    """Give every other task many chances to run (to show that one stays blocked)."""
    for _ in range(100):
        await anyio.sleep(0)


async def test_resumed_run_waits_for_a_new_run_holding_the_same_session() -> None:
    marks = Marks()
    gates = {"new": anyio.Event(), "resumed": anyio.Event()}

    def script(prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        name = "new" if resume is None else "resumed"
        return gated_session(gates[name], marks, name)(prompt, resume)

    runner = ScriptedRunner(script)
    async with anyio.create_task_group() as group:
        group.start_soon(drain, runner, None)
        await marks.reached("new has-lock")
        group.start_soon(drain, runner, TOKEN)
        await settle()
        # The resumed run has not even started its implementation: it waits for the lock.
        assert marks.log == ["new impl-start", "new has-lock"]
        assert runner.lock_for(TOKEN).value == 0
        gates["new"].set()
        await marks.reached("resumed has-lock")
        gates["resumed"].set()
    assert marks.log == [
        "new impl-start",
        "new has-lock",
        "new end",
        "resumed impl-start",
        "resumed has-lock",
        "resumed end",
    ]


async def test_two_new_runs_reporting_one_session_are_serialised_at_started() -> None:
    marks = Marks()
    gates = {"a": anyio.Event(), "b": anyio.Event()}
    runner = ScriptedRunner(
        lambda prompt, resume: gated_session(gates[prompt], marks, prompt)(prompt, resume)
    )
    async with anyio.create_task_group() as group:
        group.start_soon(drain, runner, None, "a")
        await marks.reached("a has-lock")
        group.start_soon(drain, runner, None, "b")
        await marks.reached("b impl-start")
        await settle()
        assert "b has-lock" not in marks.log  # b reported s1 too and waits for a's lock
        gates["b"].set()
        gates["a"].set()
    assert marks.log.index("a end") < marks.log.index("b has-lock")


async def test_lock_is_released_when_the_consumer_stops_early() -> None:
    runner = ScriptedRunner(gated_session(anyio.Event(), Marks(), "x"))
    stream = runner.run("p", None)
    assert isinstance(stream, AsyncGenerator)  # what a consumer can close early
    async with aclosing(stream) as events:
        async for _ in events:
            break
    assert runner.lock_for(TOKEN).value == 1
    assert runner.closed == 1
    # And a resumed run on the same runner goes through at once.
    runner.script = lambda p, r: _one_shot(r)
    with anyio.fail_after(5):
        assert [e.type for e in await drain(runner, TOKEN)] == ["started", "completed"]


async def _one_shot(resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
    factory = EventFactory("fake")
    yield factory.started(resume or TOKEN)
    yield factory.completed_ok(answer="ok")


async def test_resume_for_another_engine_is_refused() -> None:
    runner = ScriptedRunner(lambda p, r: _one_shot(r))
    with pytest.raises(RuntimeError, match="resume token is for engine 'codex', not 'fake'"):
        await drain(runner, ResumeToken("codex", "x"))
    assert runner.runs == []


def test_locks_are_shared_per_session_and_dropped_when_unused() -> None:
    runner = ScriptedRunner(lambda p, r: _one_shot(r))
    lock = runner.lock_for(TOKEN)
    assert runner.lock_for(ResumeToken("fake", "s1")) is lock
    assert runner.lock_for(ResumeToken("fake", "s2")) is not lock
    del lock
    assert "fake:s1" not in dict(runner._session_locks())


class Claude(ResumeTokenMixin):
    engine = "claude"
    resume_re = re.compile(
        r"^\s*`?claude\s+(?:--resume|-r)\s+(?P<token>[^\s`]+)`?\s*$", re.MULTILINE | re.I
    )

    def format_resume(self, token: ResumeToken) -> str:
        return f"`claude --resume {token.value}`"


class Plain(ResumeTokenMixin):
    engine = "mock"


def test_default_resume_lines() -> None:
    plain = Plain()
    token = ResumeToken("mock", "abc-1")
    assert plain.format_resume(token) == "`mock resume abc-1`"
    assert plain.is_resume_line("`mock resume abc-1`")
    assert plain.is_resume_line("  MOCK resume abc-1  ")
    assert not plain.is_resume_line("please mock resume abc-1 later")
    assert not plain.is_resume_line("codex resume abc")
    with pytest.raises(RuntimeError, match="resume token is for engine 'codex'"):
        plain.format_resume(ResumeToken("codex", "x"))


def test_extract_resume_takes_the_last_line() -> None:
    plain = Plain()
    text = "hi\n`mock resume first`\nmore\nmock resume second\nbye"
    assert plain.extract_resume(text) == ResumeToken("mock", "second")
    assert plain.extract_resume("") is None
    assert plain.extract_resume(None) is None
    assert plain.extract_resume("nothing here") is None


def test_custom_resume_pattern() -> None:
    claude = Claude()
    assert claude.is_resume_line("claude -r s-9")
    assert claude.extract_resume("`claude --resume s-1`\nclaude -r s-2") == ResumeToken(
        "claude", "s-2"
    )
    assert not claude.is_resume_line("claude resume s-1")
