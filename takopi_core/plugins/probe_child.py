"""The checker: the process where one plugin's code runs, forked by the probe server.

:func:`run_checker` is called in a fresh fork of :mod:`takopi_core.plugins.probe_server`
for a single plugin. Before any plugin code runs it cuts the process off from the probe:
every inherited file descriptor is closed except its own channel (fd 3, a socket), its
output (fds 1 and 2, a socket the server reads into a bounded tail) and ``/dev/null`` on
stdin; it dies with the server; its memory is capped. Whatever the plugin then writes to
the channel can only concern the plugin itself, and a line without the checker's secret is
rejected by the server as a protocol violation, failing this plugin.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import signal
import sys
import time
import traceback
from typing import Any

from takopi_core import _child
from takopi_core.plugins.discovery import PluginEntry
from takopi_core.plugins.fixes import plugin_fault_fix
from takopi_core.plugins.load_errors import NOTHING, explain_with_fix
from takopi_core.plugins.probe_protocol import MAX_TRACEBACK_CHARS, encode_line

CHANNEL_FD = 3


class _Protocol:
    """The checker's side of its channel: JSON lines, each with the checker's secret."""

    def __init__(self, fd: int, nonce: str) -> None:
        self._fd = fd
        self._nonce = nonce

    def send(self, **fields: Any) -> None:
        data = encode_line(n=self._nonce, **fields)
        while data:
            data = data[os.write(self._fd, data) :]


def run_checker(
    entry: PluginEntry,
    index: int,
    *,
    nonce: str,
    channel: int,
    output: int,
    server_pid: int,
    engines: SetupEngines | None,
    memory_limit: int | None,
) -> None:
    """Check ``entry`` in this (forked) process and leave with ``os._exit``; never returns."""
    status = os.EX_SOFTWARE  # until the check has sent its result
    try:
        _isolate(channel, output, server_pid, memory_limit)
        proto = _Protocol(CHANNEL_FD, nonce)
        result = check_entry(entry, proto, index, engines)
        if len(result.get("traceback") or "") > MAX_TRACEBACK_CHARS:
            result["traceback"] = "…" + result["traceback"][-MAX_TRACEBACK_CHARS:]
        proto.send(event="result", index=index, **result)
        status = 0
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        os._exit(status)


def _isolate(channel: int, output: int, server_pid: int, memory_limit: int | None) -> None:
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    _child.die_with_parent(signal.SIGKILL, parent=server_pid)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.dup2(channel, CHANNEL_FD)
    os.closerange(CHANNEL_FD + 1, _max_fd())
    # A crash leaves a Python stack on the output for the server to show.
    faulthandler.enable(file=sys.stderr, all_threads=True)
    _child.limit_memory(memory_limit)


def _max_fd() -> int:
    try:
        return max(os.sysconf("SC_OPEN_MAX"), 256)
    except (ValueError, OSError):
        return 4096


class SetupEngines:
    """Chooses the engine handed to a transport's ``check_setup``.

    The preferred engine (the configured default) when it loads, else any engine that
    already loaded in this run. Nothing is loaded before the first plugin starts: an engine
    that crashes the interpreter must be blamed on what was being checked, with a phase that
    says so, not take every other result down with it.
    """

    def __init__(
        self, preferred: PluginEntry, failed: set[str], known_good: list[PluginEntry]
    ) -> None:
        self.preferred = preferred
        self.loaded: dict[str, Any] = {}
        self.failed = set(failed)  # engines known not to load (this run or an earlier child)
        self.known_good = known_good  # engines that loaded in an earlier child of this run

    @classmethod
    def from_job(cls, job: dict[str, Any]) -> SetupEngines | None:
        raw = job.get("setup_engine")
        if not raw:
            return None
        known_good = [PluginEntry(**e) for e in job.get("good_engines") or ()]
        return cls(PluginEntry(**raw), set(job.get("failed_engines") or ()), known_good)

    def note(self, entry: PluginEntry, obj: Any | None) -> None:
        if obj is None:
            self.failed.add(entry.id)
        else:
            self.loaded[entry.id] = obj

    def engine_for_check(self, proto: _Protocol | None, index: int) -> Any | None:
        """The preferred engine, else one loaded here, else one that loaded in an earlier
        child of this run; None when no engine loads."""
        if self.preferred.id in self.loaded:
            return self.loaded[self.preferred.id]
        engine = self._try_load(self.preferred, proto, index)
        if engine is None and self.loaded:
            engine = next(iter(self.loaded.values()))
        for candidate in self.known_good:
            if engine is not None:
                break
            engine = self._try_load(candidate, proto, index)
        return engine

    def _try_load(self, entry: PluginEntry, proto: _Protocol | None, index: int) -> Any | None:
        if entry.id in self.failed:
            return None
        if proto:
            phase = f"loading engine {entry.id!r} for check_setup"
            proto.send(event="phase", index=index, phase=phase)
        from takopi_core.plugins.loading import load_entry

        try:
            self.note(entry, load_entry(entry))
        except BaseException:  # SystemExit too: the transport is not at fault
            self.note(entry, None)
            return None
        return self.loaded[entry.id]


def check_entry(
    entry: PluginEntry,
    proto: _Protocol | None,
    index: int,
    engines: SetupEngines | None = None,
) -> dict[str, Any]:
    """Load and validate one entry; the result fields of a LoadResult (status onwards)."""
    from takopi_core.plugins.loading import resolve_entry_point, validate_backend

    started = time.perf_counter()
    phase = "importing"
    obj: Any = NOTHING
    try:
        obj = resolve_entry_point(entry).load()
        phase = "validating"
        if proto:
            proto.send(event="phase", index=index, phase=phase)
        validate_backend(entry, obj)
    except SystemExit as exc:
        _note_engine(engines, entry, None)
        fix = plugin_fault_fix(entry.id, entry.distribution)
        return _failure(exc, started, _exit_message(exc, phase), fix)
    except BaseException as exc:  # a plugin may raise anything, KeyboardInterrupt included
        _note_engine(engines, entry, None)
        return _failure(exc, started, *explain_with_fix(entry, exc, obj))
    _note_engine(engines, entry, obj)
    load_ms = (time.perf_counter() - started) * 1000
    result: dict[str, Any] = {"status": "ok", "load_ms": round(load_ms, 3)}
    description = getattr(obj, "description", None)
    if isinstance(description, str):
        result["description"] = description
    if entry.kind == "engine":
        # The parent checks PATH itself (doctor, TUI); it only needs the names.
        result["cli_cmd"] = obj.cli_cmd or obj.id
        result["install_cmd"] = obj.install_cmd
    if entry.kind == "transport":
        from takopi_core.plugins.fields import describe_fields

        result.update(describe_fields(obj))
    if entry.kind == "transport" and engines is not None:
        engine = engines.engine_for_check(proto, index)
        if engine is not None:
            if proto:
                proto.send(event="phase", index=index, phase="checking setup")
            result.update(_check_setup(obj, engine))
    return result


def _note_engine(engines: SetupEngines | None, entry: PluginEntry, obj: Any | None) -> None:
    if engines is not None and entry.kind == "engine":
        engines.note(entry, obj)


def _exit_message(exc: SystemExit, phase: str) -> str:
    code = exc.code
    if code is None or isinstance(code, int):
        return f"exited the interpreter with status {code or 0} while {phase}"
    return f"exited the interpreter while {phase}: {code}"


def _failure(exc: BaseException, started: float, message: str, fix: str | None) -> dict:
    from takopi_core.plugins.plugin_traceback import plugin_traceback

    return {
        "status": "failed",
        "error_type": type(exc).__name__,
        "message": message,
        "fix": fix,
        "traceback": plugin_traceback(exc),
        "load_ms": round((time.perf_counter() - started) * 1000, 3),
    }


def _check_setup(backend: Any, engine: Any) -> dict[str, Any]:
    try:
        result = backend.check_setup(engine, transport_override=None)
        issues = [[str(i.title), [str(line) for line in i.lines]] for i in result.issues]
    except BaseException as exc:
        issues = [["check_setup failed", [f"{type(exc).__name__}: {exc}"]]]
    return {"setup_ok": not issues, "setup_issues": issues}
