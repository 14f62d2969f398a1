"""``JsonlSubprocessRunner``: a runner for agent CLIs that stream one JSON object a line.

Subclasses describe the CLI (``command``, ``build_args``, ``stdin_payload``, ``env``) and
translate its lines into events (``translate`` and the ``*_events`` hooks); this module owns
the process: start, feed stdin, read lines, stderr tail, cancellation and the ending.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import anyio
from anyio.abc import ByteReceiveStream, ByteSendStream, Process

from takopi_core._child import file_tail, signal_group
from takopi_core.run.context import get_run_base_dir
from takopi_core.run.logs import get_logger
from takopi_core.run.model import (
    Action,
    ActionEvent,
    CompletedEvent,
    ResumeToken,
    StartedEvent,
    TakopiEvent,
)
from takopi_core.run.runner import BaseRunner

_logger = get_logger(__name__)

#: ``json.loads`` without its per-call keyword checks (the same decoder it uses by default).
_decode_json = json.JSONDecoder().decode


@dataclass(slots=True)
class JsonlRunState:
    """Per-run state of a ``JsonlSubprocessRunner``; subclasses may return their own."""

    note_seq: int = 0


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


class JsonlSubprocessRunner(BaseRunner):
    """A runner for agent CLIs that print one JSON object per line on stdout.

    Subclasses provide ``command``, ``build_args`` and ``translate`` (JSON object -> events)
    and may override the other hooks. The child runs in its own process group with the run
    base dir as cwd; the prompt goes to its stdin. Lines that are not JSON, or that fail to
    translate, become warning notes instead of ending the run. Without a completed event the
    run ends with a failed one: for a non-zero exit code it names the code, and either way it
    shows the end of the child's stderr. When the run ends, whether the consumer stopped early
    (cancel) or not, what is left of the child's process group gets SIGTERM, then SIGKILL
    after ``terminate_grace_s`` seconds, and the child is reaped.
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
            return _decode_json(line.decode("utf-8", errors="replace"))
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

    async def run_impl(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
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
                events_for_line = self._events_for_line  # once, not once per line
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
                    for event in events_for_line(raw, state, resume, found_session):
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
                stderr_text = file_tail(stderr_file)
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


def _group_alive(pgid: int) -> bool:
    """Whether any process is left in group ``pgid`` (signal 0 only checks)."""
    return signal_group(pgid, 0)


async def terminate_process(proc: Process, grace_s: float) -> None:
    """Stop the child's whole process group and reap the child.

    SIGTERM to the group, up to ``grace_s`` s for the group to empty, then SIGKILL to the group
    whatever the leader did: a helper that ignores SIGTERM must not outlive a leader that
    exited (or had already exited when the run ended). Runs shielded: it is what cancellation
    itself relies on to leave no orphan or zombie.
    """
    with anyio.CancelScope(shield=True):
        pgid = proc.pid
        if _group_alive(pgid):
            signal_group(pgid, signal.SIGTERM)
            with anyio.move_on_after(grace_s):
                if proc.returncode is None:
                    await proc.wait()
                while _group_alive(pgid):
                    await anyio.sleep(0.02)
            signal_group(pgid, signal.SIGKILL)
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
