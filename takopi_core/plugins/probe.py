"""The probe: validate plugins in child processes and stream one result per plugin.

Plugin code never runs in the CLI's or the TUI's process. :class:`Probe` starts the probe
server (:mod:`takopi_core.plugins.probe_server`, our code only) in a temporary working
folder; the server forks one checker process per plugin, where that plugin alone is loaded,
and vouches for each result it relays. A plugin can therefore only ever speak for itself: it
cannot reach the server's channel to the host, and whatever it writes on its own channel
that is not the checker's own line fails it. The server enforces the per-plugin timeout, the
output and memory limits; a plugin that hangs, exits the interpreter, crashes it or kills
the server is reported as failed with a plain reason and the probe carries on.

Every process of the probe dies with the host (``PR_SET_PDEATHSIG`` on Linux, and end of
file on the host's channel elsewhere). Drive a Probe from one thread: on Linux the server
is tied to the thread that started it.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from takopi_core import _child
from takopi_core.plugins.discovery import Discovery, PluginEntry
from takopi_core.plugins.fields import FieldSpec, specs_from_json
from takopi_core.plugins.probe_protocol import (
    DEFAULT_OUTPUT_LIMIT,
    LineBuffer,
    ProtocolViolation,
    clean_result,
    decode_line,
    encode_line,
    failed,
    memory_limit_from_env,
    timeout_failure,
)

DEFAULT_TIMEOUT = 10.0
#: Extra time the host gives the server beyond the per-plugin timeout it enforces itself.
_SERVER_GRACE = 5.0
#: How long the server may take to stop its checkers when asked to.
_STOP_GRACE = 2.0
#: The longest line the host accepts from the server (results are bounded well below it).
_MAX_HOST_LINE = 4 << 20


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The outcome of loading and validating one plugin."""

    kind: str
    id: str
    value: str
    distribution: str | None
    version: str | None
    status: str  # "ok" | "failed"
    error_type: str | None = None
    message: str | None = None
    #: What to do about the failure, as commands to copy (see takopi_core.plugins.fixes).
    fix: str | None = None
    traceback: str | None = None
    load_ms: float | None = None
    description: str | None = None
    cli_cmd: str | None = None  # engines: the executable looked up on PATH
    install_cmd: str | None = None  # engines: how to install that executable
    setup_ok: bool | None = None
    setup_issues: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Transports: the declared setup fields (see takopi_core.plugins.fields), or why the
    #: declaration could not be read.
    setup_fields: tuple[FieldSpec, ...] = ()
    setup_fields_error: str | None = None

    @classmethod
    def of(cls, entry: PluginEntry, status: str, **fields: Any) -> LoadResult:
        """The result of ``entry`` (its kind, id, value, distribution and version)."""
        e = entry  # the first six fields, in their order
        return cls(e.kind, e.id, e.value, e.distribution, e.version, status, **fields)

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.kind, self.id, self.distribution)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["setup_issues"] = [
            {"title": title, "lines": list(lines)} for title, lines in self.setup_issues
        ]
        return data


def _result(entry: PluginEntry, fields: Mapping[str, Any]) -> LoadResult:
    issues = tuple(
        (str(title), tuple(str(line) for line in lines))
        for title, lines in fields.get("setup_issues") or ()
    )
    return LoadResult.of(
        entry,
        fields.get("status", "failed"),
        error_type=fields.get("error_type"),
        message=fields.get("message"),
        fix=fields.get("fix"),
        traceback=fields.get("traceback"),
        load_ms=fields.get("load_ms"),
        description=fields.get("description"),
        cli_cmd=fields.get("cli_cmd"),
        install_cmd=fields.get("install_cmd"),
        setup_ok=fields.get("setup_ok"),
        setup_issues=issues,
        setup_fields=specs_from_json(fields.get("setup_fields") or ()),
        setup_fields_error=fields.get("setup_fields_error"),
    )


class Probe:
    """One probe run over ``entries``; drive :meth:`results` from one thread.

    With ``setup_engine`` (the preferred engine, normally the configured default) each
    transport's ``check_setup`` runs in its checker too, given that engine, or any engine that
    loaded in this run when the preferred one does not load.

    ``workers`` checkers run at once (results then come in the order they finish);
    ``memory_limit`` caps each checker's address space (bytes, None for no cap; the default
    is 2 GiB, or ``$TAKOPI_PROBE_MEMORY_MB`` MiB when set);
    ``output_limit`` is how much a checker may print before it is stopped;
    ``timeout_hint`` is the command that allows a plugin longer, with ``{seconds}`` for the
    limit (``takopi doctor --timeout {seconds}``): a plugin that times out is told it.
    """

    def __init__(
        self,
        entries: Sequence[PluginEntry],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        setup_engine: PluginEntry | None = None,
        env: Mapping[str, str] | None = None,
        python: str | None = None,
        workers: int = 1,
        memory_limit: int | Literal["default"] | None = "default",
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
        timeout_hint: str | None = None,
    ) -> None:
        self.entries = list(entries)
        self.timeout = timeout
        self.timeout_hint = timeout_hint
        self.setup_engine = setup_engine
        self.env = dict(env) if env is not None else None
        self.python = python or sys.executable
        self.workers = max(1, workers)
        self.memory_limit = (
            memory_limit_from_env(os.environ) if memory_limit == "default" else memory_limit
        )
        self.output_limit = output_limit
        self._lock = threading.Lock()
        self._server: subprocess.Popen[bytes] | None = None
        self._cancelled = False

    def cancel(self) -> None:
        """Stop the run: the server stops its checkers and :meth:`results` ends."""
        with self._lock:
            self._cancelled = True
            server = self._server
        if server is not None and server.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                server.send_signal(signal.SIGTERM)

    def results(
        self, on_start: Callable[[PluginEntry], None] | None = None
    ) -> Iterator[LoadResult]:
        """Yield one LoadResult per entry as each finishes (in order with one worker)."""
        for _, result in self.indexed_results(on_start):
            yield result

    def indexed_results(
        self, on_start: Callable[[PluginEntry], None] | None = None
    ) -> Iterator[tuple[int, LoadResult]]:
        """Like :meth:`results`, each with the index of its entry in ``entries``."""
        remaining = list(range(len(self.entries)))
        # What earlier servers learnt about engines, so a restarted one can still hand a
        # working engine to check_setup and never retries one that failed.
        engines: dict[str, LoadResult] = {}
        workers = self.workers
        while remaining and not self._cancelled:
            reader_box: list[_HostReader] = []
            for index, result in self._run_server(
                list(remaining), on_start, engines, workers, reader_box
            ):
                remaining.remove(index)
                if result.kind == "engine":
                    engines[result.id] = result
                yield index, result
            if reader_box and reader_box[0].ambiguous:
                # The server died while several plugins were being checked: which one
                # killed it is not known, so they are checked again, one at a time.
                workers = 1

    # -- one server ----------------------------------------------------------------------

    def _job(
        self, indices: list[int], engines: Mapping[str, LoadResult], workers: int
    ) -> dict[str, Any]:
        return {
            "entries": [self.entries[i]._asdict() for i in indices],
            "timeout": self.timeout,
            "timeout_hint": self.timeout_hint,
            "workers": workers,
            "memory_limit": self.memory_limit,
            "output_limit": self.output_limit,
            "setup_engine": self.setup_engine._asdict() if self.setup_engine else None,
            "failed_engines": sorted(i for i, r in engines.items() if not r.ok),
            "good_engines": [
                e._asdict() for e in self.entries if e.kind == "engine" and _ok(engines.get(e.id))
            ],
        }

    def _environment(self) -> dict[str, str]:
        env = _child.child_environment(None, None, base=self.env)
        config = env.get(_child.CONFIG_ENV)
        if config:  # the server runs in another folder
            env[_child.CONFIG_ENV] = os.path.abspath(os.path.expanduser(config))
        return env

    def _run_server(
        self,
        indices: list[int],
        on_start: Callable[[PluginEntry], None] | None,
        engines: Mapping[str, LoadResult],
        workers: int,
        reader_box: list[_HostReader],
    ) -> Iterator[tuple[int, LoadResult]]:
        """Run one server over ``indices``; it ends early only when the server dies. Its
        reader is put in ``reader_box`` (to ask how it ended)."""
        host_end, server_end = socket.socketpair()
        with host_end, tempfile.TemporaryDirectory(prefix="takopi-probe-") as work:
            try:
                server = subprocess.Popen(
                    [
                        self.python,
                        "-P",
                        "-m",
                        "takopi_core.plugins.probe_server",
                        "--channel",
                        str(server_end.fileno()),
                        "--parent",
                        str(os.getpid()),
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    cwd=work,
                    env=self._environment(),
                    pass_fds=(server_end.fileno(),),
                    start_new_session=True,  # its own group, so a kill takes it all
                )
            finally:
                server_end.close()
            with self._lock:
                self._server = server
                cancelled = self._cancelled
            try:
                if cancelled:
                    return
                # A server gone already is reported below, as its death.
                with contextlib.suppress(OSError):
                    host_end.sendall(encode_line(**self._job(indices, engines, workers)))
                reader = _HostReader(self, server, host_end, indices, on_start)
                reader_box.append(reader)
                yield from reader.events()
            finally:
                _stop_server(server)
                with self._lock:
                    self._server = None


class _HostReader:
    """Reads one server's events and turns them into results for the host."""

    def __init__(
        self,
        probe: Probe,
        server: subprocess.Popen[bytes],
        channel: socket.socket,
        indices: list[int],
        on_start: Callable[[PluginEntry], None] | None,
    ) -> None:
        self.probe = probe
        self.server = server
        self.channel = channel
        self.indices = indices
        self.on_start = on_start
        self.stderr = _child.OutputTail()
        self.lines = LineBuffer(_MAX_HOST_LINE)
        self.running: dict[int, tuple[float, str]] = {}  # local index -> (deadline, phase)
        self.finished: set[int] = set()
        #: The server died while several plugins were being checked (none is blamed).
        self.ambiguous = False

    def entry(self, local: int) -> PluginEntry:
        return self.probe.entries[self.indices[local]]

    def done(self, local: int, fields: Mapping[str, Any]) -> tuple[int, LoadResult]:
        self.running.pop(local, None)
        self.finished.add(local)
        return self.indices[local], _result(self.entry(local), fields)

    def events(self) -> Iterator[tuple[int, LoadResult]]:
        assert self.server.stderr is not None
        selector = selectors.DefaultSelector()
        selector.register(self.channel, selectors.EVENT_READ, "channel")
        selector.register(self.server.stderr, selectors.EVENT_READ, "stderr")
        try:
            while len(self.finished) < len(self.indices):
                ended = yield from self._step(selector)
                if ended:
                    return
        finally:
            selector.close()

    def _step(
        self, selector: selectors.BaseSelector
    ) -> Generator[tuple[int, LoadResult], None, bool]:
        """One wait; yields results; returns True when this server is done with."""
        now = time.monotonic()
        soonest = min((deadline for deadline, _ in self.running.values()), default=None)
        # Wake up now and then so a cancel from another thread is noticed.
        wait = 0.2 if soonest is None else max(0.0, min(0.2, soonest - now))
        ready = selector.select(wait)
        if self.probe._cancelled:
            return True
        for key, _ in ready:
            if key.data == "stderr":
                assert self.server.stderr is not None
                chunk = os.read(self.server.stderr.fileno(), 65536)
                if chunk:
                    self.stderr.feed(chunk)
                else:
                    selector.unregister(self.server.stderr)
                continue
            try:
                chunk = self.channel.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                yield from self._server_gone()
                return True
            try:
                for line in self.lines.feed(chunk):
                    if line.strip():
                        result = self._on_line(line)
                        if result is not None:
                            yield result
            except ProtocolViolation as exc:
                yield from self._broken(f"the probe server sent {exc}")
                return True
        now = time.monotonic()
        late = [local for local, (deadline, _) in self.running.items() if now >= deadline]
        if late:  # the server itself stopped answering
            for local in late:
                phase = self.running[local][1]
                entry = self.entry(local)
                fields = timeout_failure(
                    self.probe.timeout, phase, self.probe.timeout_hint, entry.id, entry.distribution
                )
                yield self.done(local, fields)
            return True
        return False

    def _on_line(self, line: bytes) -> tuple[int, LoadResult] | None:
        event = decode_line(line)
        local = event.get("index")
        if not isinstance(local, int) or not 0 <= local < len(self.indices):
            raise ProtocolViolation(f"an event for no plugin: {local!r}")
        if local in self.finished:
            raise ProtocolViolation(f"an event for a plugin already reported: {local}")
        phase = event.get("phase")
        if not isinstance(phase, str):
            phase = "importing"
        if event["event"] == "start":
            grace = self.probe.timeout + _SERVER_GRACE
            self.running[local] = (time.monotonic() + grace, phase)
            if self.on_start is not None:
                self.on_start(self.entry(local))
            return None
        if local not in self.running:
            raise ProtocolViolation(f"an event for a plugin not started: {local}")
        if event["event"] == "phase":
            self.running[local] = (self.running[local][0], phase)
            return None
        try:
            fields = clean_result(event)
        except ProtocolViolation as exc:
            fields = failed("ProbeProtocolError", f"the probe server sent {exc}")
        return self.done(local, fields)

    def _server_gone(self) -> Iterator[tuple[int, LoadResult]]:
        """The server ended: blame what it was checking, or, when it checked nothing, the
        host (every remaining plugin gets the same report, so the run cannot loop)."""
        self.server.wait()
        code = self.server.returncode
        tail = self.stderr.text()
        detail = f"stderr of the probe process (last lines):\n{tail}" if tail else None
        if len(self.running) > 1:
            self.ambiguous = True  # checked again one at a time, by a fresh server
            return
        if self.running:
            how = f"was killed (signal {-code})" if code < 0 else f"exited with status {code}"
            for local, (_, phase) in list(self.running.items()):
                message = f"the probe process {how} while {phase}"
                yield self.done(local, failed("InterpreterExit", message, detail))
            return
        message = (
            "the probe process "
            + (f"was killed (signal {-code})" if code < 0 else f"exited with status {code}")
            + " before checking this plugin"
        )
        for local in range(len(self.indices)):
            if local not in self.finished:
                yield self.done(local, failed("ProbeError", message, detail))

    def _broken(self, what: str) -> Iterator[tuple[int, LoadResult]]:
        """A line from the server that is not the protocol: fail what it was checking (or
        the next plugin), and let a fresh server carry on."""
        targets = list(self.running) or [
            next(i for i in range(len(self.indices)) if i not in self.finished)
        ]
        for local in targets:
            yield self.done(local, failed("ProbeProtocolError", what))


def _stop_server(server: subprocess.Popen[bytes]) -> None:
    """Let the server stop its checkers (SIGTERM), then kill its group regardless."""
    if server.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            server.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(_STOP_GRACE)
    _child.kill_group(server)
    server.wait()
    if server.stderr is not None:
        server.stderr.close()


def _ok(result: LoadResult | None) -> bool:
    return result is not None and result.ok


def probe_all(entries: Sequence[PluginEntry], **options: Any) -> list[LoadResult]:
    """Run the probe to the end and return every result, in the order of ``entries``.

    Checks run in a pool (``workers``, default :func:`default_workers`).
    """
    options.setdefault("workers", default_workers())
    finished = sorted(Probe(entries, **options).indexed_results(), key=lambda item: item[0])
    return [result for _, result in finished]


def default_workers() -> int:
    """How many checkers run at once where order does not matter: one per core, at most 4
    (a plugin that hangs then holds one slot while the others are checked)."""
    return max(1, min(4, os.cpu_count() or 1))


def probe_visible(
    discovery: Discovery,
    *,
    timeout: float | None = None,
    setup_engine: PluginEntry | None = None,
    env: Mapping[str, str] | None = None,
    workers: int | None = None,
    timeout_hint: str | None = None,
) -> dict[tuple[str, str, str | None], LoadResult]:
    """Validate every enabled plugin of ``discovery``; results keyed by entry key.

    Checks run in a pool of ``workers`` checkers (default :func:`default_workers`);
    ``timeout_hint`` as for :class:`Probe`.
    """
    probe = Probe(
        discovery.visible(),
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        setup_engine=setup_engine,
        env=env,
        workers=workers if workers is not None else default_workers(),
        timeout_hint=timeout_hint,
    )
    return {result.key: result for result in probe.results()}
