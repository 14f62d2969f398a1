"""The terminal chat session: reads prompts, runs them on the engines, shows progress.

Type a prompt and press Enter: the progress message updates in place while the engine
works, then the answer is printed with its resume line. Paste a resume line (alone or with a
new prompt) to continue that session. ``/cancel`` or Ctrl+C cancels what is running;
Ctrl+C when idle, Ctrl+D or ``/quit`` leaves. ``/engine`` and ``/project`` directives and
command plugins (``/multi ...``) work as in any chat transport.

Without a terminal (stdin piped) each input line is one message and the session ends, after
the runs finish, at end of input: handy for scripts and tests.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import stat
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from pathlib import Path
from typing import TextIO

import anyio
import anyio.abc

from takopi_core.builtins.terminal_io import (
    EndOfInput,
    LineEditor,
    TerminalScreen,
    TerminalTransport,
)
from takopi_core.builtins.terminal_texts import banner, help_text
from takopi_core.run.bridge import ExecBridgeConfig, RunningTasks
from takopi_core.run.commands import (
    CommandDispatcher,
    is_cancel_command,
    parse_slash_command,
)
from takopi_core.run.config_watch import ConfigReload, watch_config
from takopi_core.run.context import RunContext
from takopi_core.run.directives import DirectiveError
from takopi_core.run.executor import PipelineExecutor, run_message
from takopi_core.run.guard import (
    STOP_SIGNALS,
    note_stop_signal,
    run_abandonable,
)
from takopi_core.run.model import ResumeToken
from takopi_core.run.overrides import (
    MODEL_COMMAND,
    REASONING_COMMAND,
    EngineOverrides,
    model_command,
    reasoning_command,
)
from takopi_core.run.progress import MarkdownPresenter, ProgressState, ProgressTracker
from takopi_core.run.runtime import TransportRuntime
from takopi_core.run.scheduler import ThreadJob, ThreadScheduler
from takopi_core.run.transport import MessageId, MessageRef, RenderedMessage, SendOptions
from takopi_core.text import safe_text

#: Chat commands the terminal handles itself; command plugins with these ids are shadowed.
BUILTIN_COMMANDS: tuple[str, ...] = ("cancel", "help", MODEL_COMMAND, "quit", REASONING_COMMAND)

#: How long a cancelled command plugin gets to stop before it is left behind.
COMMAND_CANCEL_GRACE_S = 2.0

_logger = logging.getLogger(__name__)


class TerminalChat:
    """One interactive (or piped) chat session over a ``TransportRuntime``."""

    def __init__(
        self,
        runtime: TransportRuntime,
        *,
        final_notify: bool,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        config_path: Path | None = None,
        default_engine_override: str | None = None,
    ) -> None:
        self.runtime = runtime
        #: Watched for edits when the config says ``watch_config = true`` (None: never).
        self.config_path = config_path
        self.default_engine_override = default_engine_override
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self.interactive = _is_tty(self._stdin) and _is_tty(self._stdout)
        color = self.interactive and not os.environ.get("NO_COLOR")
        self.screen = TerminalScreen(self._stdout, interactive=self.interactive, color=color)
        self.transport = TerminalTransport(self.screen)
        self.presenter = MarkdownPresenter()
        self.exec_cfg = ExecBridgeConfig(
            transport=self.transport, presenter=self.presenter, final_notify=final_notify
        )
        self.running_tasks: RunningTasks = {}
        self.dispatcher = CommandDispatcher(runtime, builtin=BUILTIN_COMMANDS)
        self.ambient: RunContext | None = runtime.context_for_path(Path.cwd())
        #: ``/model`` and ``/reasoning`` overrides, per engine, for this session.
        self.overrides = EngineOverrides()
        #: The overrides of queued resumed runs, as they were when the message came in.
        self._job_overrides: dict[MessageId, EngineOverrides] = {}
        self._command_scopes: dict[MessageId, anyio.CancelScope] = {}
        self._scheduler: ThreadScheduler | None = None
        self._input_scope: anyio.CancelScope | None = None
        self._quitting = False

    # -- lifecycle ------------------------------------------------------------------------

    async def run(self) -> None:
        with _route_logging(self.transport), self._terminal_mode():
            self.transport.notice(self.banner())
            try:
                async with anyio.create_task_group() as outer:
                    outer.start_soon(self._watch_interrupts)
                    if self.runtime.watch_config and self.config_path is not None:
                        outer.start_soon(self._watch_config, self.config_path)
                    async with anyio.create_task_group() as turns:
                        self._scheduler = ThreadScheduler(task_group=turns, run_job=self._run_job)
                        self._input_scope = anyio.CancelScope()
                        with self._input_scope:
                            async with contextlib.aclosing(self._lines()) as lines:
                                async for line in lines:
                                    await self._on_line(line, turns)
                                    if self._quitting:
                                        break
                        if self._quitting or self.interactive:
                            await self.cancel_all(quiet=True)
                    outer.cancel_scope.cancel()
            finally:
                await self.transport.close()
                self.screen.close()

    async def _watch_config(self, config_path: Path) -> None:
        """``watch_config = true``: apply each good edit of takopi.toml, and say so."""

        async def reloaded(reload: ConfigReload) -> None:
            self.transport.notice(f"config reloaded: {safe_text(str(reload.config_path))}")

        await watch_config(
            config_path=config_path,
            runtime=self.runtime,
            default_engine_override=self.default_engine_override,
            on_reload=reloaded,
        )

    @contextlib.contextmanager
    def _terminal_mode(self) -> Iterator[None]:
        """cbreak (keys one by one, no echo; Ctrl+C still signals) and bracketed paste."""
        if not self.interactive:
            yield
            return
        import termios
        import tty

        fd = self._stdin.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            self._stdout.write("\x1b[?2004h")
            self._stdout.flush()
            yield
        finally:
            self._stdout.write("\x1b[?2004l")
            self._stdout.flush()
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    async def _lines(self) -> AsyncGenerator[str, None]:
        """Submitted lines: from the line editor on a terminal, else one per input line."""
        fd = self._stdin.fileno()
        if not self.interactive:
            pending = b""
            async for data in _read_chunks(fd):
                pending += data
                *complete, pending = pending.split(b"\n")
                for raw in complete:
                    yield raw.decode("utf-8", errors="replace").rstrip("\r")
            if pending:
                yield pending.decode("utf-8", errors="replace")
            return
        editor = LineEditor()
        self.screen.set_input("")
        async for data in _read_chunks(fd):
            try:
                submitted = editor.feed(data)
            except EndOfInput:
                return
            self.screen.set_input(editor.buffer)
            for line in submitted:
                yield line

    async def _watch_interrupts(self) -> None:
        """Ctrl+C cancels what runs, or quits when idle; SIGTERM and SIGHUP (the terminal
        closed) cancel everything and quit, so no engine process outlives the chat."""
        with anyio.open_signal_receiver(signal.SIGINT, *STOP_SIGNALS) as signals:
            async for signum in signals:
                # Ctrl+C arrives here as a signal, never as KeyboardInterrupt: one raised
                # while the chat runs is plugin code's, so only the stop signals are noted.
                if signum != signal.SIGINT:
                    note_stop_signal(signum)
                    self.quit()
                    await self.cancel_all(quiet=True)
                elif self.busy():
                    await self.cancel_all()
                else:
                    self.quit()

    def quit(self) -> None:
        self._quitting = True
        if self._input_scope is not None:
            self._input_scope.cancel()

    def busy(self) -> bool:
        queued = self._scheduler.queued_jobs() if self._scheduler is not None else []
        return bool(self.running_tasks or self._command_scopes or queued)

    # -- messages -------------------------------------------------------------------------

    async def _on_line(self, text: str, turns: anyio.abc.TaskGroup) -> None:
        if not text.strip():
            return
        message = self.transport.user_message(text)
        if is_cancel_command(text):
            await self.cancel_all()
            return
        command_id, _ = parse_slash_command(text)
        if command_id == "help":
            self.transport.notice(self.help_text())
            return
        if command_id == "quit":
            self.quit()
            return
        if command_id in (MODEL_COMMAND, REASONING_COMMAND):
            await self._reply(message, self._override_command(command_id, text))
            self.transport.commit_turn(message.message_id)
            return
        # Taken now: the run may start after later lines changed the overrides.
        overrides = self.overrides.snapshot()
        match = self.dispatcher.match(text)
        if match is not None:
            # Registered now, not when the task starts: a /cancel or /quit on the next line
            # (piped input) must reach this command too.
            scope = anyio.CancelScope()
            self._command_scopes[message.message_id] = scope
            turns.start_soon(self._run_command, match[0], match[1], text, message, scope, overrides)
            return
        turns.start_soon(self._run_prompt, text, message, overrides)

    async def _run_command(
        self,
        command_id: str,
        args_text: str,
        text: str,
        message: MessageRef,
        scope: anyio.CancelScope,
        overrides: EngineOverrides,
    ) -> None:
        executor = PipelineExecutor(
            exec_cfg=self.exec_cfg,
            runtime=self.runtime,
            channel_id=self.transport.channel_id,
            message=message,
            running_tasks=self.running_tasks,
            on_thread_known=self._note_thread_known,
            default_context=self.ambient,
            run_options_for=overrides.get,
        )
        try:
            with scope:
                await run_abandonable(
                    self.dispatcher.dispatch(
                        command_id, args_text, text=text, message=message, executor=executor
                    ),
                    grace_s=COMMAND_CANCEL_GRACE_S,
                    on_abandon=lambda: self.transport.notice(
                        f"/{command_id} ignored cancellation for {COMMAND_CANCEL_GRACE_S:g} s; "
                        "left behind"
                    ),
                )
            if scope.cancelled_caught:
                self.transport.notice(f"cancelled /{command_id}")
        except Exception:
            _logger.debug("command /%s crashed", command_id, exc_info=True)
            await self._reply(message, f"error:\n/{command_id} failed (see the debug log)")
        finally:
            self._command_scopes.pop(message.message_id, None)
            self.transport.commit_turn(message.message_id)

    async def _run_prompt(self, text: str, message: MessageRef, overrides: EngineOverrides) -> None:
        try:
            resolved = self.runtime.resolve_message(
                text=text, reply_text=None, ambient_context=self.ambient
            )
        except DirectiveError as exc:
            await self._reply(message, f"error:\n{exc}")
            return
        except Exception as exc:  # a bug must cost this message, not the chat
            _logger.debug("resolve_message failed", exc_info=True)
            await self._reply(message, f"error:\n{type(exc).__name__}: {exc}")
            return
        token = resolved.resume_token
        if token is not None:
            assert self._scheduler is not None
            label = "queued" if self._scheduler.is_busy(token) else "starting"
            state = self._resume_state(token, resolved.context)
            rendered = self.presenter.render_progress(state, elapsed_s=0.0, label=label)
            progress = await self.transport.send(
                channel_id=self.transport.channel_id,
                message=rendered,
                options=SendOptions(reply_to=message, notify=False),
            )
            job = ThreadJob(
                chat_id=self.transport.channel_id,
                user_msg_id=message.message_id,
                text=resolved.prompt,
                resume_token=token,
                context=resolved.context,
                progress_ref=progress,
            )
            self._job_overrides[message.message_id] = overrides
            await self._scheduler.enqueue(job)
            return
        try:
            await run_message(
                self.exec_cfg,
                self.runtime,
                channel_id=self.transport.channel_id,
                message=message,
                prompt=resolved.prompt,
                engine_override=resolved.engine_override,
                resume_token=None,
                context=resolved.context,
                running_tasks=self.running_tasks,
                on_thread_known=self._note_thread_known,
                run_options_for=overrides.get,
            )
        finally:
            self.transport.commit_turn(message.message_id)

    async def _run_job(self, job: ThreadJob) -> None:
        message = MessageRef(channel_id=job.chat_id, message_id=job.user_msg_id)
        overrides = self._job_overrides.pop(job.user_msg_id, None) or self.overrides.snapshot()
        try:
            await run_message(
                self.exec_cfg,
                self.runtime,
                channel_id=job.chat_id,
                message=message,
                prompt=job.text,
                engine_override=None,
                resume_token=job.resume_token,
                context=job.context,
                running_tasks=self.running_tasks,
                on_thread_known=self._note_thread_known,
                progress_ref=job.progress_ref,
                run_options_for=overrides.get,
            )
        finally:
            self.transport.commit_turn(job.user_msg_id)

    def _override_command(self, command_id: str, text: str) -> str:
        _, args_text = parse_slash_command(text)
        handler = model_command if command_id == MODEL_COMMAND else reasoning_command
        return handler(
            args_text, runtime=self.runtime, overrides=self.overrides, context=self.ambient
        )

    async def _note_thread_known(self, token: ResumeToken, done: anyio.Event) -> None:
        if self._scheduler is not None:
            await self._scheduler.note_thread_known(token, done)

    def _resume_state(self, token: ResumeToken, context: RunContext | None) -> ProgressState:
        """The progress state of a run that has not started yet, showing its resume line."""
        tracker = ProgressTracker(engine=token.engine)
        tracker.set_resume(token)
        return tracker.snapshot(
            resume_formatter=self._format_resume,
            context_line=self.runtime.format_context_line(context),
        )

    def _format_resume(self, token: ResumeToken) -> str:
        try:
            resolved = self.runtime.resolve_runner(resume_token=token, engine_override=None)
        except Exception:
            return f"{token.engine} resume {token.value}"
        return resolved.runner.format_resume(token)

    async def _reply(self, message: MessageRef, text: str) -> None:
        await self.transport.send(
            channel_id=self.transport.channel_id,
            message=RenderedMessage(text=text),
            options=SendOptions(reply_to=message, notify=True),
        )

    async def cancel_all(self, *, quiet: bool = False) -> int:
        """Cancel every running run, queued job and running command; return how many."""
        count = 0
        for task in list(self.running_tasks.values()):
            if not task.cancel_requested.is_set():
                task.cancel_requested.set()
                count += 1
        for scope in list(self._command_scopes.values()):
            scope.cancel()
            count += 1
        queued = self._scheduler.queued_jobs() if self._scheduler is not None else []
        for job in queued:
            if job.progress_ref is None or self._scheduler is None:
                continue
            dropped = await self._scheduler.cancel_queued(job.chat_id, job.progress_ref.message_id)
            if dropped is None:
                continue
            self._job_overrides.pop(job.user_msg_id, None)
            count += 1
            state = self._resume_state(job.resume_token, job.context)
            await self.transport.edit(
                ref=job.progress_ref,
                message=self.presenter.render_progress(state, elapsed_s=0.0, label="`cancelled`"),
            )
            self.transport.commit_turn(job.user_msg_id)
        if not quiet:
            self.transport.notice(
                f"cancelling {count} task{'s' if count != 1 else ''}…"
                if count
                else "nothing is running."
            )
        return count

    # -- texts ----------------------------------------------------------------------------

    def banner(self) -> str:
        return banner(
            self.runtime, self.dispatcher.table, ambient=self.ambient, interactive=self.interactive
        )

    def help_text(self) -> str:
        return help_text(self.runtime, self.dispatcher.table)


async def _read_chunks(fd: int) -> AsyncIterator[bytes]:
    """Bytes from ``fd`` until end of input, without blocking the event loop (and without
    a reader thread, which could not be stopped while it waits)."""
    waits = not stat.S_ISREG(os.fstat(fd).st_mode)  # regular files are always readable
    while True:
        if waits:
            await anyio.wait_readable(fd)
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            continue
        if not data:
            return
        yield data


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def _route_logging(transport: TerminalTransport) -> Iterator[None]:
    """Show warnings as notices while the chat owns the screen (a stray stderr line would
    tear the live region)."""

    class NoticeHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            try:
                transport.notice(f"{record.levelname.lower()}: {record.getMessage()}")
            except Exception:
                self.handleError(record)

    handler = NoticeHandler(level=logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
