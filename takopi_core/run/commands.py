"""`/command` plugins: parsing ``/id args``, finding the plugins, and dispatching to them.

A message ``/id args`` goes to the command plugin ``id`` unless ``id`` is taken by a
transport built-in, an engine, a project alias or a reserved id: those win, and the plugin is
reported as skipped. Their types live in ``command_types``; the ``CommandExecutor`` a command
gets to reply and start runs is the ``PipelineExecutor`` in ``executor``.
"""

from __future__ import annotations

import inspect
import shlex
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio

from takopi_core.errors import ConfigError
from takopi_core.ids import COMMAND, RESERVED_COMMAND_IDS
from takopi_core.plugins.discovery import Discovery, discover
from takopi_core.run.command_types import (
    CommandContext,
    CommandExecutor,
    CommandResult,
)
from takopi_core.run.guard import (
    describe_exception,
    discard_awaitable,
    is_plugin_escape,
    load_plugin,
    report_fault,
    type_label,
)
from takopi_core.run.logs import get_logger
from takopi_core.run.transport import MessageRef
from takopi_core.text import safe_text

if TYPE_CHECKING:
    from takopi_core.plugins.backends import CommandBackend
    from takopi_core.run.runtime import TransportRuntime

_logger = get_logger(__name__)

# --- parsing -------------------------------------------------------------------------------


def parse_slash_command(text: str) -> tuple[str | None, str]:
    """``("id", "args text")`` for ``/id args...``; ``(None, text)`` for anything else.

    The id is lowercased and loses a ``@botname`` suffix; only a space separates it from the
    arguments, and later lines belong to the arguments.
    """
    stripped = text.lstrip()
    if not stripped.startswith("/"):
        return None, text
    first, _, rest_lines = stripped.partition("\n")
    head, _, first_rest = first.partition(" ")
    command = head[1:].split("@", 1)[0].lower()
    if not command:
        return None, text
    args_text = first_rest
    if rest_lines:
        args_text = f"{first_rest}\n{rest_lines}" if first_rest else rest_lines
    return command, args_text


def split_command_args(args_text: str) -> tuple[str, ...]:
    """Shell-like split of the arguments; unbalanced quotes fall back to whitespace."""
    if not args_text.strip():
        return ()
    try:
        return tuple(shlex.split(args_text))
    except ValueError:
        return tuple(args_text.split())


def is_cancel_command(text: str) -> bool:
    """True for ``/cancel`` (or ``/cancel@bot``), whatever follows it."""
    words = text.split(maxsplit=1)
    if not words:
        return False
    first = words[0].lower()
    return first == "/cancel" or first.startswith("/cancel@")


# --- finding command plugins -----------------------------------------------------------------


def list_command_ids(*, allowlist: Collection[str] | None = None) -> list[str]:
    """Ids of the visible command plugins, sorted (reserved and broken ids left out)."""
    found = discover(list(allowlist) if allowlist is not None else None, kinds=(COMMAND,))
    return sorted({entry.id for entry in found.entries if entry.enabled})


def get_command(
    command_id: str, *, allowlist: Collection[str] | None = None, required: bool = True
) -> CommandBackend | None:
    """Load command plugin ``command_id``; None when absent and not ``required``."""
    if command_id.strip().lower() in RESERVED_COMMAND_IDS:
        raise ConfigError(f"Command id {command_id!r} is reserved.")
    found = discover(list(allowlist) if allowlist is not None else None, kinds=(COMMAND,))
    visible = any(e.id == command_id and e.enabled for e in found.entries)
    broken = any(err.id == command_id for err in found.errors)
    if not required and not visible and not broken:
        return None
    backend: CommandBackend = load_plugin(COMMAND, command_id, discovery=found)
    return backend


@dataclass(frozen=True, slots=True)
class CommandTable:
    """Which command ids dispatch to plugins, and which were skipped and why."""

    ids: frozenset[str]
    skipped: dict[str, str] = field(default_factory=dict)
    #: Skipped because they failed their check (probe): ``/id`` gets an error reply saying
    #: so rather than going to the default engine as a prompt.
    failed: frozenset[str] = frozenset()


def build_command_table(
    runtime: TransportRuntime, *, builtin: Collection[str] = ()
) -> CommandTable:
    """Command plugin ids usable with this runtime; collisions are skipped with a reason.

    Precedence: the transport's built-ins, then engine ids, then project aliases, then the
    reserved ids. Ids discovery already rejected (reserved, invalid, duplicated) are listed
    as skipped too, with discovery's message.
    """
    found = discover(
        list(runtime.allowlist) if runtime.allowlist is not None else None, kinds=(COMMAND,)
    )
    builtins = {name.lower() for name in builtin}
    engines = {engine.lower() for engine in runtime.engine_ids}
    aliases = {alias.lower() for alias in runtime.project_aliases()}
    ids: set[str] = set()
    skipped: dict[str, str] = {}
    failed_ids: set[str] = set()
    gate = runtime.plugin_gate
    for error in found.errors:
        if error.kind == COMMAND:
            skipped[error.id] = f"{error.message} ({error.dist_label})"
    for entry in found.entries:
        if not entry.enabled:
            continue
        key = entry.id.lower()
        origin = f"command {entry.id!r} ({entry.dist_label})"
        failed = gate.known_problem(entry) if gate is not None else None
        if failed is not None:
            skipped[entry.id] = f"{origin} failed its check: {failed}"
            failed_ids.add(key)
        elif key in builtins:
            skipped[entry.id] = f"{origin} is shadowed by the built-in /{key}"
        elif key in engines:
            skipped[entry.id] = f"{origin} has the same id as an engine; /{key} selects it"
        elif key in aliases:
            skipped[entry.id] = f"{origin} has the same id as a project alias; /{key} selects it"
        elif key in RESERVED_COMMAND_IDS:
            skipped[entry.id] = f"{origin} uses a reserved id"
        else:
            ids.add(key)
    return CommandTable(ids=frozenset(ids), skipped=skipped, failed=frozenset(failed_ids))


class CommandDispatcher:
    """Routes ``/id`` messages to command plugins for one transport."""

    def __init__(self, runtime: TransportRuntime, *, builtin: Collection[str] = ()) -> None:
        self._runtime = runtime
        self._builtin = tuple(builtin)
        self.table = build_command_table(runtime, builtin=self._builtin)

    def refresh(self) -> CommandTable:
        self.table = build_command_table(self._runtime, builtin=self._builtin)
        return self.table

    def match(self, text: str) -> tuple[str, str] | None:
        """``(command_id, args_text)`` when ``text`` invokes a command plugin.

        An id not seen at start-up triggers one re-discovery, so a plugin installed while the
        transport runs is picked up without a restart.
        """
        command_id, args_text = parse_slash_command(text)
        if command_id is None:
            return None
        if command_id in self.table.failed:
            return command_id, args_text
        if command_id not in self.table.ids:
            if command_id in self.table.skipped or command_id in self._reserved():
                return None
            if command_id not in self.refresh().ids:
                return None
        return command_id, args_text

    def _reserved(self) -> set[str]:
        return (
            {e.lower() for e in self._runtime.engine_ids}
            | {a.lower() for a in self._runtime.project_aliases()}
            | set(RESERVED_COMMAND_IDS)
            | {b.lower() for b in self._builtin}
        )

    async def dispatch(
        self,
        command_id: str,
        args_text: str,
        *,
        text: str,
        message: MessageRef,
        executor: CommandExecutor,
        reply_to: MessageRef | None = None,
        reply_text: str | None = None,
    ) -> None:
        """Run the command and send its result (or its error) as a reply.

        Whatever the plugin does (raise, ``SystemExit``, ``KeyboardInterrupt``, return
        something that is not a ``CommandResult``) ends as an ``error:`` reply naming the
        command and its distribution, and one line in the log; never the chat.
        """
        runtime = self._runtime
        found = discover(
            list(runtime.allowlist) if runtime.allowlist is not None else None, kinds=(COMMAND,)
        )
        entry = found.find(COMMAND, command_id)
        label = f"command /{command_id} ({entry.dist_label if entry else 'unknown'})"
        try:
            backend = await self._load(command_id, found)
            if backend is None:
                return
            plugin_config = runtime.plugin_config(command_id)
        except ConfigError as exc:
            await executor.send(f"error:\n{exc}", reply_to=message, notify=True)
            return
        ctx = CommandContext(
            command=command_id,
            text=text,
            args_text=args_text,
            args=split_command_args(args_text),
            message=message,
            reply_to=reply_to,
            reply_text=reply_text,
            config_path=runtime.config_path,
            plugin_config=plugin_config,
            runtime=runtime,
            executor=executor,
        )
        try:
            pending = backend.handle(ctx)
            if not inspect.isawaitable(pending):
                raise _CommandFault(f"handle() returned {type_label(pending)}, not an awaitable")
            result = await pending
        except _CommandFault as fault:
            await self._fault(executor, message, label, str(fault))
            return
        except BaseException as exc:
            if not is_plugin_escape(exc):
                raise
            if isinstance(exc, Exception):
                _logger.exception("command.failed", command=command_id)
                reason = str(exc) or type(exc).__name__
                await executor.send(f"error:\n{reason}", reply_to=message, notify=True)
                return
            await self._fault(
                executor, message, label, f"handle() raised {describe_exception(exc)}"
            )
            return
        if result is None:
            return
        problem = _result_problem(result)
        if problem is not None:
            discard_awaitable(result)
            await self._fault(executor, message, label, problem)
            return
        await executor.send(result.text, reply_to=result.reply_to or message, notify=result.notify)

    async def _load(self, command_id: str, found: Discovery) -> CommandBackend | None:
        """The command's backend, imported only once the probe passed it (``takopi run``)."""
        entry = found.find(COMMAND, command_id)
        if entry is None or not entry.enabled:
            return None
        gate = self._runtime.plugin_gate
        if gate is not None:
            # A command installed while the bridge runs is checked now: a probe run blocks.
            problem = await anyio.to_thread.run_sync(gate.problem, entry)
            if problem is not None:
                raise ConfigError(
                    f"command /{command_id} ({entry.dist_label}) is skipped: its check "
                    f"failed: {problem}"
                )
        backend: CommandBackend = load_plugin(COMMAND, command_id, discovery=found)
        return backend

    async def _fault(
        self, executor: CommandExecutor, message: MessageRef, label: str, problem: str
    ) -> None:
        line = f"{label} failed: {problem}"
        report_fault(line)
        await executor.send(f"error:\n{safe_text(line)}", reply_to=message, notify=True)


class _CommandFault(Exception):
    """A command plugin broke its contract (the message says how)."""


def _result_problem(result: object) -> str | None:
    """What is wrong with what ``handle()`` returned (None for a valid ``CommandResult``)."""
    if not isinstance(result, CommandResult):
        return f"handle() returned {type_label(result)}, not a CommandResult (or None)"
    if not isinstance(result.text, str):
        return f"its CommandResult's text is {type_label(result.text)}, not a str"
    if result.reply_to is not None and not isinstance(result.reply_to, MessageRef):
        return f"its CommandResult's reply_to is {type_label(result.reply_to)}, not a MessageRef"
    if not isinstance(result.notify, bool):
        return f"its CommandResult's notify is {type_label(result.notify)}, not a bool"
    return None
