"""Run a transport's field validators in a child process, and the parent-side driver.

A validator is plugin code (it may call the transport's service), so neither the CLI nor the
TUI calls it in its own process. :func:`run_validators` starts
``python -P -m takopi_core.setup.child``, hands it the transport entry and the values as JSON
on stdin, and reads one JSON object back. A validator that hangs is stopped at the time limit
and reported as a failure of that field; one that crashes the child fails every field asked.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import IO, Any

from takopi_core._child import OutputTail, kill_group
from takopi_core.plugins.discovery import PluginEntry

DEFAULT_VALIDATE_TIMEOUT = 20.0


class ValidatorRunError(RuntimeError):
    """The child could not check the values at all (the transport failed to load, say)."""


# --- parent side -----------------------------------------------------------------------------


def run_validators(
    entry: PluginEntry,
    values: Mapping[str, Any],
    keys: list[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_VALIDATE_TIMEOUT,
    python: str | None = None,
) -> dict[str, str]:
    """Run the validators of ``keys`` on ``values``; ``{key: message}`` for each failure.

    ``values`` holds every field entered so far (validators may look at the others). Keys
    whose value is None are skipped. Raises ValidatorRunError when the transport cannot be
    loaded or the child dies; a timeout is reported against the fields being checked.
    """
    wanted = [key for key in keys if values.get(key) is not None]
    if not wanted:
        return {}
    job = {"entry": entry._asdict(), "values": dict(values), "keys": wanted}
    return _run_job(job, wanted, env=env, timeout=timeout, python=python)


#: The most the child may write to its reply channel: a reply is one short JSON line.
MAX_REPLY_BYTES = 1 << 20


def _run_job(
    job: Mapping[str, Any],
    wanted: list[str],
    *,
    env: Mapping[str, str] | None,
    timeout: float,
    python: str | None,
) -> dict[str, str]:
    child = subprocess.Popen(
        [python or sys.executable, "-P", "-m", "takopi_core.setup.child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else None,
        start_new_session=True,  # a kill on timeout takes the validator's helpers too
    )
    # Both channels are drained in threads into bounded buffers: plugin code may write
    # without end to either (the reply fd is inherited), and neither memory nor disk pays.
    reply, errors = OutputTail(MAX_REPLY_BYTES), OutputTail()
    readers = [
        threading.Thread(target=_drain, args=(stream, tail), daemon=True)
        for stream, tail in ((child.stdout, reply), (child.stderr, errors))
    ]
    for reader in readers:
        reader.start()
    try:
        # default=str: TOML dates and times travel as text (compared, never validated).
        _feed(child, json.dumps(job, default=str).encode())
        child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        message = f"the check did not finish within {timeout:g} s"
        return {key: message for key in wanted}
    finally:
        kill_group(child)
        child.wait()
        for reader in readers:
            reader.join(timeout=5)
    if reply.total > MAX_REPLY_BYTES:
        raise ValidatorRunError(
            f"the validator process wrote {reply.total} bytes where a one-line reply was "
            f"expected (at most {MAX_REPLY_BYTES})"
        )
    out = reply.data()
    if child.returncode != 0 or not out.strip():
        tail = errors.text(2000)
        code = child.returncode
        how = f"signal {-code}" if code < 0 else f"status {code}"
        detail = f":\n{tail}" if tail else ""
        raise ValidatorRunError(f"the validator process ended with {how}{detail}")
    try:
        answer = json.loads(out.decode("utf-8", "replace").strip().splitlines()[-1])
    except ValueError:
        raise ValidatorRunError("the validator process's reply is not JSON") from None
    if not isinstance(answer, dict):
        raise ValidatorRunError("the validator process's reply is not a JSON object")
    if answer.get("error"):
        raise ValidatorRunError(str(answer["error"]))
    return {str(k): str(v) for k, v in (answer.get("errors") or {}).items()}


def _drain(stream: IO[bytes] | None, tail: OutputTail) -> None:
    if stream is None:
        return
    with stream:
        while chunk := stream.read(65536):
            tail.feed(chunk)


def _feed(child: subprocess.Popen[bytes], payload: bytes) -> None:
    """Write the job and close stdin; a child that exits without reading it is no error."""
    assert child.stdin is not None
    try:
        with child.stdin:
            child.stdin.write(payload)
    except (BrokenPipeError, OSError):
        pass


def run_table_validators(
    entry: PluginEntry,
    table: Mapping[str, Any],
    old_table: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_VALIDATE_TIMEOUT,
    python: str | None = None,
) -> dict[str, str]:
    """Check a whole ``[transports.<id>]`` table against the transport's declared fields.

    Every declared field whose value in ``table`` differs from ``old_table`` (all present
    ones without it) gets the local checks (type, choices) and then its validator, in the
    child. ``{field key: message}`` for each failure; undeclared keys are not judged. A
    timeout is reported under the key ``""`` (the table as a whole).
    """
    job = {"entry": entry._asdict(), "table": dict(table), "old_table": dict(old_table or {})}
    return _run_job(job, [""], env=env, timeout=timeout, python=python)


# --- child side ------------------------------------------------------------------------------


def main() -> int:
    job = json.loads(sys.stdin.read())
    # Protocol output goes to a private copy of stdout; a validator that prints lands on
    # stderr instead of corrupting the reply.
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    with os.fdopen(reply_fd, "w", encoding="utf-8") as reply:
        reply.write(json.dumps(_answer(job), default=str) + "\n")
    return 0


def _answer(job: Mapping[str, Any]) -> dict[str, Any]:
    from takopi_core.plugins.fields import FieldDeclarationError, declared_fields
    from takopi_core.plugins.loading import PluginLoadFailed, load_entry

    entry = PluginEntry(**job["entry"])
    try:
        backend = load_entry(entry)
        fields = {f.key: f for f in declared_fields(backend)}
    except (PluginLoadFailed, FieldDeclarationError) as exc:
        return {"error": f"transport {entry.id} ({entry.dist_label}): {exc}"}
    if "table" in job:
        return {"errors": _table_errors(fields, job["table"], job.get("old_table") or {})}
    values: dict[str, Any] = dict(job.get("values") or {})
    errors: dict[str, str] = {}
    for key in job.get("keys") or ():
        field = fields.get(key)
        if field is None:
            errors[key] = "is not a declared setup field of this transport"
            continue
        if field.validate is None:
            continue
        earlier = {k: v for k, v in values.items() if k != key}
        message = call_validator(field.validate, values.get(key), earlier)
        if message:
            errors[key] = message
    return {"errors": errors}


_MISSING = object()


def _table_errors(
    fields: Mapping[str, Any], table: Mapping[str, Any], old_table: Mapping[str, Any]
) -> dict[str, str]:
    """Type, choice and validator failures of the fields that changed in ``table``."""
    from takopi_core.plugins.fields import choice_problem, to_spec, type_problem

    values = {}
    for key in fields:
        value = _dig(table, key)
        if value is not _MISSING:
            values[key] = value
    errors: dict[str, str] = {}
    for key, value in values.items():
        if _dig(old_table, key) == value:
            continue  # unchanged: not this write's business
        field = fields[key]
        spec = to_spec(field)
        problem = type_problem(spec, value) or choice_problem(spec, value)
        if problem is None and field.validate is not None:
            earlier = {k: v for k, v in values.items() if k != key}
            problem = call_validator(field.validate, value, earlier)
        if problem:
            errors[key] = problem
    return errors


def _dig(table: Mapping[str, Any], dotted: str) -> Any:
    current: Any = table
    for part in dotted.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return _MISSING
        current = current[part]
    return current


def call_validator(validate: Any, value: Any, values: Mapping[str, Any]) -> str | None:
    """Call one validator; its failure message, or None when the value passed."""
    try:
        outcome = validate(value, dict(values)) if _takes_two(validate) else validate(value)
        if inspect.isawaitable(outcome):
            import anyio

            async def wait() -> Any:
                return await outcome

            outcome = anyio.run(wait)
    except Exception as exc:
        return str(exc) or type(exc).__name__
    if outcome is None or outcome is True:
        return None
    if outcome is False:
        return "is not valid"
    return str(outcome)


def _takes_two(fn: Any) -> bool:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [
        p
        for p in params
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return True
    return len(positional) >= 2


if __name__ == "__main__":
    raise SystemExit(main())
