"""Guards around plugin runners and plugin code (run.guard) and the router over them."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import warnings
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from takopi_core.run import guard
from takopi_core.run.guard import (
    GuardedRunner,
    PluginFault,
    guarded_call,
    run_abandonable,
    run_host_loop,
    runner_problem,
)
from takopi_core.run.model import CompletedEvent, ResumeToken, StartedEvent
from takopi_core.run.router import AutoRouter, RunnerEntry
from takopi_core.run.runner import ResumeTokenMixin


class Good(ResumeTokenMixin):
    """A well-behaved runner: ``<engine> resume <id>`` lines, one completed event."""

    def __init__(self, engine: str) -> None:
        self.engine = engine

    async def run(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[Any]:
        token = ResumeToken(self.engine, "s1")
        yield StartedEvent(engine=self.engine, resume=token)
        yield CompletedEvent(engine=self.engine, ok=True, answer=f"ok: {prompt}", resume=token)


class Bad(Good):
    """``Good`` with one behaviour replaced per test.

    The tests replace its methods on the instance with misbehaving ones, as a buggy plugin
    would have them: the ``type: ignore[method-assign, ...]`` comments below are the point.
    """


@pytest.fixture(autouse=True)
def fresh_fault_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "_reported", set())
    monkeypatch.setitem(guard._interrupts, "count", 0)
    monkeypatch.setitem(guard._interrupts, "stop", None)


def guarded(runner: object, engine: str = "evil") -> GuardedRunner:
    return GuardedRunner(engine, runner, distribution="takopi-engine-evil")


# --- checked when built ----------------------------------------------------------------------


class Missing:
    engine = "evil"

    def run(self, prompt: str, resume: object) -> None: ...


@pytest.mark.parametrize(
    ("runner", "problem"),
    [
        (None, "build_runner returned None, not a Runner"),
        ("runner", "build_runner returned a str, not a Runner"),
        (42, "build_runner returned an int, not a Runner"),
        (
            object(),
            "its runner (object) has no is_resume_line, format_resume, extract_resume, run",
        ),
        (Missing(), "its runner (Missing) has no is_resume_line, format_resume, extract_resume"),
        (Good("beta"), "its runner's `engine` is 'beta', not 'evil'"),
        (Good("evil"), None),
    ],
)
def test_runner_problem(runner: object, problem: str | None) -> None:
    assert runner_problem("evil", runner) == problem


def test_an_async_build_runner_is_named_and_its_coroutine_closed() -> None:
    async def build() -> Good:
        return Good("evil")

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine was never awaited" would be an error
        problem = runner_problem("evil", build())
        gc.collect()
    assert (
        problem == "build_runner returned a coroutine (it must be a plain function), not a Runner"
    )


# --- resume helpers ------------------------------------------------------------------------------


def test_a_raising_resume_helper_disables_the_engine_once(caplog: pytest.LogCaptureFixture) -> None:
    runner = Bad("evil")
    runner.is_resume_line = lambda line: bool(1 / 0)  # type: ignore[method-assign]
    wrapped = guarded(runner)
    with caplog.at_level(logging.WARNING, logger="takopi.faults"):
        assert wrapped.is_resume_line("evil resume x") is False
        assert wrapped.is_resume_line("evil resume y") is False
    assert wrapped.fault == "is_resume_line() raised ZeroDivisionError: division by zero"
    assert [r.getMessage() for r in caplog.records] == [
        "engine 'evil' (takopi-engine-evil) is disabled for this session: "
        "is_resume_line() raised ZeroDivisionError: division by zero"
    ]
    # Disabled: the other helpers are not called any more and answer "no".
    assert wrapped.extract_resume("`evil resume abc`") is None
    assert wrapped.format_resume(ResumeToken("evil", "abc")) == "`evil resume abc`"


@pytest.mark.parametrize(
    ("exc", "shown"),
    [(SystemExit(7), "SystemExit(7)"), (KeyboardInterrupt(), "KeyboardInterrupt")],
)
def test_systemexit_and_a_plugins_keyboardinterrupt_are_faults(
    exc: BaseException, shown: str
) -> None:
    def boom(text: str | None) -> None:
        raise exc

    runner = Bad("evil")
    runner.extract_resume = boom  # type: ignore[method-assign]
    wrapped = guarded(runner)
    assert wrapped.extract_resume("x") is None
    assert wrapped.fault == f"extract_resume() raised {shown}"


def test_a_real_ctrl_c_is_not_taken_for_a_plugin_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(guard._interrupts, "count", 1)  # the user pressed Ctrl+C

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        guarded_call("run()", interrupted)


def test_another_engines_token_is_refused_and_the_router_still_resolves() -> None:
    evil = Bad("evil")
    evil.extract_resume = lambda text: ResumeToken("beta", "stolen")  # type: ignore[method-assign]
    router = AutoRouter(
        [
            RunnerEntry(engine="beta", runner=guarded(Good("beta"), "beta")),
            RunnerEntry(engine="evil", runner=guarded(evil)),
        ],
        "beta",
    )
    assert router.resolve_resume("`beta resume real`", None) == ResumeToken("beta", "real")
    assert router.resolve_resume("no resume line here", None) is None
    entry = router.entry_for_engine("evil")
    assert not entry.available
    assert entry.problem == (
        "engine 'evil' (takopi-engine-evil) is disabled for this session: what "
        "extract_resume() returned is a resume token for engine 'beta'"
    )
    assert [e.engine for e in router.available_entries] == ["beta"]


def test_a_format_resume_of_the_wrong_type_falls_back() -> None:
    runner = Bad("evil")
    runner.format_resume = lambda token: 42  # type: ignore[method-assign,assignment,return-value]
    wrapped = guarded(runner)
    assert wrapped.format_resume(ResumeToken("evil", "s")) == "`evil resume s`"
    assert wrapped.fault == "format_resume() returned an int, not a str"


# --- run() ---------------------------------------------------------------------------------------


async def collect(runner: GuardedRunner) -> list[Any]:
    return [event async for event in runner.run("hi", None)]


def run_async(runner: GuardedRunner) -> list[Any]:
    return anyio.run(collect, runner)


def test_a_good_run_passes_through() -> None:
    events = run_async(guarded(Good("evil")))
    assert [type(e).__name__ for e in events] == ["StartedEvent", "CompletedEvent"]
    assert events[-1].answer == "ok: hi"


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        ("yield 'not an event'", "run() yielded a str, not an event"),
        ("raise SystemExit(5)\n    yield", "run() raised SystemExit(5)"),
        (
            "yield CompletedEvent(engine='evil', ok=True, answer=None)",
            "its completed event's `answer` is None, not a str",
        ),
        (
            "yield StartedEvent(engine='evil', resume=ResumeToken('beta', 's'))",
            "its started event's `resume` is a resume token for engine 'beta'",
        ),
    ],
)
def test_a_faulty_run_raises_a_plugin_fault_and_disables(body: str, fault: str) -> None:
    namespace: dict[str, Any] = {
        "CompletedEvent": CompletedEvent,
        "StartedEvent": StartedEvent,
        "ResumeToken": ResumeToken,
    }
    exec(f"async def run(self, prompt, resume):\n    {body}\n", namespace)
    runner = type("Faulty", (Good,), {"run": namespace["run"]})("evil")
    wrapped = guarded(runner)
    with pytest.raises(PluginFault) as caught:
        run_async(wrapped)
    assert str(caught.value) == (
        f"engine 'evil' (takopi-engine-evil) is disabled for this session: {fault}"
    )
    assert wrapped.fault == fault


def test_an_ordinary_run_error_stays_that_runs_error() -> None:
    class Failing(Good):
        async def run(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[Any]:
            raise RuntimeError("session mismatch")
            yield

    wrapped = guarded(Failing("evil"))
    with pytest.raises(RuntimeError, match=r"^session mismatch$"):
        run_async(wrapped)
    assert wrapped.fault is None  # the next message may well work


def test_a_coroutine_run_is_refused_without_never_awaited() -> None:
    class Coroutine(Good):
        # The plugin bug under test: run() is a coroutine, not an async iterator.
        async def run(self, prompt: str, resume: ResumeToken | None) -> Any:  # type: ignore[override]
            return 1

    wrapped = guarded(Coroutine("evil"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(PluginFault, match="run\\(\\) is a coroutine function"):
            run_async(wrapped)
        gc.collect()


# --- plugin code that ignores cancellation -------------------------------------------------------


def test_a_task_that_ignores_cancellation_is_left_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "_abandoned", [])
    release = threading.Event()
    swallowed: list[str] = []

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(3600)
            except BaseException as exc:
                swallowed.append(type(exc).__name__)

    abandoned: list[str] = []

    async def main() -> bool:
        with anyio.move_on_after(0.2) as scope:
            await run_abandonable(
                stubborn(), grace_s=0.3, on_abandon=lambda: abandoned.append("left")
            )
        return scope.cancelled_caught

    cancelled = run_host_loop(main, grace_s=0.2)  # returns although the task never ends
    release.set()
    assert cancelled is True  # the cancellation went on to the caller
    assert abandoned == ["left"]
    assert len(guard.abandoned_tasks()) == 1
    assert swallowed.count("CancelledError") >= 2  # it was asked more than once


def test_a_task_that_stops_when_cancelled_is_not_abandoned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(guard, "_abandoned", [])

    async def main() -> bool:
        with anyio.move_on_after(0.1) as scope:
            await run_abandonable(asyncio.sleep(3600), grace_s=1, on_abandon=lambda: None)
        return scope.cancelled_caught

    assert run_host_loop(main) is True
    assert guard.abandoned_tasks() == ()
