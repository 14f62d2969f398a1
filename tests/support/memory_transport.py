"""An in-memory ``Transport`` for pipeline tests: a real implementation of the protocol that
keeps the visible messages and a log of every call, and lets a test await a condition."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio

from takopi_core.run.model import ResumeToken, TakopiEvent
from takopi_core.run.runner import BaseRunner, ResumeTokenMixin
from takopi_core.run.transport import ChannelId, MessageRef, RenderedMessage, SendOptions


@dataclass(frozen=True)
class Call:
    """One transport call: ``op`` is send, edit or delete."""

    op: str
    ref: MessageRef | None
    message: RenderedMessage | None = None
    options: SendOptions | None = None
    wait: bool | None = None


class MemoryTransport:
    """Messages live in ``messages`` (insertion ordered); ``calls`` records every call.

    ``send`` honours ``SendOptions.replace`` by deleting the replaced message, like a real
    transport must. ``edit`` of an unknown message fails (returns None). ``edit_gate``, when
    set, makes every edit wait for it, like a slow network.
    """

    def __init__(self) -> None:
        self.messages: dict[MessageRef, RenderedMessage] = {}
        self.calls: list[Call] = []
        self.fail_sends = False
        self.fail_edits = False
        self.edit_gate: anyio.Event | None = None
        self.closed = False
        self._next_id = 1000
        self._changed = anyio.Event()

    # -- the Transport protocol --------------------------------------------------------------

    async def close(self) -> None:
        self.closed = True

    async def send(
        self,
        *,
        channel_id: ChannelId,
        message: RenderedMessage,
        options: SendOptions | None = None,
    ) -> MessageRef | None:
        options = options or SendOptions()
        if self.fail_sends:
            self._record(Call("send", None, message, options))
            return None
        self._next_id += 1
        ref = MessageRef(
            channel_id=channel_id, message_id=self._next_id, thread_id=options.thread_id
        )
        self.messages[ref] = message
        self._record(Call("send", ref, message, options))
        if options.replace is not None:
            await self.delete(ref=options.replace)
        return ref

    async def edit(
        self, *, ref: MessageRef, message: RenderedMessage, wait: bool = True
    ) -> MessageRef | None:
        if self.edit_gate is not None:
            await self.edit_gate.wait()
        if self.fail_edits or ref not in self.messages:
            self._record(Call("edit-failed", ref, message, wait=wait))
            return None
        self.messages[ref] = message
        self._record(Call("edit", ref, message, wait=wait))
        return ref

    async def delete(self, *, ref: MessageRef) -> bool:
        existed = self.messages.pop(ref, None) is not None
        self._record(Call("delete", ref))
        return existed

    # -- test helpers ------------------------------------------------------------------------

    def ops(self) -> list[str]:
        return [call.op for call in self.calls]

    def texts(self) -> list[str]:
        return [message.text for message in self.messages.values()]

    def text_of(self, ref: MessageRef) -> str | None:
        message = self.messages.get(ref)
        return message.text if message is not None else None

    def edits(self) -> list[Call]:
        return [call for call in self.calls if call.op == "edit"]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        """Wait until ``predicate()`` holds after some transport call."""
        with anyio.fail_after(timeout):
            while not predicate():
                await self._changed.wait()

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._changed.set()
        self._changed = anyio.Event()


class ScriptedRunner(ResumeTokenMixin, BaseRunner):
    """An in-process runner whose run is an async generator function given by the test.

    It records every (prompt, resume) it was asked to run and whether its stream was closed.
    """

    def __init__(
        self,
        script: Callable[[str, ResumeToken | None], AsyncIterator[TakopiEvent]],
        *,
        engine: str = "fake",
    ) -> None:
        self.engine = engine
        self.script = script
        self.runs: list[tuple[str, ResumeToken | None]] = []
        self.closed = 0

    async def run_impl(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        self.runs.append((prompt, resume))
        try:
            async for event in self.script(prompt, resume):
                yield event
        finally:
            self.closed += 1


def events_script(events: Sequence[Any]) -> Callable[..., AsyncIterator[TakopiEvent]]:
    """A script that yields ``events`` in order (an exception instance is raised instead)."""

    async def script(prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        for event in events:
            if isinstance(event, BaseException):
                raise event
            yield event

    return script
