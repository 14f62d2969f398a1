"""The probe server: runs one checker process per plugin and vouches for each result.

Started by :class:`takopi_core.plugins.probe.Probe` as
``python -P -m takopi_core.plugins.probe_server --channel FD --parent PID`` in a temporary
working folder. It imports no plugin code itself. For each plugin it forks a checker
(:func:`takopi_core.plugins.probe_child.run_checker`) with a channel and an output socket of
its own, and reports to the host over its own channel, which no checker can reach:

- a result counts only if it arrives on that plugin's channel, carries the checker's
  secret, is the only result, and is well-formed; anything else on the channel fails the
  plugin as a protocol violation, and the checker is stopped;
- a checker that runs past the time limit, or writes more than the output limit, is killed
  with its process group; its output is kept as a bounded tail for the report;
- checkers die with the server (``PR_SET_PDEATHSIG``), the server dies with the host (the
  same, delivering SIGTERM, plus end of file on the host's channel as a fallback), and on
  the way out it kills every checker's group and every orphan it adopted as subreaper.

Up to ``workers`` checkers run at once (the job says how many); results come in the order
they finish. Transports' ``check_setup`` needs an engine, so a transport waits until no
engine is being checked: what the engines' checks learnt (which load, which do not) is then
known to it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import secrets
import selectors
import signal
import socket
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from takopi_core import _child
from takopi_core.plugins.discovery import PluginEntry
from takopi_core.plugins.probe_child import SetupEngines, run_checker
from takopi_core.plugins.probe_protocol import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_OUTPUT_LIMIT,
    MEMORY_ENV,
    LineBuffer,
    ProtocolViolation,
    clean_result,
    death_message,
    decode_line,
    encode_line,
    failed,
    size_text,
    timeout_failure,
)

_READ_CHUNK = 65536
_TICK = 0.1  # how often exits are polled for when nothing else happens


@dataclass
class _Checker:
    """One checker process and what it said so far."""

    index: int
    entry: PluginEntry
    pid: int
    channel: socket.socket
    output: socket.socket
    nonce: str
    deadline: float
    lines: LineBuffer = field(default_factory=LineBuffer)
    tail: _child.OutputTail = field(default_factory=_child.OutputTail)
    phase: str = "importing"
    engine_loading: str | None = None
    result: dict[str, Any] | None = None
    fault: dict[str, Any] | None = None  # the failure we decided on (timeout, flood, protocol)
    status: int | None = None  # exit status once reaped
    pidfd: int | None = None  # readable when the process exits (Linux), else polled


class Server:
    """Checks ``entries`` and writes events to ``channel``."""

    def __init__(self, job: dict[str, Any], channel: socket.socket) -> None:
        self.channel = channel
        self.entries = [PluginEntry(**raw) for raw in job["entries"]]
        self.timeout = float(job.get("timeout") or 10.0)
        hint = job.get("timeout_hint")
        self.timeout_hint = hint if isinstance(hint, str) else None
        self.workers = max(1, int(job.get("workers") or 1))
        limit = job.get("memory_limit", DEFAULT_MEMORY_LIMIT)
        self.memory_limit = int(limit) if limit else None
        self.output_limit = int(job.get("output_limit") or DEFAULT_OUTPUT_LIMIT)
        raw_engine = job.get("setup_engine")
        self.setup_engine = PluginEntry(**raw_engine) if raw_engine else None
        self.failed_engines: set[str] = set(job.get("failed_engines") or ())
        self.good_engines = [PluginEntry(**raw) for raw in job.get("good_engines") or ()]
        self.live: dict[int, _Checker] = {}
        self.selector = selectors.DefaultSelector()
        self.selector.register(channel, selectors.EVENT_READ, None)

    # -- the loop ------------------------------------------------------------------------

    def run(self) -> None:
        pending = deque(range(len(self.entries)))
        while pending or self.live:
            while pending and len(self.live) < self.workers:
                if not self._may_start(self.entries[pending[0]]):
                    break
                self._start(pending.popleft())
            self._wait()
            now = time.monotonic()
            for checker in list(self.live.values()):
                self._poll(checker, now)

    def _may_start(self, entry: PluginEntry) -> bool:
        if entry.kind != "transport" or self.setup_engine is None:
            return True
        return not any(c.entry.kind == "engine" for c in self.live.values())

    def _wait(self) -> None:
        soonest = min((c.deadline for c in self.live.values()), default=None)
        wait = _TICK if soonest is None else max(0.0, min(_TICK, soonest - time.monotonic()))
        for key, _ in self.selector.select(wait):
            if key.data is None:  # the host's channel; a checker's streams carry (it, name)
                self._host_channel_readable()
                continue
            checker, stream = key.data
            if stream != "exit":
                self._read(checker, stream)

    def _host_channel_readable(self) -> None:
        try:
            data = self.channel.recv(_READ_CHUNK)
        except OSError:
            data = b""
        if not data:  # the host is gone: take everything down with us
            shutdown()

    # -- one checker ---------------------------------------------------------------------

    def _start(self, index: int) -> None:
        entry = self.entries[index]
        host_end, checker_end = socket.socketpair()
        out_read, out_write = socket.socketpair()
        nonce = secrets.token_hex(16)
        engines = self._engines_for(entry)
        self._send(event="start", index=index, phase="importing")
        pid = os.fork()
        if pid == 0:  # the checker: never returns
            try:
                with contextlib.suppress(OSError):
                    os.setpgid(0, 0)  # its own group: stopping it takes its helpers too
                run_checker(
                    entry,
                    index,
                    nonce=nonce,
                    channel=checker_end.fileno(),
                    output=out_write.fileno(),
                    server_pid=SERVER_PID,
                    engines=engines,
                    memory_limit=self.memory_limit,
                )
            finally:
                os._exit(os.EX_SOFTWARE)  # run_checker leaves itself; this is a fallback
        with contextlib.suppress(OSError):  # whichever of us runs first sets it
            os.setpgid(pid, pid)
        checker_end.close()
        out_write.close()
        for end in (host_end, out_read):
            end.setblocking(False)
        checker = _Checker(
            index=index,
            entry=entry,
            pid=pid,
            channel=host_end,
            output=out_read,
            nonce=nonce,
            deadline=time.monotonic() + self.timeout,
        )
        self.live[pid] = checker
        self.selector.register(host_end, selectors.EVENT_READ, (checker, "channel"))
        self.selector.register(out_read, selectors.EVENT_READ, (checker, "output"))
        with contextlib.suppress(AttributeError, OSError):  # no pidfd: exits are polled
            checker.pidfd = os.pidfd_open(pid)
            self.selector.register(checker.pidfd, selectors.EVENT_READ, (checker, "exit"))

    def _engines_for(self, entry: PluginEntry) -> Any:
        if entry.kind != "transport" or self.setup_engine is None:
            return None
        return SetupEngines(self.setup_engine, self.failed_engines, list(self.good_engines))

    def _drain(self, checker: _Checker, stream: str) -> None:
        """Read what is buffered on ``stream`` (the checker has exited; a helper may still
        hold the other end open, so stop when nothing is waiting)."""
        while self._read(checker, stream):
            pass

    def _read(self, checker: _Checker, stream: str) -> bool:
        """Read one chunk from ``stream``; False when nothing is waiting or it ended."""
        sock = checker.channel if stream == "channel" else checker.output
        if sock.fileno() < 0:
            return False
        try:
            data = sock.recv(_READ_CHUNK)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if not data:
            self._unregister(sock)
            return False
        if stream == "output":
            checker.tail.feed(data)
            if checker.tail.total > self.output_limit and checker.fault is None:
                limit = size_text(self.output_limit)
                checker.fault = failed(
                    "OutputLimitError",
                    f"wrote more than {limit} of output while {checker.phase}; stopped",
                )
                self._stop(checker)
            return True
        try:
            for line in checker.lines.feed(data):
                if line.strip():
                    self._on_line(checker, line)
        except ProtocolViolation as exc:
            self._violation(checker, str(exc))
        return True

    def _on_line(self, checker: _Checker, line: bytes) -> None:
        if checker.fault is not None:
            return
        event = decode_line(line, nonce=checker.nonce)
        if event.get("index") != checker.index:
            raise ProtocolViolation(f"a line about another plugin (index {event.get('index')!r})")
        if checker.result is not None:
            raise ProtocolViolation("a line after its result")
        kind = event["event"]
        if kind == "phase":
            phase = event.get("phase")
            if not isinstance(phase, str) or len(phase) > 200:
                raise ProtocolViolation("a phase that is not short text")
            engine = event.get("engine")
            checker.phase = phase
            checker.engine_loading = engine if isinstance(engine, str) else None
            self._send(event="phase", index=checker.index, phase=phase)
        elif kind == "result":
            checker.result = clean_result(event)
        else:
            raise ProtocolViolation("a start line (only the probe starts a plugin)")

    def _violation(self, checker: _Checker, what: str) -> None:
        if checker.fault is None:
            checker.fault = failed(
                "ProbeProtocolError",
                f"wrote to the probe's result channel, which only the probe may use: {what}",
            )
        self._stop(checker)

    def _poll(self, checker: _Checker, now: float) -> None:
        if checker.status is None:
            try:
                pid, status = os.waitpid(checker.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = checker.pid, 0
            if pid:
                checker.status = os.waitstatus_to_exitcode(status)
        if checker.status is None and now >= checker.deadline and checker.fault is None:
            entry = checker.entry
            checker.fault = timeout_failure(
                self.timeout, checker.phase, self.timeout_hint, entry.id, entry.distribution
            )
            self._stop(checker)
        if checker.status is not None:
            self._finish(checker)

    def _stop(self, checker: _Checker) -> None:
        _child.signal_group(checker.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(checker.pid, signal.SIGKILL)

    def _finish(self, checker: _Checker) -> None:
        """The checker is gone: drain what it left, stop its helpers, report it."""
        for stream in ("channel", "output"):
            self._drain(checker, stream)
        _child.signal_group(checker.pid, signal.SIGKILL)  # helpers left in its group
        for sock in (checker.channel, checker.output):
            self._unregister(sock)
        if checker.pidfd is not None:
            self.selector.unregister(checker.pidfd)
            os.close(checker.pidfd)
        del self.live[checker.pid]
        fields = self._outcome(checker)
        self._learn(checker, fields)
        self._send(event="result", index=checker.index, **fields)

    def _outcome(self, checker: _Checker) -> dict[str, Any]:
        tail = checker.tail.text()
        detail = f"output of the plugin's process (last lines):\n{tail}" if tail else None
        if checker.fault is not None:
            return {**checker.fault, "traceback": detail}
        if checker.result is not None and not checker.lines.pending:
            result = checker.result
            if result.get("error_type") == "MemoryError" and self.memory_limit:
                limit = size_text(self.memory_limit)
                result["message"] = (
                    f"{result.get('message') or 'MemoryError'} (over the probe's memory limit "
                    f"of {limit}; a plugin should not need that much to load: if this one "
                    f"does, raise the limit with {MEMORY_ENV}=<MiB>)"
                )
            return result
        status = checker.status if checker.status is not None else -signal.SIGKILL
        if checker.result is not None:
            return failed("ProbeProtocolError", "left its result line unfinished", detail)
        return failed("InterpreterExit", death_message(status, checker.phase), detail)

    def _learn(self, checker: _Checker, fields: dict[str, Any]) -> None:
        entry = checker.entry
        if entry.kind == "engine":
            if fields["status"] == "ok":
                if all(e.id != entry.id for e in self.good_engines):
                    self.good_engines.append(entry)
            else:
                self.failed_engines.add(entry.id)
        elif checker.engine_loading and fields["status"] != "ok" and checker.result is None:
            # The checker died loading an engine for check_setup: that engine does not load.
            self.failed_engines.add(checker.engine_loading)

    def _unregister(self, sock: socket.socket) -> None:
        if sock.fileno() < 0:
            return
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(sock)
        sock.close()

    def _send(self, **fields: Any) -> None:
        try:
            self.channel.sendall(encode_line(**fields))
        except OSError:
            shutdown()

    # -- the end -------------------------------------------------------------------------

    def stop_everything(self) -> None:
        for checker in self.live.values():
            self._stop(checker)


def _readable(sock: socket.socket) -> bool:
    try:
        return bool(sock.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False
    except OSError:
        return False


SERVER_PID = os.getpid()
_server: Server | None = None


def shutdown(*_args: object) -> None:
    """Kill every checker group and adopted orphan, then leave (signal handler too)."""
    if _server is not None:
        _server.stop_everything()
    kill_orphans()
    os._exit(1)


def kill_orphans() -> None:
    """Kill what is left of the checkers: their helpers, adopted by us as subreaper."""
    for _round in range(5):
        found = _child.children_of(os.getpid())
        if not found:
            return
        for pid in found:
            _child.signal_group(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in found:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def main(argv: list[str] | None = None) -> int:
    global SERVER_PID, _server
    parser = argparse.ArgumentParser(prog="probe_server")
    parser.add_argument("--channel", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    args = parser.parse_args(argv)
    SERVER_PID = os.getpid()
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, shutdown)
    _child.die_with_parent(signal.SIGTERM, parent=args.parent)
    _child.hide_from_peers()
    _child.become_subreaper()
    # Host code the plugins import, loaded once here so every checker starts warm (and a
    # plugin's load time is its own). No plugin code runs in this process.
    import faulthandler  # noqa: F401
    import resource  # noqa: F401

    import takopi_core.plugins.backends
    import takopi_core.plugins.loading  # noqa: F401

    channel = socket.socket(fileno=args.channel)
    channel.setblocking(True)  # reads wait for select; writes wait for the host
    job_lines = LineBuffer()
    lines: list[bytes] = []
    while not lines:
        data = channel.recv(_READ_CHUNK)
        if not data:
            return 1
        lines = job_lines.feed(data)
    job = json.loads(lines[0])
    _server = Server(job, channel)
    # Checkers are forks of this process: keep the collector off our objects there, or each
    # checker's first collection writes to (and so copies) every page we share with it.
    gc.freeze()
    try:
        _server.run()
    finally:
        kill_orphans()
    with contextlib.suppress(OSError):
        channel.shutdown(socket.SHUT_WR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
