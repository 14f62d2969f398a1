"""The probe: validate plugins in a child process and stream one result per plugin.

Plugin code never runs in the CLI's or the TUI's process. The child loads each plugin in turn
and reports over a private pipe. The parent enforces a per-plugin timeout and survives a
plugin that hangs, exits the interpreter or crashes it: that plugin is reported as failed with
a plain reason and a fresh child carries on with the rest.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from takopi_core.plugins.discovery import Discovery, PluginEntry
from takopi_core.plugins.fields import FieldSpec, specs_from_json

DEFAULT_TIMEOUT = 10.0
_STDERR_TAIL = 4000  # characters of the child's stderr kept for a crash report


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
    return LoadResult(
        kind=entry.kind,
        id=entry.id,
        value=entry.value,
        distribution=entry.distribution,
        version=entry.version,
        status=fields.get("status", "failed"),
        error_type=fields.get("error_type"),
        message=fields.get("message"),
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
    """One probe run over ``entries``, in fresh child processes; drive it from any thread.

    With ``setup_engine`` (the preferred engine, normally the configured default) each
    transport's ``check_setup`` runs in the child too, given that engine, or any engine that
    loaded in this run when the preferred one does not load.
    """

    def __init__(
        self,
        entries: Sequence[PluginEntry],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        setup_engine: PluginEntry | None = None,
        env: Mapping[str, str] | None = None,
        python: str | None = None,
    ) -> None:
        self.entries = list(entries)
        self.timeout = timeout
        self.setup_engine = setup_engine
        self.env = dict(env) if env is not None else None
        self.python = python or sys.executable
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._cancelled = False

    def cancel(self) -> None:
        """Stop the run: the child is killed and :meth:`results` ends."""
        with self._lock:
            self._cancelled = True
            child = self._child
        if child is not None:
            _kill_group(child)

    def results(
        self, on_start: Callable[[PluginEntry], None] | None = None
    ) -> Iterator[LoadResult]:
        """Yield one LoadResult per entry, in order, as each finishes."""
        remaining = list(self.entries)
        # What earlier children learnt about engines, so a restarted child can still hand a
        # working engine to check_setup and never retries one that failed.
        engines: dict[str, LoadResult] = {}
        while remaining and not self._cancelled:
            done = 0
            for result in self._run_child(remaining, on_start, engines):
                done += 1
                if result.kind == "engine":
                    engines[result.id] = result
                yield result
            remaining = remaining[done:]

    def _run_child(
        self,
        entries: list[PluginEntry],
        on_start: Callable[[PluginEntry], None] | None,
        engines: Mapping[str, LoadResult],
    ) -> Iterator[LoadResult]:
        """Run one child over ``entries``; stop at the first plugin that kills or hangs it."""
        job = {
            "entries": [e._asdict() for e in entries],
            "setup_engine": self.setup_engine._asdict() if self.setup_engine else None,
            "failed_engines": sorted(i for i, r in engines.items() if not r.ok),
            "good_engines": [
                e._asdict() for e in self.entries if e.kind == "engine" and _ok(engines.get(e.id))
            ],
        }
        with tempfile.TemporaryFile() as stderr_file:
            child = subprocess.Popen(
                [self.python, "-P", "-m", "takopi_core.plugins.probe_child"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr_file,
                env=self.env,
                start_new_session=True,  # its own process group, so a kill takes helpers too
            )
            with self._lock:
                self._child = child
                if self._cancelled:
                    _kill_group(child)
            try:
                assert child.stdin is not None and child.stdout is not None
                try:
                    child.stdin.write(json.dumps(job).encode())
                    child.stdin.close()
                except BrokenPipeError:
                    pass
                yield from self._read_results(child, entries, stderr_file, on_start)
            finally:
                _kill_group(child)
                child.wait()
                with self._lock:
                    self._child = None

    def _read_results(
        self,
        child: subprocess.Popen[bytes],
        entries: list[PluginEntry],
        stderr_file: Any,
        on_start: Callable[[PluginEntry], None] | None,
    ) -> Iterator[LoadResult]:
        assert child.stdout is not None
        lines = _LineReader(child.stdout.fileno())
        current: int | None = None
        phase = "starting"
        deadline: float | None = None
        while True:
            wait = None if deadline is None else max(deadline - time.monotonic(), 0)
            line = lines.read_line(wait)
            if self._cancelled:
                return
            if line is _TIMEOUT:
                assert current is not None
                _kill_group(child)
                message = f"timed out after {_seconds(self.timeout)} s while {phase}"
                yield _result(entries[current], _failed("TimeoutError", message))
                return
            if line is None:  # the child is gone
                child.wait()
                if current is None:
                    if child.returncode != 0:
                        # Died before any plugin ran: the host itself is broken. Report it on
                        # every entry rather than loop.
                        message = _death_message(child.returncode, "starting the probe")
                        tail = _stderr_tail(stderr_file)
                        for entry in entries:
                            yield _result(entry, _failed("ProbeError", message, tail))
                    return
                message = _death_message(child.returncode, phase)
                yield _result(
                    entries[current],
                    _failed("InterpreterExit", message, _stderr_tail(stderr_file)),
                )
                return
            event = json.loads(line)
            index = event["index"]
            if event["event"] == "start":
                current, phase = index, event.get("phase", "importing")
                deadline = time.monotonic() + self.timeout
                if on_start is not None:
                    on_start(entries[index])
            elif event["event"] == "phase":
                phase = event["phase"]
            elif event["event"] == "result":
                current, deadline = None, None
                yield _result(entries[index], event)
                if index == len(entries) - 1:
                    return


_TIMEOUT = object()


class _LineReader:
    """Reads newline-terminated lines from a pipe with a timeout, without a thread."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = b""
        self._selector = selectors.DefaultSelector()
        self._selector.register(fd, selectors.EVENT_READ)
        self._eof = False

    def read_line(self, timeout: float | None) -> Any:
        """A line (str), None at end of stream, or _TIMEOUT."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            if self._eof:
                return None
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                return _TIMEOUT
            # Wake up now and then so a cancel from another thread is noticed.
            ready = self._selector.select(0.2 if wait is None else min(wait, 0.2))
            if not ready:
                continue
            chunk = os.read(self._fd, 65536)
            if not chunk:
                self._eof = True
                continue
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", "replace")


def _ok(result: LoadResult | None) -> bool:
    return result is not None and result.ok


def _failed(error_type: str, message: str, detail: str | None = None) -> dict[str, Any]:
    return {"status": "failed", "error_type": error_type, "message": message, "traceback": detail}


def _death_message(returncode: int, phase: str) -> str:
    if returncode < 0:
        return f"crashed the interpreter (signal {-returncode}) while {phase}"
    return f"exited the interpreter with status {returncode} while {phase}"


def _seconds(value: float) -> str:
    return f"{value:g}"


def _stderr_tail(stderr_file: Any) -> str | None:
    stderr_file.flush()
    size = stderr_file.seek(0, os.SEEK_END)
    stderr_file.seek(max(size - _STDERR_TAIL, 0))
    text = stderr_file.read().decode("utf-8", "replace").strip()
    return f"stderr of the probe process (last lines):\n{text}" if text else None


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)


def probe_all(entries: Sequence[PluginEntry], **options: Any) -> list[LoadResult]:
    """Run the probe to the end and return every result."""
    return list(Probe(entries, **options).results())


def probe_visible(
    discovery: Discovery,
    *,
    timeout: float | None = None,
    setup_engine: PluginEntry | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[tuple[str, str, str | None], LoadResult]:
    """Validate every enabled plugin of ``discovery``; results keyed by entry key."""
    probe = Probe(
        discovery.visible(),
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        setup_engine=setup_engine,
        env=env,
    )
    return {result.key: result for result in probe.results()}


def setup_engine_for(
    entries: Sequence[PluginEntry], default_engine: str | None
) -> PluginEntry | None:
    """The engine handed to transports' ``check_setup``: the default, else the first visible."""
    engines = [e for e in entries if e.kind == "engine" and e.enabled]
    for entry in engines:
        if entry.id == default_engine:
            return entry
    return engines[0] if engines else None


def config_default_engine(config_path: Path) -> str | None:
    """``default_engine`` from the config, or None when absent or unreadable."""
    from takopi_core.config.toml import read_config_data
    from takopi_core.errors import ConfigError

    try:
        value = read_config_data(config_path).get("default_engine")
    except ConfigError:
        return None
    return value if isinstance(value, str) else None
