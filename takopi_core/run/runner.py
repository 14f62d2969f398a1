"""Runners: the ``Runner`` protocol, resume-line helpers, per-session locking, and
``JsonlSubprocessRunner`` for agent CLIs that stream JSON lines.

See ``model.py`` for the event stream contract a runner must keep.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

import anyio
from anyio.abc import ByteReceiveStream, ByteSendStream, Process

from takopi_core.run.context import get_run_base_dir
from takopi_core.run.logs import get_logger
from takopi_core.run.model import (
    Action,
    ActionEvent,
    CompletedEvent,
    EngineId,
    ResumeToken,
    StartedEvent,
    TakopiEvent,
)

_logger = get_logger(__name__)


class RunnerUnavailableError(RuntimeError):
    """An engine cannot run (e.g. its CLI is missing); ``issue`` says why when known."""

    def __init__(self, engine: EngineId, issue: str | None = None) -> None:
        message = f"engine {engine!r} is unavailable"
        if issue:
            message = f"{message}: {issue}"
        super().__init__(message)
        self.engine = engine
        self.issue = issue


@runtime_checkable
class Runner(Protocol):
    """An engine as the run pipeline sees it.

    ``run`` returns an async iterator of events (an async generator is the usual shape); the
    resume helpers are sync and authoritative for how this engine's resume lines look.
    """

    engine: EngineId

    def is_resume_line(self, line: str) -> bool: ...

    def format_resume(self, token: ResumeToken) -> str: ...

    def extract_resume(self, text: str | None) -> ResumeToken | None: ...

    def run(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]: ...


def default_resume_re(engine: EngineId) -> re.Pattern[str]:
    """The pattern for ``<engine> resume <token>`` lines, optionally wrapped in backticks."""
    return re.compile(
        rf"^\s*`?\s*{re.escape(engine)}\s+resume\s+(?P<token>[^\s`]+)\s*`?\s*$",
        re.MULTILINE | re.IGNORECASE,
    )


class ResumeTokenMixin:
    """Resume-line helpers driven by ``resume_re`` (a pattern with a ``token`` group).

    Without a ``resume_re`` the default ``<engine> resume <token>`` syntax is used.
    Runners override ``format_resume`` when their CLI spells resuming differently.
    """

    engine: EngineId

    def _resume_pattern(self) -> re.Pattern[str]:
        pattern = getattr(self, "resume_re", None)
        if pattern is None:
            pattern = default_resume_re(self.engine)
        return pattern

    def format_resume(self, token: ResumeToken) -> str:
        """The line a user pastes to continue ``token``'s session."""
        if token.engine != self.engine:
            raise RuntimeError(f"resume token is for engine {token.engine!r}")
        return f"`{self.engine} resume {token.value}`"

    def is_resume_line(self, line: str) -> bool:
        """Whether ``line`` is one of this engine's resume lines."""
        return bool(self._resume_pattern().match(line))

    def extract_resume(self, text: str | None) -> ResumeToken | None:
        """The token of the last resume line in ``text``, or None."""
        if not text:
            return None
        found: str | None = None
        for match in self._resume_pattern().finditer(text):
            token = match.group("token")
            if token:
                found = token
        return ResumeToken(engine=self.engine, value=found) if found else None


@asynccontextmanager
async def _closing(events: AsyncIterator[TakopiEvent]) -> AsyncIterator[AsyncIterator[TakopiEvent]]:
    """Like ``contextlib.aclosing`` but tolerant of iterators without ``aclose``."""
    try:
        yield events
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


RunFn = Callable[[str, ResumeToken | None], AsyncIterator[TakopiEvent]]


class BaseRunner:
    """Base for runners: ``run`` serialises runs of the same session.

    Subclasses implement ``run_impl``. A resumed run holds its session's lock for the whole
    run; a new run takes the lock of the session it reports in its first ``StartedEvent``
    before that event is yielded. Locks are per runner instance and live only while in use.
    """

    engine: EngineId

    def _session_locks(self) -> weakref.WeakValueDictionary[str, anyio.Semaphore]:
        locks = self.__dict__.get("_takopi_session_locks")
        if locks is None:
            locks = weakref.WeakValueDictionary()
            self.__dict__["_takopi_session_locks"] = locks
        return locks

    def lock_for(self, token: ResumeToken) -> anyio.Semaphore:
        """The semaphore serialising runs of ``token``'s session."""
        key = f"{token.engine}:{token.value}"
        locks = self._session_locks()
        lock = locks.get(key)
        if lock is None:
            lock = anyio.Semaphore(1)
            locks[key] = lock
        return lock

    def run(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        """Run ``prompt``, continuing ``resume``'s session when given."""
        return self.run_locked(prompt, resume)

    async def run_locked(
        self, prompt: str, resume: ResumeToken | None
    ) -> AsyncIterator[TakopiEvent]:
        """``run_impl`` wrapped in the session locking described on the class."""
        if resume is not None:
            async for event in self.run_with_resume_lock(prompt, resume, self.run_impl):
                yield event
            return
        held: anyio.Semaphore | None = None
        try:
            async with _closing(self.run_impl(prompt, None)) as events:
                async for event in events:
                    if held is None and isinstance(event, StartedEvent):
                        lock = self.lock_for(event.resume)
                        await lock.acquire()
                        held = lock
                    yield event
        finally:
            if held is not None:
                held.release()

    async def run_with_resume_lock(
        self, prompt: str, resume: ResumeToken | None, run_fn: RunFn
    ) -> AsyncIterator[TakopiEvent]:
        """Iterate ``run_fn(prompt, resume)`` holding ``resume``'s session lock throughout."""
        if resume is None:
            async with _closing(run_fn(prompt, resume)) as events:
                async for event in events:
                    yield event
            return
        if resume.engine != self.engine:
            raise RuntimeError(f"resume token is for engine {resume.engine!r}, not {self.engine!r}")
        async with self.lock_for(resume), _closing(run_fn(prompt, resume)) as events:
            async for event in events:
                yield event

    def run_impl(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        """The engine-specific run; subclasses must override it."""
        raise NotImplementedError


@dataclass(slots=True)
class JsonlRunState:
    """Per-run state of a ``JsonlSubprocessRunner``; subclasses may return their own."""

    note_seq: int = 0


STDERR_TAIL_CHARS = 4000
"""How much of a failed child's stderr (its end) is shown to the user."""


async def iter_lines(stream: ByteReceiveStream) -> AsyncIterator[bytes]:
    """Split a byte stream on ``\\n`` with no length limit. A last line without a trailing
    newline is still yielded: an engine that exits right after printing it must not lose it."""
    pending = b""
    while True:
        try:
            chunk = await stream.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            break
        if b"\n" not in chunk:
            pending += chunk
            continue
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            yield line
    if pending:
        yield pending


def _stderr_tail(stderr_file: IO[bytes]) -> str:
    stderr_file.seek(0, os.SEEK_END)
    size = stderr_file.tell()
    # Read a little more than needed so a multi-byte character cut at the start is rare;
    # errors="replace" covers the rest.
    stderr_file.seek(max(0, size - STDERR_TAIL_CHARS * 2))
    text = stderr_file.read().decode("utf-8", errors="replace").strip()
    if len(text) > STDERR_TAIL_CHARS:
        text = "…" + text[-STDERR_TAIL_CHARS:]
    return text


class JsonlSubprocessRunner(BaseRunner):
    """A runner for agent CLIs that print one JSON object per line on stdout.

    Subclasses provide ``command``, ``build_args`` and ``translate`` (JSON object -> events)
    and may override the other hooks. The child runs in its own process group with the run
    base dir as cwd; the prompt goes to its stdin. Lines that are not JSON, or that fail to
    translate, become warning notes instead of ending the run. Without a completed event the
    run ends with a failed one: for a non-zero exit code it names the code, and either way it
    shows the end of the child's stderr. When the consumer stops early (cancel), the whole
    process group gets SIGTERM, then SIGKILL after ``terminate_grace_s`` seconds, and is
    reaped.
    """

    terminate_grace_s: float = 2.0

    # -- hooks a subclass must provide ---------------------------------------------------

    def command(self) -> str:
        """The executable to run."""
        raise NotImplementedError

    def build_args(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> list[str]:
        """Arguments after the executable."""
        raise NotImplementedError

    def translate(
        self,
        data: Any,
        *,
        state: Any,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
    ) -> list[TakopiEvent]:
        """Events for one decoded JSON line."""
        raise NotImplementedError

    # -- hooks with defaults ---------------------------------------------------------------

    def tag(self) -> str:
        """How this runner names itself in notes and errors."""
        return str(self.engine)

    def stdin_payload(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> bytes | None:
        """What to write to the child's stdin (None: close it at once)."""
        return prompt.encode()

    def env(self, *, state: Any) -> dict[str, str] | None:
        """The child's whole environment (None: inherit ours)."""
        return None

    def new_state(self, prompt: str, resume: ResumeToken | None) -> Any:
        return JsonlRunState(note_seq=0)

    def start_run(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> None:
        """Called before the child is spawned."""

    def get_logger(self) -> Any:
        logger = getattr(self, "logger", None)
        return logger if logger is not None else _logger

    def pipes_error_message(self) -> str:
        return f"{self.tag()} failed to open subprocess pipes"

    def next_note_id(self, state: Any) -> str:
        if not hasattr(state, "note_seq"):
            raise RuntimeError("state must define note_seq or override next_note_id")
        state.note_seq += 1
        return f"{self.tag()}.note.{state.note_seq}"

    def note_event(
        self,
        message: str,
        *,
        state: Any,
        ok: bool = False,
        detail: dict[str, Any] | None = None,
    ) -> ActionEvent:
        """A completed warning action carrying ``message`` (shown in the progress list)."""
        return ActionEvent(
            engine=self.engine,
            action=Action(
                id=self.next_note_id(state), kind="warning", title=message, detail=detail or {}
            ),
            phase="completed",
            ok=ok,
            message=message,
            level="info" if ok else "warning",
        )

    def decode_jsonl(self, *, line: bytes) -> Any | None:
        """The JSON value of ``line``, or None when it is not JSON."""
        try:
            return json.loads(line.decode("utf-8", errors="replace"))
        except json.JSONDecodeError:
            return None

    def iter_json_lines(self, stream: ByteReceiveStream) -> AsyncIterator[bytes]:
        """The child's stdout as lines (without their ``\\n``)."""
        return iter_lines(stream)

    def invalid_json_events(self, *, raw: bytes, line: str, state: Any) -> list[TakopiEvent]:
        return [
            self.note_event(
                f"invalid JSON from {self.tag()}; ignoring line",
                state=state,
                detail={"line": line},
            )
        ]

    def decode_error_events(
        self, *, raw: bytes, line: str, error: Exception, state: Any
    ) -> list[TakopiEvent]:
        return [
            self.note_event(
                f"invalid event from {self.tag()}; ignoring line",
                state=state,
                detail={"line": line, "error": str(error)},
            )
        ]

    def translate_error_events(
        self, *, data: Any, error: Exception, state: Any
    ) -> list[TakopiEvent]:
        detail: dict[str, Any] = {"error": str(error)}
        if isinstance(data, dict):
            if "type" in data:
                detail["type"] = data["type"]
            item = data.get("item")
            if isinstance(item, dict):
                item_type = item.get("type", item.get("item_type"))
                if item_type is not None:
                    detail["item_type"] = item_type
        return [
            self.note_event(
                f"{self.tag()} translation error; ignoring event", state=state, detail=detail
            )
        ]

    def process_error_events(
        self,
        rc: int,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: Any,
    ) -> list[TakopiEvent]:
        message = f"{self.tag()} failed (rc={rc})."
        return [
            self.note_event(message, state=state),
            CompletedEvent(
                engine=self.engine,
                ok=False,
                answer="",
                resume=found_session or resume,
                error=message,
            ),
        ]

    def stream_end_events(
        self,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: Any,
    ) -> list[TakopiEvent]:
        return [
            CompletedEvent(
                engine=self.engine,
                ok=False,
                answer="",
                resume=found_session or resume,
                error=f"{self.tag()} finished without a result event",
            )
        ]

    def handle_started_event(
        self,
        event: StartedEvent,
        *,
        expected_session: ResumeToken | None,
        found_session: ResumeToken | None,
    ) -> tuple[ResumeToken | None, bool]:
        """Check a started event; return ``(session, emit)``. Duplicates are not emitted."""
        if event.engine != self.engine:
            raise RuntimeError(f"{self.tag()} emitted session token for engine {event.engine!r}")
        if expected_session is not None and event.resume != expected_session:
            raise RuntimeError(
                f"{self.tag()} emitted session id {event.resume.value} "
                f"but expected {expected_session.value}"
            )
        if found_session is None:
            return event.resume, True
        if event.resume == found_session:
            return found_session, False
        raise RuntimeError(
            f"{self.tag()} emitted session id {event.resume.value} "
            f"but expected {found_session.value}"
        )

    # -- the run ---------------------------------------------------------------------------

    async def run_impl(  # type: ignore[override]
        self, prompt: str, resume: ResumeToken | None
    ) -> AsyncIterator[TakopiEvent]:
        logger = self.get_logger()
        state = self.new_state(prompt, resume)
        self.start_run(prompt, resume, state=state)
        cmd = [self.command(), *self.build_args(prompt, resume, state=state)]
        payload = self.stdin_payload(prompt, resume, state=state)
        env = self.env(state=state)
        cwd = get_run_base_dir()
        logger.info("runner.start", engine=self.engine, cmd=cmd[0], resume=_token_value(resume))

        # stderr goes to an unnamed temp file: the child can never block on a full pipe, and
        # no reader task has to live inside this generator.
        with tempfile.TemporaryFile() as stderr_file:
            async with _managed_process(
                cmd, cwd=cwd, env=env, stderr=stderr_file, grace_s=self.terminate_grace_s
            ) as proc:
                if proc.stdout is None or proc.stdin is None:
                    raise RuntimeError(self.pipes_error_message())
                await _feed_stdin(proc.stdin, payload, logger)

                found_session: ResumeToken | None = None
                completed = False
                dropped_after_completed = False
                line_no = 0
                async for raw_line in self.iter_json_lines(proc.stdout):
                    if completed:
                        if not dropped_after_completed:
                            dropped_after_completed = True
                            logger.debug("runner.drop_after_completed", engine=self.engine)
                        continue
                    raw = raw_line.strip()
                    if not raw:
                        continue
                    line_no += 1
                    events = self._events_for_line(raw, state, resume, found_session)
                    for event in events:
                        if isinstance(event, StartedEvent):
                            found_session, emit = self.handle_started_event(
                                event, expected_session=resume, found_session=found_session
                            )
                            if not emit:
                                continue
                        yield event
                        if isinstance(event, CompletedEvent):
                            completed = True
                            break

                rc = await proc.wait()
                stderr_text = _stderr_tail(stderr_file)
                if stderr_text:
                    logger.debug("subprocess.stderr", engine=self.engine, text=stderr_text)
                logger.info("runner.exit", engine=self.engine, rc=rc, lines=line_no)
                if completed:
                    return
                if rc != 0:
                    tail = self.process_error_events(
                        rc, resume=resume, found_session=found_session, state=state
                    )
                else:
                    tail = self.stream_end_events(
                        resume=resume, found_session=found_session, state=state
                    )
                for event in tail:
                    if isinstance(event, CompletedEvent):
                        yield _with_stderr(event, stderr_text)
                        return
                    yield event

    def _events_for_line(
        self,
        raw: bytes,
        state: Any,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
    ) -> list[TakopiEvent]:
        try:
            data = self.decode_jsonl(line=raw)
        except Exception as error:
            line = raw.decode("utf-8", errors="replace")
            return self.decode_error_events(raw=raw, line=line, error=error, state=state)
        if data is None:
            line = raw.decode("utf-8", errors="replace")
            return self.invalid_json_events(raw=raw, line=line, state=state)
        try:
            return self.translate(data, state=state, resume=resume, found_session=found_session)
        except Exception as error:
            return self.translate_error_events(data=data, error=error, state=state)


def _token_value(token: ResumeToken | None) -> str | None:
    return token.value if token is not None else None


def _code_block(text: str) -> str:
    """``text`` in a fenced block whose fence no backtick run inside it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def _with_stderr(event: CompletedEvent, stderr_text: str) -> CompletedEvent:
    """Append the child's stderr to a failed completion so the user sees why it failed."""
    if event.ok or not stderr_text:
        return event
    error = event.error or ""
    section = f"stderr:\n{_code_block(stderr_text)}"
    return replace(event, error=f"{error}\n\n{section}" if error else section)


async def _feed_stdin(stdin: ByteSendStream, payload: bytes | None, logger: Any) -> None:
    """Write the whole payload and close stdin; a child that exits without reading it is
    not an error here (its exit code tells)."""
    try:
        if payload:
            await stdin.send(payload)
            logger.debug("subprocess.stdin.send", bytes=len(payload))
    except (anyio.BrokenResourceError, anyio.ClosedResourceError, BrokenPipeError):
        logger.debug("subprocess.stdin.closed_early")
    finally:
        with suppress(anyio.BrokenResourceError, BrokenPipeError, OSError):
            await stdin.aclose()


def _signal_group(proc: Process, sig: signal.Signals) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, sig)
        elif sig == signal.SIGTERM:
            proc.terminate()
        else:
            proc.kill()
    except ProcessLookupError:
        pass


async def terminate_process(proc: Process, grace_s: float) -> None:
    """SIGTERM the child's process group, SIGKILL it after ``grace_s`` s, and reap the child.

    Runs shielded: it is what cancellation itself relies on to leave no orphan or zombie.
    """
    with anyio.CancelScope(shield=True):
        if proc.returncode is None:
            _signal_group(proc, signal.SIGTERM)
            with anyio.move_on_after(grace_s):
                await proc.wait()
            if proc.returncode is None:
                _signal_group(proc, signal.SIGKILL)
            await proc.wait()
        await proc.aclose()


@asynccontextmanager
async def _managed_process(
    cmd: Sequence[str],
    *,
    cwd: Path | None,
    env: dict[str, str] | None,
    stderr: IO[bytes],
    grace_s: float,
) -> AsyncIterator[Process]:
    proc = await anyio.open_process(
        list(cmd),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        await terminate_process(proc, grace_s)
