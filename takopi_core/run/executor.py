"""Running resolved messages: ``run_message`` and the commands' ``PipelineExecutor``.

``run_message`` runs one message through ``handle_message`` the way a transport should
(engine picked, unavailable engines refused, the project's folder, every failure an
``error:`` reply). The ``PipelineExecutor`` gives a command plugin the ``CommandExecutor``
it uses to reply and to start runs (shown in the chat, or captured and returned to it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import anyio

from takopi_core.errors import ConfigError
from takopi_core.run import bridge
from takopi_core.run.bridge import ExecBridgeConfig, IncomingMessage, OnThreadKnown, RunningTasks
from takopi_core.run.command_types import RunMode, RunRequest, RunResult
from takopi_core.run.context import RunContext, reset_run_base_dir, set_run_base_dir
from takopi_core.run.logs import get_logger
from takopi_core.run.model import EngineId, ResumeToken
from takopi_core.run.options import EngineRunOptions, apply_run_options
from takopi_core.run.progress import ProgressTracker
from takopi_core.run.runner import RunnerUnavailableError
from takopi_core.run.transport import ChannelId, MessageRef, RenderedMessage, SendOptions, ThreadId

if TYPE_CHECKING:
    from takopi_core.run.runtime import TransportRuntime

_logger = get_logger(__name__)


class CaptureTransport:
    """An in-memory transport that keeps the last message sent or edited (capture mode)."""

    def __init__(self, channel_id: ChannelId = "capture") -> None:
        self._channel_id = channel_id
        self._next_id = 0
        self.last: RenderedMessage | None = None

    async def close(self) -> None:
        return None

    async def send(
        self,
        *,
        channel_id: ChannelId,
        message: RenderedMessage,
        options: SendOptions | None = None,
    ) -> MessageRef | None:
        self._next_id += 1
        self.last = message
        return MessageRef(channel_id=channel_id, message_id=self._next_id)

    async def edit(
        self, *, ref: MessageRef, message: RenderedMessage, wait: bool = True
    ) -> MessageRef | None:
        self.last = message
        return ref

    async def delete(self, *, ref: MessageRef) -> bool:
        return True


#: The run options (model, reasoning) a chat wants for a run on the given engine.
RunOptionsResolver: TypeAlias = Callable[[EngineId], EngineRunOptions | None]


class PipelineExecutor:
    """A ``CommandExecutor`` that runs requests through ``handle_message``.

    Bound to one invoking message: replies go to it, and ``emit`` runs show their progress
    in the chat and are registered in ``running_tasks`` so they can be cancelled there.
    ``capture`` runs render into a private in-memory transport and return the final message.
    Errors (unknown or unavailable engine, bad project, a crashing runner) never escape:
    they become ``error:`` replies, or the captured message in capture mode.
    """

    def __init__(
        self,
        *,
        exec_cfg: ExecBridgeConfig,
        runtime: TransportRuntime,
        channel_id: ChannelId,
        message: MessageRef,
        running_tasks: RunningTasks | None = None,
        on_thread_known: OnThreadKnown | None = None,
        default_context: RunContext | None = None,
        thread_id: ThreadId | None = None,
        run_options_for: RunOptionsResolver | None = None,
    ) -> None:
        self._cfg = exec_cfg
        self._runtime = runtime
        self._channel_id = channel_id
        self._message = message
        self._running_tasks = running_tasks
        self._on_thread_known = on_thread_known
        self._default_context = default_context
        self._thread_id = thread_id
        self._run_options_for = run_options_for

    async def send(
        self,
        message: RenderedMessage | str,
        *,
        reply_to: MessageRef | None = None,
        notify: bool = True,
    ) -> MessageRef | None:
        rendered = RenderedMessage(text=message) if isinstance(message, str) else message
        return await self._cfg.transport.send(
            channel_id=self._channel_id,
            message=rendered,
            options=SendOptions(
                reply_to=reply_to or self._message, notify=notify, thread_id=self._thread_id
            ),
        )

    async def run_one(self, request: RunRequest, *, mode: RunMode = "emit") -> RunResult:
        runtime = self._runtime
        context = request.context if request.context is not None else self._default_context
        engine = runtime.resolve_engine(engine_override=request.engine, context=context)
        capture = CaptureTransport(self._channel_id) if mode == "capture" else None
        cfg = self._cfg
        running_tasks = self._running_tasks
        if capture is not None:
            cfg = ExecBridgeConfig(transport=capture, presenter=cfg.presenter, final_notify=False)
            running_tasks = {}  # captured runs are not cancellable from the chat
        await self._run(cfg, request.prompt, engine, context, running_tasks)
        return RunResult(engine=engine, message=capture.last if capture else None)

    async def run_many(
        self,
        requests: Sequence[RunRequest],
        *,
        mode: RunMode = "emit",
        parallel: bool = False,
    ) -> list[RunResult]:
        if not parallel:
            return [await self.run_one(request, mode=mode) for request in requests]
        results: list[RunResult | None] = [None] * len(requests)

        async def run_at(index: int, request: RunRequest) -> None:
            results[index] = await self.run_one(request, mode=mode)

        async with anyio.create_task_group() as group:
            for index, request in enumerate(requests):
                group.start_soon(run_at, index, request)
        return [result for result in results if result is not None]

    async def _run(
        self,
        cfg: ExecBridgeConfig,
        prompt: str,
        engine: EngineId,
        context: RunContext | None,
        running_tasks: RunningTasks | None,
    ) -> None:
        await run_message(
            cfg,
            self._runtime,
            channel_id=self._channel_id,
            message=self._message,
            prompt=prompt,
            engine_override=engine,
            resume_token=None,
            context=context,
            running_tasks=running_tasks,
            on_thread_known=self._on_thread_known,
            thread_id=self._thread_id,
            run_options_for=self._run_options_for,
        )


async def run_message(
    cfg: ExecBridgeConfig,
    runtime: TransportRuntime,
    *,
    channel_id: ChannelId,
    message: MessageRef,
    prompt: str,
    engine_override: EngineId | None,
    resume_token: ResumeToken | None,
    context: RunContext | None,
    running_tasks: RunningTasks | None,
    on_thread_known: OnThreadKnown | None = None,
    progress_ref: MessageRef | None = None,
    thread_id: ThreadId | None = None,
    run_options_for: RunOptionsResolver | None = None,
) -> None:
    """Run one resolved message through ``handle_message``, the way a transport should.

    Picks the runner (the resumed session's engine, else ``engine_override``, else the
    project's or the global default), refuses unavailable engines with an error reply, runs
    in the project's folder, and turns every failure into an ``error:`` reply. A
    ``progress_ref`` (e.g. a "queued" message) is reused by the run, or replaced by the
    error reply. ``run_options_for`` gives the chat's run options (model, reasoning) for
    the engine the run lands on; the engine reads them with ``get_run_options()``.
    """
    engine = runtime.resolve_engine(engine_override=engine_override, context=context)
    reply = _Replier(cfg, channel_id=channel_id, message=message, thread_id=thread_id)
    try:
        resolved = runtime.resolve_runner(resume_token=resume_token, engine_override=engine)
    except RunnerUnavailableError as exc:
        await reply.text(f"error:\n{exc}", replace=progress_ref)
        return
    if not resolved.available:
        state = ProgressTracker(engine=resolved.engine).snapshot()
        rendered = cfg.presenter.render_final(
            state,
            elapsed_s=0.0,
            status="error",
            answer=f"error:\n{resolved.issue or 'engine unavailable'}",
        )
        await reply.rendered(rendered, replace=progress_ref)
        return
    try:
        cwd = runtime.resolve_run_cwd(context)
    except ConfigError as exc:
        await reply.text(f"error:\n{exc}", replace=progress_ref)
        return
    incoming = IncomingMessage(
        channel_id=channel_id, message_id=message.message_id, text=prompt, thread_id=thread_id
    )
    options = run_options_for(resolved.engine) if run_options_for is not None else None
    token = set_run_base_dir(cwd)
    try:
        with apply_run_options(options):
            await bridge.handle_message(
                cfg,
                runner=resolved.runner,
                incoming=incoming,
                resume_token=resume_token,
                context=context,
                context_line=runtime.format_context_line(context),
                strip_resume_line=runtime.is_resume_line,
                running_tasks=running_tasks,
                on_thread_known=on_thread_known,
                progress_ref=progress_ref,
            )
    except Exception as exc:
        _logger.exception("handle.failed", engine=resolved.engine)
        await reply.text(f"error:\n{str(exc) or type(exc).__name__}")
    finally:
        reset_run_base_dir(token)


@dataclass(frozen=True, slots=True)
class _Replier:
    cfg: ExecBridgeConfig
    channel_id: ChannelId
    message: MessageRef
    thread_id: ThreadId | None

    async def text(self, text: str, *, replace: MessageRef | None = None) -> None:
        await self.rendered(RenderedMessage(text=text), replace=replace)

    async def rendered(
        self, message: RenderedMessage, *, replace: MessageRef | None = None
    ) -> None:
        await self.cfg.transport.send(
            channel_id=self.channel_id,
            message=message,
            options=SendOptions(
                reply_to=self.message, notify=True, replace=replace, thread_id=self.thread_id
            ),
        )
