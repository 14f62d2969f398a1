"""``handle_message``: the run pipeline every transport shares.

It turns one incoming message into a run: strips resume lines from the prompt, posts a
progress message, keeps it up to date as events arrive (coalescing edits), supports
cancellation through ``RunningTasks``, and delivers the final answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

import anyio

from .context import RunContext
from .model import ResumeToken
from .transport import ChannelId, MessageId, MessageRef, Presenter, ThreadId, Transport


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
    control: Any | None = None


RunningTasks: TypeAlias = dict[MessageRef, RunningTask]
"""Running tasks keyed by their progress message's ref."""
