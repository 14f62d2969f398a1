"""The types a `/command` plugin sees: its context, its executor, its result, run requests.

Kept apart from the finding and dispatching in :mod:`takopi_core.run.commands`, so the plugin
API (and the backend types) can name them without the dispatch machinery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias

from takopi_core.run.context import RunContext
from takopi_core.run.model import EngineId
from takopi_core.run.transport import MessageRef, RenderedMessage

if TYPE_CHECKING:
    from takopi_core.run.runtime import TransportRuntime

__all__ = [
    "CommandContext",
    "CommandExecutor",
    "CommandResult",
    "RunMode",
    "RunRequest",
    "RunResult",
]

RunMode: TypeAlias = Literal["emit", "capture"]


@dataclass(frozen=True, slots=True)
class RunRequest:
    """A run a command asks for: the prompt, and optionally the engine and project."""

    prompt: str
    engine: EngineId | None = None
    context: RunContext | None = None


@dataclass(frozen=True, slots=True)
class RunResult:
    """A finished run: its engine, and in ``capture`` mode the final rendered message."""

    engine: EngineId
    message: RenderedMessage | None


class CommandExecutor(Protocol):
    """What a command can do in the chat it was called from."""

    async def send(
        self,
        message: RenderedMessage | str,
        *,
        reply_to: MessageRef | None = None,
        notify: bool = True,
    ) -> MessageRef | None: ...

    async def run_one(self, request: RunRequest, *, mode: RunMode = "emit") -> RunResult: ...

    async def run_many(
        self,
        requests: Sequence[RunRequest],
        *,
        mode: RunMode = "emit",
        parallel: bool = False,
    ) -> list[RunResult]: ...


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Everything a command's ``handle`` gets about the message that invoked it."""

    command: str
    text: str
    args_text: str
    args: tuple[str, ...]
    message: MessageRef
    reply_to: MessageRef | None
    reply_text: str | None
    config_path: Path | None
    plugin_config: dict[str, Any]
    runtime: TransportRuntime
    executor: CommandExecutor


@dataclass(frozen=True, slots=True)
class CommandResult:
    """A command's reply; ``reply_to`` defaults to the invoking message."""

    text: str
    notify: bool = True
    reply_to: MessageRef | None = None
