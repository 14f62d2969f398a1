"""What the run pipeline needs from a chat system: message refs, rendered messages, and the
``Transport`` protocol. (``Presenter``, which renders progress into messages, lives with the
progress state in :mod:`takopi_core.run.progress`.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

ChannelId: TypeAlias = int | str
MessageId: TypeAlias = int | str
ThreadId: TypeAlias = int | str


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message in a channel. Equality and hash use only ``channel_id`` and ``message_id``,
    so a ref rebuilt from a reply finds the running task stored under the original."""

    channel_id: ChannelId
    message_id: MessageId
    raw: Any | None = field(default=None, compare=False, hash=False)
    thread_id: ThreadId | None = field(default=None, compare=False, hash=False)
    sender_id: int | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """Text ready to send plus transport-specific ``extra`` (e.g. ``"followups"``)."""

    text: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SendOptions:
    """How to send: reply target, notification, and ``replace`` (a message the transport
    must delete, and drop pending edits for, once the new one is sent)."""

    reply_to: MessageRef | None = None
    notify: bool = True
    replace: MessageRef | None = None
    thread_id: ThreadId | None = None


class Transport(Protocol):
    """A chat system as the run pipeline sees it. Every method is async; ``None``/``False``
    results mean the operation failed."""

    async def close(self) -> None: ...

    async def send(
        self,
        *,
        channel_id: ChannelId,
        message: RenderedMessage,
        options: SendOptions | None = None,
    ) -> MessageRef | None: ...

    async def edit(
        self, *, ref: MessageRef, message: RenderedMessage, wait: bool = True
    ) -> MessageRef | None: ...

    async def delete(self, *, ref: MessageRef) -> bool: ...
