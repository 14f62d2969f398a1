"""``handle_message``: the run pipeline every transport shares.

It turns one incoming message into a run: strips resume lines from the prompt, posts a
progress message, keeps it up to date as events arrive (coalescing edits), supports
cancellation through ``RunningTasks``, and delivers the final answer. The progress edits
are ``progress_edits``'s job, the final delivery ``delivery``'s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

import anyio

from takopi_core.run.context import RunContext
from takopi_core.run.delivery import send_result_message
from takopi_core.run.guard import is_plugin_escape
from takopi_core.run.logs import bind_run_context, get_logger
from takopi_core.run.model import (
    ActionEvent,
    CompletedEvent,
    ResumeToken,
    StartedEvent,
    TakopiEvent,
)
from takopi_core.run.progress import Presenter, ProgressTracker
from takopi_core.run.progress_edits import ProgressEdits
from takopi_core.run.runner import Runner
from takopi_core.run.transport import (
    ChannelId,
    MessageId,
    MessageRef,
    SendOptions,
    ThreadId,
    Transport,
)

logger = get_logger(__name__)


class RunnerTurnControl(Protocol):
    """Optional mid-turn control a runner offers via ``StartedEvent.meta["control"]``."""

    async def steer(self, text: str) -> None: ...

    async def interrupt(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A user message as the pipeline needs it."""

    channel_id: ChannelId
    message_id: MessageId
    text: str
    reply_to: MessageRef | None = None
    thread_id: ThreadId | None = None


@dataclass(frozen=True, slots=True)
class ExecBridgeConfig:
    """The transport and presenter a run talks through, and whether the final answer is
    sent as a new (notifying) message or edited into the progress message."""

    transport: Transport
    presenter: Presenter
    final_notify: bool


@dataclass(slots=True)
class RunningTask:
    """A run in progress. Set ``cancel_requested`` to cancel it; ``resume_ready`` is set once
    its session token is known and ``done`` when it has ended."""

    resume: ResumeToken | None = None
    resume_ready: anyio.Event = field(default_factory=anyio.Event)
    cancel_requested: anyio.Event = field(default_factory=anyio.Event)
    done: anyio.Event = field(default_factory=anyio.Event)
    context: RunContext | None = None
    control: RunnerTurnControl | None = None


RunningTasks: TypeAlias = dict[MessageRef, RunningTask]
"""Running tasks keyed by their progress message's ref."""

OnThreadKnown: TypeAlias = Callable[[ResumeToken, anyio.Event], Awaitable[None]]

CANCELLED_LABEL = "`cancelled`"


# -- error text --------------------------------------------------------------------------------


def _leaf_exceptions(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        leaves: list[BaseException] = []
        for inner in error.exceptions:
            leaves.extend(_leaf_exceptions(inner))
        return leaves
    return [error]


def _cancellation_classes() -> tuple[type[BaseException], ...]:
    try:
        return (asyncio.CancelledError, anyio.get_cancelled_exc_class())
    except Exception:  # not inside an event loop
        return (asyncio.CancelledError,)


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


def format_error(error: BaseException) -> str:
    """The user-facing text of a failed run: exception groups flattened, cancellations left
    out, the messages of what remains joined one per line."""
    leaves = [e for e in _leaf_exceptions(error) if not isinstance(e, _cancellation_classes())]
    if len(leaves) == 1:
        return _describe(leaves[0])
    messages = [str(e) for e in leaves if str(e)]
    if messages:
        return "\n".join(messages)
    return _describe(error)


# -- prompt ------------------------------------------------------------------------------------


def strip_resume_lines(text: str, is_resume_line: Callable[[str], bool]) -> str:
    """``text`` without its resume lines; ``continue`` when nothing else is left."""
    kept = [line for line in text.splitlines() if not is_resume_line(line)]
    return "\n".join(kept).strip() or "continue"


# -- the pipeline ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Outcome:
    resume: ResumeToken | None = None
    completed: CompletedEvent | None = None
    cancelled: bool = False
    error: BaseException | None = None


@asynccontextmanager
async def _closing(events: Any) -> AsyncIterator[Any]:
    try:
        yield events
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


def _event_line(event: TakopiEvent) -> str:
    """A one-line summary of an event for debug logs."""
    if isinstance(event, StartedEvent):
        return f"started {event.resume.value}"
    if isinstance(event, ActionEvent):
        return f"{event.phase} {event.action.kind} {event.action.title!r}"
    if isinstance(event, CompletedEvent):
        return f"completed ok={event.ok}"
    return repr(event)


async def _run_runner(
    *,
    runner: Runner,
    prompt: str,
    resume_token: ResumeToken | None,
    outcome: _Outcome,
    running_task: RunningTask | None,
    on_thread_known: OnThreadKnown | None,
    on_event: Callable[[TakopiEvent], object],
) -> None:
    """Iterate the runner until it ends or ``running_task.cancel_requested`` fires."""

    log_events = logger.is_enabled_for(logging.DEBUG)

    async def consume(scope: anyio.CancelScope) -> None:
        try:
            async with _closing(runner.run(prompt, resume_token)) as events:
                async for event in events:
                    if log_events:
                        logger.debug("runner.event", line=_event_line(event))
                    if isinstance(event, StartedEvent):
                        outcome.resume = event.resume
                        bind_run_context(resume=event.resume.value)
                        if running_task is not None and running_task.resume is None:
                            running_task.resume = event.resume
                            if event.meta and event.meta.get("control") is not None:
                                running_task.control = event.meta["control"]
                            try:
                                if on_thread_known is not None:
                                    await on_thread_known(event.resume, running_task.done)
                            finally:
                                running_task.resume_ready.set()
                    elif isinstance(event, CompletedEvent):
                        outcome.resume = event.resume or outcome.resume
                        outcome.completed = event
                    on_event(event)
        finally:
            scope.cancel()

    async def wait_cancel(task: RunningTask, scope: anyio.CancelScope) -> None:
        await task.cancel_requested.wait()
        if task.control is not None:
            try:
                await task.control.interrupt()
            except BaseException as error:  # plugin code: SystemExit included, not the chat's
                if not is_plugin_escape(error):
                    raise
                logger.warning("runner.control_interrupt_failed", error=_describe(error))
        outcome.cancelled = True
        scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(consume, group.cancel_scope)
        if running_task is not None:
            group.start_soon(wait_cancel, running_task, group.cancel_scope)


async def handle_message(
    cfg: ExecBridgeConfig,
    *,
    runner: Runner,
    incoming: IncomingMessage,
    resume_token: ResumeToken | None,
    context: RunContext | None = None,
    context_line: str | None = None,
    strip_resume_line: Callable[[str], bool] | None = None,
    running_tasks: RunningTasks | None = None,
    on_thread_known: OnThreadKnown | None = None,
    progress_ref: MessageRef | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Run one message through ``runner`` and keep the chat up to date.

    Posts a progress message (or takes over ``progress_ref``), edits it as events arrive,
    registers the run in ``running_tasks`` under the progress message so ``/cancel`` can
    reach it, and ends with exactly one of: the error (edited in place), ``cancelled``
    (edited in place), or the final answer (a new notifying message replacing the progress
    message when ``cfg.final_notify``, else edited in place). Raises ``RuntimeError`` only
    when the runner ends without a completed event and without failing.
    """
    transport, presenter = cfg.transport, cfg.presenter
    logger.info(
        "handle.incoming",
        channel_id=incoming.channel_id,
        message_id=incoming.message_id,
        engine=runner.engine,
        resume=resume_token.value if resume_token else None,
    )
    started_at = clock()
    prompt = strip_resume_lines(incoming.text, strip_resume_line or runner.is_resume_line)
    user_ref = MessageRef(
        channel_id=incoming.channel_id,
        message_id=incoming.message_id,
        thread_id=incoming.thread_id,
    )

    tracker = ProgressTracker(engine=runner.engine)
    tracker.set_resume(resume_token)

    def snapshot() -> Any:
        return tracker.snapshot(resume_formatter=runner.format_resume, context_line=context_line)

    initial = presenter.render_progress(snapshot(), elapsed_s=0.0, label="starting")
    progress_msg: MessageRef | None = None
    if progress_ref is not None:
        progress_msg = await transport.edit(ref=progress_ref, message=initial)
    if progress_msg is None:
        progress_msg = await transport.send(
            channel_id=incoming.channel_id,
            message=initial,
            options=SendOptions(
                reply_to=user_ref,
                notify=False,
                replace=progress_ref,
                thread_id=incoming.thread_id,
            ),
        )

    running_task: RunningTask | None = None
    if running_tasks is not None and progress_msg is not None:
        running_task = RunningTask(context=context)
        running_tasks[progress_msg] = running_task

    edits: ProgressEdits | None = None
    if progress_msg is not None:
        edits = ProgressEdits(
            transport=transport,
            presenter=presenter,
            tracker=tracker,
            runner=runner,
            progress_ref=progress_msg,
            context_line=context_line,
            started_at=started_at,
            clock=clock,
            last_rendered=initial,
        )

    # Called once per event: the bound method itself, not a closure choosing it every time.
    on_event: Callable[[TakopiEvent], object] = (
        edits.on_event if edits is not None else tracker.note_event
    )

    outcome = _Outcome()
    async with anyio.create_task_group() as editor_group:
        if edits is not None:
            editor_group.start_soon(edits.run)
        try:
            await _run_runner(
                runner=runner,
                prompt=prompt,
                resume_token=resume_token,
                outcome=outcome,
                running_task=running_task,
                on_thread_known=on_thread_known,
                on_event=on_event,
            )
        except Exception as error:
            outcome.error = error
        finally:
            if running_task is not None:
                running_task.done.set()
                if running_tasks is not None and progress_msg is not None:
                    running_tasks.pop(progress_msg, None)
            if not outcome.cancelled and outcome.error is None:
                # Let a pending progress edit go out before the editor stops.
                await anyio.sleep(0)
            editor_group.cancel_scope.cancel()

    elapsed = clock() - started_at

    if outcome.error is not None or outcome.cancelled:
        # Errors and cancellations always edit the progress message in place.
        tracker.set_resume(outcome.resume)
        if outcome.error is not None:
            body = format_error(outcome.error)
            logger.info("handle.error", error=body, elapsed=elapsed)
            message = presenter.render_final(
                snapshot(), elapsed_s=elapsed, status="error", answer=body
            )
        else:
            logger.info("handle.cancelled", elapsed=elapsed)
            message = presenter.render_progress(
                snapshot(), elapsed_s=elapsed, label=CANCELLED_LABEL
            )
        await send_result_message(
            transport,
            channel_id=incoming.channel_id,
            message=message,
            edit_ref=progress_msg,
            replace_ref=progress_msg,
            reply_to=user_ref,
            notify=False,
            thread_id=incoming.thread_id,
        )
        return

    completed = outcome.completed
    if completed is None:
        raise RuntimeError("runner finished without a completed event")

    answer = completed.answer
    if completed.ok is False and completed.error:
        answer = f"{answer}\n\n{completed.error}" if answer.strip() else completed.error
    # An ok run with nothing to say is shown as an error too: the user got no answer.
    status = "done" if completed.ok is not False and answer.strip() else "error"
    tracker.set_resume(completed.resume or outcome.resume)
    logger.info(
        "runner.completed",
        ok=completed.ok,
        error=completed.error,
        answer_len=len(answer),
        elapsed=elapsed,
        action_count=tracker.action_count,
        resume=tracker.resume.value if tracker.resume else None,
    )
    message = presenter.render_final(snapshot(), elapsed_s=elapsed, status=status, answer=answer)
    edit_in_place = not cfg.final_notify and progress_msg is not None
    await send_result_message(
        transport,
        channel_id=incoming.channel_id,
        message=message,
        edit_ref=progress_msg if edit_in_place else None,
        replace_ref=progress_msg,
        reply_to=user_ref,
        notify=cfg.final_notify,
        thread_id=incoming.thread_id,
    )
