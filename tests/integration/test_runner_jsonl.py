"""JsonlSubprocessRunner against fake engine CLIs run as real child processes."""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
from collections.abc import AsyncGenerator, Iterator
from contextlib import aclosing
from pathlib import Path

import anyio
import pytest
from support.fake_engines import FakeRunner, write_engine

from takopi_core.run.context import reset_run_base_dir, set_run_base_dir
from takopi_core.run.model import (
    ActionEvent,
    CompletedEvent,
    ResumeToken,
    StartedEvent,
    TakopiEvent,
)


async def collect(runner: FakeRunner, prompt: str = "hi", resume: ResumeToken | None = None):
    return [event async for event in runner.run(prompt, resume)]


def assert_contract(events: list[TakopiEvent]) -> CompletedEvent:
    """One started event, one completed event, completed last, same resume token."""
    started = [e for e in events if isinstance(e, StartedEvent)]
    completed = [e for e in events if isinstance(e, CompletedEvent)]
    assert len(started) == 1, events
    assert len(completed) == 1, events
    assert events[-1] is completed[0]
    assert completed[0].resume == started[0].resume
    return completed[0]


def notes(events: list[TakopiEvent]) -> list[ActionEvent]:
    return [e for e in events if isinstance(e, ActionEvent) and e.action.kind == "warning"]


async def test_good_stream_yields_the_engines_events_in_order(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "good",
        """
        emit({"type": "session", "id": "s1"})
        emit({"type": "action", "id": "a1", "phase": "started", "title": "ls"})
        emit({"type": "action", "id": "a1", "phase": "completed", "title": "ls", "ok": True})
        emit({"type": "result", "answer": "echo: " + PROMPT})
        """,
    )
    events = await collect(FakeRunner(script), "hello there")
    completed = assert_contract(events)
    assert completed.ok is True
    assert completed.answer == "echo: hello there"
    assert completed.resume == ResumeToken("fake", "s1")
    actions = [e for e in events if isinstance(e, ActionEvent)]
    assert [(a.action.id, a.phase, a.ok) for a in actions] == [
        ("a1", "started", None),
        ("a1", "completed", True),
    ]
    assert not notes(events)


async def test_bad_json_lines_become_warning_notes_and_the_run_goes_on(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "badjson",
        """
        raw("this is not json\\n")
        emit({"type": "session", "id": "s1"})
        raw("{truncated\\n")
        raw("   \\n")
        emit({"type": "mystery", "item": {"type": "widget"}})
        emit({"type": "result", "answer": "ok"})
        """,
    )
    events = await collect(FakeRunner(script))
    completed = assert_contract(events)
    assert completed.ok is True
    found = notes(events)
    assert [n.action.title for n in found] == [
        "invalid JSON from fake; ignoring line",
        "invalid JSON from fake; ignoring line",
        "fake translation error; ignoring event",
    ]
    assert found[0].action.detail == {"line": "this is not json"}
    assert found[1].action.detail == {"line": "{truncated"}
    assert found[2].action.detail == {
        "error": "unknown event type 'mystery'",
        "type": "mystery",
        "item_type": "widget",
    }
    # Note ids are unique, so the progress view keeps every note.
    assert len({n.action.id for n in found}) == 3
    assert all(n.phase == "completed" and n.ok is False and n.level == "warning" for n in found)


async def test_crash_mid_stream_fails_the_run_and_shows_stderr(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "crash",
        """
        emit({"type": "session", "id": "s9"})
        emit({"type": "action", "id": "a1", "phase": "started", "title": "make"})
        raise RuntimeError("engine exploded mid-stream")
        """,
    )
    events = await collect(FakeRunner(script))
    completed = assert_contract(events)
    assert completed.ok is False
    assert completed.resume == ResumeToken("fake", "s9")
    assert completed.error is not None
    assert completed.error.startswith("fake failed (rc=1).\n\nstderr:\n```\n")
    assert "RuntimeError: engine exploded mid-stream" in completed.error
    assert [n.action.title for n in notes(events)] == ["fake failed (rc=1)."]


async def test_nonzero_exit_without_result_maps_the_exit_code(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "exit2",
        """
        emit({"type": "session", "id": "s2"})
        sys.exit(2)
        """,
    )
    events = await collect(FakeRunner(script))
    completed = assert_contract(events)
    assert completed.ok is False
    assert completed.answer == ""
    # Nothing on stderr: the error is exactly the exit-code message.
    assert completed.error == "fake failed (rc=2)."


async def test_process_killed_by_a_signal_reports_the_negative_code(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "killed",
        """
        emit({"type": "session", "id": "s3"})
        os.kill(os.getpid(), signal.SIGKILL)
        """,
    )
    completed = assert_contract(await collect(FakeRunner(script)))
    assert completed.error == f"fake failed (rc=-{int(signal.SIGKILL)})."


async def test_clean_exit_without_result_is_a_failed_run(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "noresult",
        """
        emit({"type": "session", "id": "s4"})
        sys.stderr.write("warning: model quota low\\n")
        """,
    )
    completed = assert_contract(await collect(FakeRunner(script)))
    assert completed.ok is False
    assert completed.error == (
        "fake finished without a result event\n\nstderr:\n```\nwarning: model quota low\n```"
    )


async def test_no_session_and_no_result_still_completes_once(tmp_path: Path) -> None:
    script = write_engine(tmp_path, "silent", "sys.exit(4)\n")
    events = await collect(FakeRunner(script))
    assert [type(e) for e in events] == [ActionEvent, CompletedEvent]
    assert events[-1].resume is None


async def test_last_line_without_newline_is_processed(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "nonewline",
        """
        emit({"type": "session", "id": "s5"})
        raw(json.dumps({"type": "result", "answer": "the very end"}))
        """,
    )
    completed = assert_contract(await collect(FakeRunner(script)))
    assert completed.ok is True
    assert completed.answer == "the very end"


async def test_garbage_last_line_without_newline_becomes_a_note(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "garbagetail",
        """
        emit({"type": "session", "id": "s6"})
        raw("half a line")
        """,
    )
    events = await collect(FakeRunner(script))
    assert_contract(events)
    assert notes(events)[0].action.detail == {"line": "half a line"}


async def test_lines_after_the_result_are_dropped_and_exit_code_ignored(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "aftermath",
        """
        emit({"type": "session", "id": "s7"})
        emit({"type": "result", "answer": "done"})
        emit({"type": "action", "id": "late", "title": "too late"})
        raw("garbage after the end\\n")
        sys.exit(9)
        """,
    )
    events = await collect(FakeRunner(script))
    completed = assert_contract(events)
    assert completed.ok is True
    assert len(events) == 2


async def test_engine_reported_failure_is_passed_through(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "reportedfail",
        """
        emit({"type": "session", "id": "s8"})
        emit({"type": "result", "ok": False, "error": "rate limited", "answer": "partial"})
        """,
    )
    completed = assert_contract(await collect(FakeRunner(script)))
    assert (completed.ok, completed.error, completed.answer) == (False, "rate limited", "partial")


async def test_duplicate_started_event_is_suppressed(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "dupsession",
        """
        emit({"type": "session", "id": "same"})
        emit({"type": "session", "id": "same"})
        emit({"type": "result", "answer": "x"})
        """,
    )
    assert_contract(await collect(FakeRunner(script)))


async def test_second_different_session_aborts_the_run(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "twosessions",
        """
        emit({"type": "session", "id": "one"})
        emit({"type": "session", "id": "two"})
        emit({"type": "result", "answer": "x"})
        """,
    )
    with pytest.raises(RuntimeError, match="fake emitted session id two but expected one"):
        await collect(FakeRunner(script))


async def test_resume_passes_the_token_and_checks_the_reported_session(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "resumer",
        """
        emit({"type": "session", "id": RESUME})
        emit({"type": "result", "answer": "resumed " + RESUME})
        """,
    )
    token = ResumeToken("fake", "abc123")
    completed = assert_contract(await collect(FakeRunner(script), "go on", token))
    assert (completed.answer, completed.resume) == ("resumed abc123", token)

    wrong = write_engine(
        tmp_path,
        "wrongsession",
        """
        emit({"type": "session", "id": "other"})
        emit({"type": "result", "answer": "x"})
        """,
    )
    with pytest.raises(RuntimeError, match="fake emitted session id other but expected abc123"):
        await collect(FakeRunner(wrong), "go on", token)


async def test_resume_token_for_another_engine_is_refused(tmp_path: Path) -> None:
    script = write_engine(tmp_path, "unused", "emit({'type': 'result'})\n")
    with pytest.raises(RuntimeError, match="resume token is for engine 'codex', not 'fake'"):
        await collect(FakeRunner(script), "x", ResumeToken("codex", "t"))


async def test_child_runs_in_run_base_dir_and_its_own_process_group(tmp_path: Path) -> None:
    workdir = tmp_path / "project"
    workdir.mkdir()
    script = write_engine(
        tmp_path,
        "whereami",
        """
        emit({"type": "session", "id": "w", "leader": os.getpgrp() == os.getpid()})
        emit({"type": "result", "answer": os.getcwd()})
        """,
    )
    token = set_run_base_dir(workdir)
    try:
        events = await collect(FakeRunner(script))
    finally:
        reset_run_base_dir(token)
    completed = assert_contract(events)
    assert Path(completed.answer) == workdir.resolve()
    assert events[0].meta == {"leader": True}


async def test_long_lines_have_no_length_limit(tmp_path: Path) -> None:
    script = write_engine(
        tmp_path,
        "longline",
        """
        emit({"type": "session", "id": "l"})
        emit({"type": "result", "answer": "x" * 3_000_000})
        """,
    )
    completed = assert_contract(await collect(FakeRunner(script)))
    assert len(completed.answer) == 3_000_000


async def test_child_that_never_reads_a_large_prompt_does_not_break_the_run(
    tmp_path: Path,
) -> None:
    script = tmp_path / "noread.py"
    script.write_text("import sys\nsys.exit(5)\n", encoding="utf-8")
    completed = assert_contract_no_session(await collect(FakeRunner(script), "p" * 5_000_000))
    assert completed.error == "fake failed (rc=5)."


def assert_contract_no_session(events: list[TakopiEvent]) -> CompletedEvent:
    assert isinstance(events[-1], CompletedEvent)
    assert sum(isinstance(e, CompletedEvent) for e in events) == 1
    return events[-1]


# -- cancellation ---------------------------------------------------------------------------

STUBBORN = """
signal.signal(signal.SIGTERM, signal.SIG_IGN)
# A grandchild in the same process group that also ignores SIGTERM.
child = subprocess.Popen(
    [sys.executable, "-c",
     "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"],
)
emit({"type": "session", "id": "stubborn", "pid": os.getpid(), "grandchild": child.pid})
time.sleep(600)
"""


@pytest.fixture
def subreaper() -> Iterator[None]:
    """Make this process adopt orphaned descendants, so the test can reap the grandchild
    itself and prove it was killed (some containers' init never reaps orphans)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_CHILD_SUBREAPER is Linux-only")
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_child_subreaper = 36
    assert libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) == 0
    try:
        yield
    finally:
        libc.prctl(pr_set_child_subreaper, 0, 0, 0, 0)


def assert_group_gone(started: StartedEvent) -> None:
    meta = started.meta or {}
    pid, grandchild = meta["pid"], meta["grandchild"]
    # The engine process was reaped by the runner: not even a zombie is left.
    assert not Path(f"/proc/{pid}").exists() if sys.platform.startswith("linux") else True
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    # The grandchild ignored SIGTERM too, so it must have died of the group SIGKILL. A pidfd
    # turns readable when it exits; a bounded wait keeps a regression from hanging the suite.
    pidfd = os.pidfd_open(grandchild)
    try:
        exited, _, _ = select.select([pidfd], [], [], 5.0)
    finally:
        os.close(pidfd)
    if not exited:
        os.kill(grandchild, signal.SIGKILL)
        os.waitpid(grandchild, 0)
        pytest.fail("the grandchild outlived the run: the process group was not killed")
    _, status = os.waitpid(grandchild, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)


async def test_cancel_kills_a_child_that_ignores_sigterm(tmp_path: Path, subreaper: None) -> None:
    script = write_engine(tmp_path, "stubborn", STUBBORN)
    runner = FakeRunner(script, grace_s=0.2)
    seen: list[TakopiEvent] = []
    with anyio.fail_after(20):
        with anyio.CancelScope() as scope:
            async for event in runner.run("x", None):
                seen.append(event)
                if isinstance(event, StartedEvent):
                    scope.cancel()
    assert scope.cancelled_caught
    assert isinstance(seen[0], StartedEvent)
    assert_group_gone(seen[0])


async def test_closing_the_stream_early_kills_the_process_group(
    tmp_path: Path, subreaper: None
) -> None:
    script = write_engine(tmp_path, "stubborn2", STUBBORN)
    runner = FakeRunner(script, grace_s=0.2)
    stream = runner.run("x", None)
    assert isinstance(stream, AsyncGenerator)  # what a consumer can close early
    with anyio.fail_after(20):
        async with aclosing(stream) as events:
            async for event in events:
                if isinstance(event, StartedEvent):
                    started = event
                    break
    assert_group_gone(started)
    # The session lock was released with the stream: a resumed run can take it at once.
    assert runner.lock_for(started.resume).value == 1
