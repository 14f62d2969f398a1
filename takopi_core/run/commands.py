"""`/command` plugins: finding them, and running them (their types: ``command_types``).

A message ``/id args`` goes to the command plugin ``id`` unless ``id`` is taken by a
transport built-in, an engine, a project alias or a reserved id: those win, and the plugin is
reported as skipped. The ``PipelineExecutor`` gives a command the ``CommandExecutor`` it can
use to reply and to start runs (shown in the chat, or captured and returned to it).
"""

from __future__ import annotations

import inspect
import shlex
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

import anyio

from takopi_core.errors import ConfigError
from takopi_core.ids import COMMAND, RESERVED_COMMAND_IDS
from takopi_core.plugins.discovery import Discovery, discover
from takopi_core.run import bridge
from takopi_core.run.bridge import ExecBridgeConfig, IncomingMessage, RunningTasks
from takopi_core.run.command_types import (
    CommandContext,
    CommandExecutor,
    CommandResult,
    RunMode,
    RunRequest,
    RunResult,
)
from takopi_core.run.context import RunContext, reset_run_base_dir, set_run_base_dir
from takopi_core.run.guard import (
    describe_exception,
    discard_awaitable,
    is_plugin_escape,
    load_plugin,
    report_fault,
    type_label,
)
from takopi_core.run.logs import get_logger
from takopi_core.run.model import EngineId, ResumeToken
from takopi_core.run.options import EngineRunOptions, apply_run_options
from takopi_core.run.progress import ProgressTracker
from takopi_core.run.runner import RunnerUnavailableError
from takopi_core.run.transport import ChannelId, MessageRef, RenderedMessage, SendOptions, ThreadId
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


# --- running -------------------------------------------------------------------------------


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


OnThreadKnown: TypeAlias = Callable[[ResumeToken, anyio.Event], Awaitable[None]]
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
