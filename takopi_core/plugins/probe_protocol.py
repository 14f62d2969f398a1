"""What the probe's processes say to each other, and how a listener reads it safely.

Three processes take part (see :mod:`takopi_core.plugins.probe`): the host (CLI or TUI), the
probe server (our code only), and one short-lived checker per plugin, forked by the server,
where the plugin's code runs. Each link is a Unix socket carrying JSON lines; the checker's
lines also carry a per-checker secret (``n``), so a line its plugin writes blindly is told
apart from the checker's own.

A listener never trusts a line: :class:`LineBuffer` bounds what it holds, and
:func:`clean_result` keeps only well-typed result fields, raising :class:`ProtocolViolation`
otherwise. A violation is the fault of the plugin whose channel carried it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from takopi_core.plugins.fixes import timeout_fix

#: The longest protocol line accepted (a result with its traceback and setup fields).
MAX_LINE_BYTES = 1 << 20
#: How much of a traceback a result carries.
MAX_TRACEBACK_CHARS = 64_000
#: Checkers' address space cap, bytes (generous: it stops a runaway, not a plugin).
DEFAULT_MEMORY_LIMIT = 2 << 30
#: Overrides the default cap, in MiB (``0``: no cap), for a plugin that needs more to load.
MEMORY_ENV = "TAKOPI_PROBE_MEMORY_MB"
#: How much a checker may write to stdout and stderr together before it is stopped.
DEFAULT_OUTPUT_LIMIT = 64 << 20

_TEXT_FIELDS = (
    "error_type",
    "message",
    "traceback",
    "fix",
    "description",
    "cli_cmd",
    "install_cmd",
    "setup_fields_error",
)
_TEXT_LIMITS = {"traceback": MAX_TRACEBACK_CHARS}
_DEFAULT_TEXT_LIMIT = 16_000
_MAX_ISSUES = 200
_MAX_FIELDS = 200


class ProtocolViolation(ValueError):
    """A line on a probe channel that is not the protocol; ``str()`` says what was wrong."""


class LineBuffer:
    """Splits bytes from a socket into lines, holding at most ``limit`` bytes of a line.

    :meth:`feed` returns the complete lines; a line longer than ``limit`` raises
    :class:`ProtocolViolation` (the caller stops the sender), so a sender writing without
    end costs the listener ``limit`` bytes, not the sender's output.
    """

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self.limit = limit
        self._pending = bytearray()

    def feed(self, chunk: bytes) -> list[bytes]:
        self._pending += chunk
        *lines, rest = bytes(self._pending).split(b"\n")
        self._pending = bytearray(rest)
        if len(self._pending) > self.limit or any(len(line) > self.limit for line in lines):
            self._pending.clear()
            raise ProtocolViolation(f"a line longer than {size_text(self.limit)}")
        return lines

    @property
    def pending(self) -> bool:
        """Whether a line without its newline is waiting (a cut-off last line)."""
        return bool(self._pending)


def decode_line(line: bytes, *, nonce: str | None = None) -> dict[str, Any]:
    """A protocol line as a dict with a known ``event``; ProtocolViolation otherwise."""
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolViolation(f"not a protocol line: {excerpt(line)}") from None
    if not isinstance(data, dict) or data.get("event") not in ("start", "phase", "result"):
        raise ProtocolViolation(f"not a protocol line: {excerpt(line)}")
    if nonce is not None and data.get("n") != nonce:
        raise ProtocolViolation(f"a line that the probe did not send: {excerpt(line)}")
    return data


def encode_line(**fields: Any) -> bytes:
    return (json.dumps(fields, default=str) + "\n").encode()


def excerpt(line: bytes, width: int = 80) -> str:
    """The start of a rejected line, as a Python literal (no raw control characters)."""
    text = repr(line[:width])
    return text + ("…" if len(line) > width else "")


def clean_result(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The result fields of a LoadResult, type-checked and bounded; ProtocolViolation when
    a field has the wrong type."""
    status = raw.get("status")
    if status not in ("ok", "failed"):
        raise ProtocolViolation(f"a result with status {excerpt(repr(status).encode())}")
    clean: dict[str, Any] = {"status": status}
    for key in _TEXT_FIELDS:
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ProtocolViolation(f"a result whose {key} is not text")
        limit = _TEXT_LIMITS.get(key, _DEFAULT_TEXT_LIMIT)
        clean[key] = value if len(value) <= limit else value[:limit] + "…"
    load_ms = raw.get("load_ms")
    if load_ms is not None:
        if isinstance(load_ms, bool) or not isinstance(load_ms, int | float) or load_ms < 0:
            raise ProtocolViolation("a result whose load_ms is not a duration")
        clean["load_ms"] = float(load_ms)
    setup_ok = raw.get("setup_ok")
    if setup_ok is not None:
        if not isinstance(setup_ok, bool):
            raise ProtocolViolation("a result whose setup_ok is not true/false")
        clean["setup_ok"] = setup_ok
    issues = raw.get("setup_issues") or []
    if not isinstance(issues, list) or len(issues) > _MAX_ISSUES:
        raise ProtocolViolation("a result whose setup_issues is not a short list")
    clean_issues = []
    for issue in issues:
        if not (isinstance(issue, list | tuple) and len(issue) == 2):
            raise ProtocolViolation("a setup issue that is not [title, lines]")
        title, lines = issue
        if not isinstance(title, str) or not isinstance(lines, list | tuple):
            raise ProtocolViolation("a setup issue that is not [title, lines]")
        if not all(isinstance(line, str) for line in lines):
            raise ProtocolViolation("a setup issue whose lines are not text")
        clean_issues.append([title, list(lines)])
    if clean_issues:
        clean["setup_issues"] = clean_issues
    fields = raw.get("setup_fields") or []
    if not isinstance(fields, list) or len(fields) > _MAX_FIELDS:
        raise ProtocolViolation("a result whose setup_fields is not a short list")
    for spec in fields:
        if not isinstance(spec, dict) or not isinstance(spec.get("key"), str):
            raise ProtocolViolation("a setup field that is not a {key: ...} table")
    if fields:
        clean["setup_fields"] = fields
    return clean


def memory_limit_from_env(environ: Mapping[str, str]) -> int | None:
    """The checkers' memory cap: ``$TAKOPI_PROBE_MEMORY_MB`` when it is a whole number
    (``0`` for none), else :data:`DEFAULT_MEMORY_LIMIT`."""
    value = environ.get(MEMORY_ENV, "").strip()
    if not value.isdigit():
        return DEFAULT_MEMORY_LIMIT
    return int(value) << 20 if int(value) else None


def failed(error_type: str, message: str, detail: str | None = None) -> dict[str, Any]:
    """The result fields of a failure."""
    return {"status": "failed", "error_type": error_type, "message": message, "traceback": detail}


def death_message(returncode: int, phase: str) -> str:
    """How a checker ended without a result, as the probe reports it."""
    if returncode < 0:
        return f"crashed the interpreter (signal {-returncode}) while {phase}"
    return f"exited the interpreter with status {returncode} while {phase}"


def size_text(size: int) -> str:
    """``2 GiB``, ``64 MiB``, ``4000 bytes``: exact where the size is a round number."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MiB"
    return f"{size} bytes"


def seconds_text(value: float) -> str:
    return f"{value:g}"


def timeout_message(timeout: float, phase: str) -> str:
    """How a plugin that ran past the time limit is reported: what happened, and nothing
    about what to do (that is :func:`timeout_failure`'s ``fix``)."""
    return f"timed out after {seconds_text(timeout)} s while {phase}"


def longer_limit_command(timeout: float, hint: str | None) -> str | None:
    """The command that allows a plugin longer: ``hint`` (``takopi doctor --timeout
    {seconds}``) with :func:`suggested_timeout` for ``{seconds}``; None without a hint."""
    if not hint:
        return None
    return hint.replace("{seconds}", seconds_text(suggested_timeout(timeout)))


def timeout_failure(
    timeout: float, phase: str, hint: str | None, plugin_id: str, distribution: str | None
) -> dict[str, Any]:
    """The result fields of a plugin stopped at the time limit, with its fix as data: the
    longer limit of the command that ran (``hint``, as for :func:`longer_limit_command`)."""
    fields = failed("TimeoutError", timeout_message(timeout, phase))
    fields["fix"] = timeout_fix(longer_limit_command(timeout, hint), plugin_id, distribution)
    return fields


def suggested_timeout(timeout: float) -> float:
    """A limit worth trying after ``timeout`` ran out: twice it, and at least 30 s."""
    return float(max(30, math.ceil(2 * timeout)))
