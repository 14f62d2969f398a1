"""Calls into plugin code on the run path, guarded: one plugin's fault is that plugin's problem.

A runner is checked against the ``Runner`` protocol when it is built (``runner_problem``) and
then wrapped in a ``GuardedRunner``: every call into it is guarded, and what it returns is
checked. A fault (an exception from a resume helper, a wrong return type, an event that is not
an event, ``SystemExit`` or ``KeyboardInterrupt`` raised by the plugin) disables that engine for
the session, reported once as one line naming the engine and its distribution; the chat and
the other engines carry on. An ordinary exception raised by a run stays that run's error, as
before.

``KeyboardInterrupt`` raised by plugin code is a fault, unless the user really pressed Ctrl+C:
``watch_user_interrupts`` records real SIGINTs so the two can be told apart.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from types import FrameType
from typing import Any, TypeVar

import anyio

from takopi_core.errors import ConfigError
from takopi_core.plugins.discovery import Discovery
from takopi_core.run.model import (
    Action,
    ActionEvent,
    CompletedEvent,
    EngineId,
    ResumeToken,
    StartedEvent,
    TakopiEvent,
)
from takopi_core.run.runner import RunnerUnavailableError
from takopi_core.text import safe_text

__all__ = [
    "RUNNER_METHODS",
    "STOP_SIGNALS",
    "GuardedRunner",
    "PluginFault",
    "abandon",
    "abandoned_tasks",
    "describe_exception",
    "guarded_call",
    "load_plugin",
    "note_stop_signal",
    "report_fault",
    "run_abandonable",
    "run_host_loop",
    "runner_problem",
    "stop_signal",
    "type_label",
    "user_interrupted",
    "watch_user_interrupts",
]

#: The logger fault lines go to: a transport shows warnings (the terminal as notices),
#: stderr gets them before the chat starts.
fault_logger = logging.getLogger("takopi.faults")

#: The methods the ``Runner`` protocol requires (``engine`` is checked on its own).
RUNNER_METHODS: tuple[str, ...] = ("is_resume_line", "format_resume", "extract_resume", "run")

_T = TypeVar("_T")


class PluginFault(RuntimeError):
    """Plugin code misbehaved; ``str()`` is the one line shown to the user."""


# --- real Ctrl+C versus a plugin's KeyboardInterrupt -----------------------------------------

_interrupts: dict[str, int | None] = {"count": 0, "stop": None}

#: Signals that stop ``takopi run`` the way Ctrl+C does.
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)

#: Tasks of plugin code that ignored cancellation and were left behind (see ``abandon``).
_abandoned: list[object] = []


def user_interrupted() -> bool:
    """True once the user has pressed Ctrl+C (or sent SIGTERM/SIGHUP) in this process."""
    return bool(_interrupts["count"])


def stop_signal() -> int | None:
    """The SIGTERM/SIGHUP that stopped ``takopi run``, if one did."""
    return _interrupts["stop"]


def note_stop_signal(signum: int) -> None:
    """Record a stop request (a transport that handles the signal itself calls this)."""
    _interrupts["count"] = int(_interrupts["count"] or 0) + 1
    if signum != signal.SIGINT:
        _interrupts["stop"] = signum


def abandon(task: object) -> None:
    """Keep a task of plugin code that would not stop; ``takopi run`` exits without it."""
    _abandoned.append(task)


def abandoned_tasks() -> tuple[object, ...]:
    return tuple(_abandoned)


@contextlib.contextmanager
def watch_user_interrupts() -> Iterator[None]:
    """Record real SIGINTs, SIGTERMs and SIGHUPs, then raise ``KeyboardInterrupt`` as Python
    does for SIGINT: the three stop the bridge the same way, and a plugin's own
    ``KeyboardInterrupt`` can be told from them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        note_stop_signal(signum)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, *STOP_SIGNALS)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --- describing faults -----------------------------------------------------------------------


def type_label(value: object) -> str:
    """``None``, or the type's name with an article: ``a str``, ``an int``."""
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def describe_exception(exc: BaseException) -> str:
    """``SystemExit(7)``, ``KeyboardInterrupt``, ``RuntimeError: boom``."""
    if isinstance(exc, SystemExit):
        return f"SystemExit({exc.code!r})"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def is_plugin_escape(exc: BaseException) -> bool:
    """Exceptions plugin code must never pass to the host (they would end the chat)."""
    if isinstance(exc, KeyboardInterrupt):
        return not user_interrupted()
    return isinstance(exc, SystemExit | Exception)


def guarded_call(what: str, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """``fn(*args, **kwargs)``; any exception from it (``SystemExit`` and a plugin's
    ``KeyboardInterrupt`` included) becomes a ``PluginFault`` saying ``what`` raised what."""
    try:
        return fn(*args, **kwargs)
    except BaseException as exc:
        if not is_plugin_escape(exc):
            raise
        raise PluginFault(f"{what} raised {describe_exception(exc)}") from exc


_reported: set[str] = set()


def report_fault(line: str) -> None:
    """Show ``line`` once (a fault is reported when it happens, not on every message)."""
    line = safe_text(line)
    if line in _reported:
        return
    _reported.add(line)
    fault_logger.warning(line)


def discard_awaitable(value: object) -> None:
    """Close a coroutine a plugin returned where a value was due (no "never awaited")."""
    close = getattr(value, "close", None)
    if inspect.iscoroutine(value) and close is not None:
        close()


# --- checking a runner when it is built ------------------------------------------------------


def runner_problem(engine: EngineId, runner: object) -> str | None:
    """Why ``runner`` (what ``build_runner`` returned) is not a usable ``Runner``, or None."""
    if runner is None or isinstance(runner, str | bytes | int | float | bool | dict | list):
        return f"build_runner returned {type_label(runner)}, not a Runner"
    if inspect.isawaitable(runner):
        discard_awaitable(runner)
        return "build_runner returned a coroutine (it must be a plain function), not a Runner"
    missing: list[str] = []
    for name in RUNNER_METHODS:
        try:
            member = getattr(runner, name)
        except Exception:
            member = None
        if not callable(member):
            missing.append(name)
    if missing:
        return f"its runner ({type(runner).__name__}) has no {', '.join(missing)}"
    try:
        # Any object may come back from a plugin: the lookup itself is what is checked.
        runner_engine = runner.engine  # type: ignore[attr-defined]
    except Exception:
        return f"its runner ({type(runner).__name__}) has no `engine` attribute"
    if not isinstance(runner_engine, str):
        return f"its runner's `engine` is {type_label(runner_engine)}, not the engine id"
    if runner_engine != engine:
        return f"its runner's `engine` is {runner_engine!r}, not {engine!r}"
    return None


# --- the guarded runner ----------------------------------------------------------------------


def _token_problem(engine: EngineId, token: object, what: str) -> str | None:
    if not isinstance(token, ResumeToken):
        return f"{what} is {type_label(token)}, not a ResumeToken"
    if token.engine != engine:
        return f"{what} is a resume token for engine {token.engine!r}"
    if not isinstance(token.value, str) or not token.value:
        return f"{what} has no session id"
    return None


def event_problem(engine: EngineId, event: object) -> str | None:
    """What is wrong with an event ``engine``'s runner yielded, or None."""
    if isinstance(event, StartedEvent):
        return _token_problem(engine, event.resume, "its started event's `resume`")
    if isinstance(event, ActionEvent):
        action = event.action
        if not isinstance(action, Action):
            return f"its action event's `action` is {type_label(action)}, not an Action"
        if not isinstance(action.id, str) or not isinstance(action.title, str):
            return "its action event's action needs a str `id` and `title`"
        if event.phase not in ("started", "updated", "completed"):
            return f"its action event's `phase` is {event.phase!r}"
        return None
    if isinstance(event, CompletedEvent):
        if not isinstance(event.answer, str):
            return f"its completed event's `answer` is {type_label(event.answer)}, not a str"
        if event.error is not None and not isinstance(event.error, str):
            return f"its completed event's `error` is {type_label(event.error)}, not a str"
        if event.resume is not None:
            return _token_problem(engine, event.resume, "its completed event's `resume`")
        return None
    return f"run() yielded {type_label(event)}, not an event"


class GuardedRunner:
    """A plugin's runner behind guards; it disables itself at the first fault.

    ``fault`` is why it is disabled (None while it works). A runner that failed the check at
    build time starts disabled; its resume helpers then answer "no" and ``run`` refuses.
    """

    def __init__(
        self,
        engine: EngineId,
        runner: object,
        *,
        distribution: str = "unknown",
        fault: str | None = None,
    ) -> None:
        self.engine = engine
        self.inner = runner
        self.distribution = distribution
        self.fault: str | None = None
        if fault is not None:
            self.fault = fault

    def __repr__(self) -> str:
        return f"GuardedRunner({self.engine!r}, {self.inner!r})"

    @property
    def label(self) -> str:
        return f"engine {self.engine!r} ({self.distribution})"

    def disable(self, reason: str) -> str:
        """Disable the engine for the session and report it (once); returns the line."""
        if self.fault is None:
            self.fault = reason
            report_fault(f"{self.label} is disabled for this session: {reason}")
        return self.unavailable_text()

    def unavailable_text(self) -> str:
        return f"{self.label} is disabled for this session: {self.fault}"

    def _call(self, name: str, *args: Any) -> tuple[bool, Any]:
        try:
            return True, guarded_call(f"{name}()", getattr(self.inner, name), *args)
        except PluginFault as fault:
            self.disable(str(fault))
            return False, None

    # -- the Runner protocol ------------------------------------------------------------------

    def is_resume_line(self, line: str) -> bool:
        if self.fault is not None:
            return False
        ok, value = self._call("is_resume_line", line)
        if not ok:
            return False
        if not isinstance(value, bool):
            self.disable(f"is_resume_line() returned {type_label(value)}, not a bool")
            return False
        return value

    def extract_resume(self, text: str | None) -> ResumeToken | None:
        if self.fault is not None:
            return None
        ok, value = self._call("extract_resume", text)
        if not ok or value is None:
            return None
        problem = _token_problem(self.engine, value, "what extract_resume() returned")
        if problem is not None:
            discard_awaitable(value)
            self.disable(problem)
            return None
        return value

    def format_resume(self, token: ResumeToken) -> str:
        fallback = f"`{token.engine} resume {token.value}`"
        if self.fault is not None:
            return fallback
        ok, value = self._call("format_resume", token)
        if not ok:
            return fallback
        if not isinstance(value, str):
            discard_awaitable(value)
            self.disable(f"format_resume() returned {type_label(value)}, not a str")
            return fallback
        return value

    def run(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        return self._run(prompt, resume)

    async def _run(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        if self.fault is not None:
            raise RunnerUnavailableError(self.engine, self.unavailable_text())
        try:
            # inner is the plugin's object (typed object): runner_problem checked its run.
            events = guarded_call("run()", self.inner.run, prompt, resume)  # type: ignore[attr-defined]
        except PluginFault as fault:
            raise PluginFault(self.disable(str(fault))) from fault
        iterator = self._iterator(events)
        try:
            while True:
                try:
                    event = await iterator.__anext__()
                except StopAsyncIteration:
                    return
                except (SystemExit, KeyboardInterrupt) as exc:
                    if not is_plugin_escape(exc):
                        raise
                    reason = f"run() raised {describe_exception(exc)}"
                    raise PluginFault(self.disable(reason)) from exc
                problem = event_problem(self.engine, event)
                if problem is not None:
                    raise PluginFault(self.disable(problem))
                yield event
        finally:
            await self._close(iterator)

    def _iterator(self, events: object) -> Any:
        if inspect.iscoroutine(events):
            discard_awaitable(events)
            reason = "run() is a coroutine function; it must return an async iterator"
            raise PluginFault(self.disable(reason))
        try:
            # What a plugin's run() returned: the lookup is the check (AttributeError below).
            aiter = events.__aiter__  # type: ignore[attr-defined]
            iterator = guarded_call("run().__aiter__()", aiter)
            iterator.__anext__  # noqa: B018 - the check is the attribute lookup
        except (AttributeError, PluginFault):
            reason = f"run() returned {type_label(events)}, not an async iterator"
            raise PluginFault(self.disable(reason)) from None
        return iterator

    async def _close(self, iterator: Any) -> None:
        aclose = getattr(iterator, "aclose", None)
        if aclose is None:
            return
        try:
            await aclose()
        except BaseException as exc:
            if not is_plugin_escape(exc):
                raise
            self.disable(f"closing run() raised {describe_exception(exc)}")


# --- importing a plugin ----------------------------------------------------------------------


def load_plugin(kind: str, plugin_id: str, *, discovery: Discovery) -> Any:
    """``load_backend`` whose escapes (``SystemExit``, a plugin's ``KeyboardInterrupt``, any
    exception) become the ConfigError ``Failed to load <kind> 'id' (dist): reason``."""
    from takopi_core.plugins.loading import load_backend

    try:
        return load_backend(kind, plugin_id, discovery=discovery)
    except ConfigError:
        raise
    except BaseException as exc:
        if not is_plugin_escape(exc):
            raise
        entry = discovery.find(kind, plugin_id)
        dist = entry.dist_label if entry is not None else "unknown"
        raise ConfigError(
            f"Failed to load {kind} {plugin_id!r} ({dist}): {describe_exception(exc)}"
        ) from exc


# --- plugin code that ignores cancellation -------------------------------------------------------


async def run_abandonable(
    work: Coroutine[Any, Any, _T], *, grace_s: float, on_abandon: Callable[[], None]
) -> _T | None:
    """Await ``work`` (plugin code) in a task of its own, so that cancelling the caller does
    not depend on the plugin: a cancelled ``work`` gets ``grace_s`` seconds to stop, then it
    is left behind (``on_abandon`` is called, the task is kept in ``abandoned_tasks``) and the
    cancellation goes on. Returns ``work``'s result when it ends on its own."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # not asyncio (trio): no separate task to leave behind
        return await work
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except BaseException:
        if not task.done():
            with anyio.CancelScope(shield=True), anyio.move_on_after(grace_s):
                while not task.done():
                    task.cancel()
                    await anyio.sleep(0.05)
            if not task.done():
                abandon(task)
                on_abandon()
        raise


def run_host_loop(main: Callable[[], Coroutine[Any, Any, _T]], *, grace_s: float = 1.0) -> _T:
    """``anyio.run(main)`` on asyncio, except that tasks of plugin code that will not stop
    (``abandoned_tasks``) cannot keep it from returning: at the end every task left is
    cancelled and waited for at most ``grace_s`` seconds, not forever."""
    import asyncio

    loop = asyncio.new_event_loop()

    def on_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # "Task was destroyed but it is pending" for a left-behind task: expected here.
        fault_logger.debug("event loop: %s", context.get("message"))

    loop.set_exception_handler(on_loop_error)
    try:
        return loop.run_until_complete(main())
    finally:
        try:
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=grace_s))
            loop.run_until_complete(asyncio.wait_for(loop.shutdown_asyncgens(), grace_s))
        except BaseException as exc:  # cleaning up must not hide how main ended
            fault_logger.debug("event loop clean-up: %s", describe_exception(exc))
        finally:
            loop.close()
