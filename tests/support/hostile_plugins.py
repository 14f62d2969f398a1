"""Hostile plugins: engines whose import attacks the probe or the machine running it.

Used by tests/integration/test_probe_attacks.py and scripts/attack/probe.py. Each attack is a
distribution with one engine ``a_<name>``, checked beside two honest plugins that come after
it in the probe's order: ``b_victim``, which raises at import and must be reported failed
with its own error, and ``c_bystander``, which is fine and must be reported ok. An attack
fools the probe when either of them is misreported, when the probe or the command crashes,
or when a side effect the probe promises to contain escapes (files in the working folder
deleted, a helper process left running, the host's memory blown up).

Helpers that the plugins start write their pid into ``$HOSTILE_PIDS`` (a folder), so the
caller can check that they are gone.
"""

from __future__ import annotations

from dataclasses import dataclass

from support.distfactory import ENGINE_GROUP, Dist
from support.templates import engine_source

#: The environment variable naming the folder where helpers record their pids.
PIDS_ENV = "HOSTILE_PIDS"

VICTIM_MESSAGE = "victim boom at import"

# Code run at import before the engine is defined. Each snippet may end the import (raise,
# exit, crash, hang) or fall through to a valid BACKEND.

_FORGED_RESULTS = """
import json as _json
_forged = "".join(
    _json.dumps({"event": event, "index": i, "status": "ok", "phase": "importing"}) + "\\n"
    for i in range(64)
    for event in ("start", "result")
).encode()
"""

_EVERY_FD = """
import os as _os
def _write_everywhere(data, folder="/proc/self/fd"):
    try:
        names = _os.listdir(folder)
    except OSError:
        return
    for name in names:
        try:
            fd = _os.open(f"{folder}/{name}", _os.O_WRONLY | _os.O_NONBLOCK)
        except OSError:
            fd = None
        for target in ([fd] if fd is not None else []) + [int(name)]:
            try:
                _os.write(target, data)
            except (OSError, ValueError):
                pass
        if fd is not None:
            _os.close(fd)
"""

_RECORD_PID = """
import os as _os
def _record_pid():
    folder = _os.environ.get("HOSTILE_PIDS")
    if folder:
        with open(_os.path.join(folder, f"{_os.getpid()}.pid"), "w") as f:
            f.write(str(_os.getpid()))
"""

SNIPPETS: dict[str, str] = {
    # Results for every plugin index, written to every fd the process has, then a raise.
    "forge_all_fds": _FORGED_RESULTS
    + _EVERY_FD
    + """
_write_everywhere(_forged)
raise RuntimeError("forger raises after forging")
""",
    # The same forged results written through the parent's fds (/proc/<ppid>/fd).
    "forge_parent_fds": _FORGED_RESULTS
    + _EVERY_FD
    + """
_write_everywhere(_forged, f"/proc/{_os.getppid()}/fd")
raise RuntimeError("forger raises after forging")
""",
    # Its own result, forged as ok, then leave without the real one.
    "self_forge_exit": _FORGED_RESULTS
    + _EVERY_FD
    + """
_write_everywhere(_forged)
_os._exit(0)
""",
    # Lines that are not the protocol: not JSON, JSON of the wrong shape, invalid UTF-8.
    "garbage_lines": _EVERY_FD
    + """
_write_everywhere(b'this is not json\\n{"event": 1}\\n[1, 2]\\n\\xff\\xfe\\n{"index": "x"}\\n')
""",
    # One endless line (no newline) on every fd: 32 MB.
    "huge_line": _EVERY_FD
    + """
_chunk = b"{" * (1 << 20)
for _ in range(32):
    _write_everywhere(_chunk)
""",
    # A thread that forges results while the next plugins load.
    "late_thread_forge": _FORGED_RESULTS
    + _EVERY_FD
    + """
import threading as _threading, time as _time
def _later():
    for _ in range(40):
        _time.sleep(0.05)
        _write_everywhere(_forged)
_threading.Thread(target=_later, daemon=True).start()
""",
    # Patch the probe's own code so every later plugin passes.
    "monkeypatch_probe": """
import sys as _sys
for _name in ("__main__", "takopi_core.plugins.probe_child", "takopi_core.plugins.loading"):
    _module = _sys.modules.get(_name)
    if _module is None:
        continue
    if hasattr(_module, "check_entry"):
        _module.check_entry = lambda *a, **k: {"status": "ok", "load_ms": 0.0}
    if hasattr(_module, "validate_backend"):
        _module.validate_backend = lambda *a, **k: None
    if hasattr(_module, "resolve_entry_point"):
        _real = _module.resolve_entry_point
        class _Fake:
            def load(self):
                return None
        _module.resolve_entry_point = lambda entry: _Fake()
""",
    # 300 MB on stdout.
    "stdout_flood": """
import os as _os
_chunk = b"x" * (1 << 20)
for _ in range(300):
    _os.write(1, _chunk)
""",
    # 3 GiB of address space (lazily zeroed, so it costs no real memory without a limit).
    "memory_hog": """
_hog = bytearray(3 << 30)
""",
    # Delete every file in the working folder.
    "delete_cwd": """
import os as _os
for _name in _os.listdir("."):
    try:
        _os.remove(_name)
    except OSError:
        pass
""",
    # A helper that sleeps on after the import.
    # The import waits until the helper has recorded its pid (a pipe), so the test knows it
    # started before the probe ends the checker.
    "fork_helper": _RECORD_PID
    + """
_ready_r, _ready_w = _os.pipe()
if _os.fork() == 0:
    _record_pid()
    _os.write(_ready_w, b"x")
    import time as _time
    _time.sleep(300)
    _os._exit(0)
_os.read(_ready_r, 1)
""",
    # A daemon: double fork and a new session, out of every process group of the probe.
    "setsid_daemon": _RECORD_PID
    + """
_ready_r, _ready_w = _os.pipe()
if _os.fork() == 0:
    _os.setsid()
    if _os.fork() == 0:
        _record_pid()
        _os.write(_ready_w, b"x")
        import time as _time
        _time.sleep(300)
    _os._exit(0)
_os.wait()
_os.read(_ready_r, 1)
""",
    # Kill the process that runs the probe.
    "kill_parent": """
import os as _os, signal as _signal, time as _time
_os.kill(_os.getppid(), _signal.SIGKILL)
_time.sleep(5)
""",
    # Kill its own process group.
    "kill_group": """
import os as _os, signal as _signal
_os.killpg(_os.getpgid(0), _signal.SIGKILL)
""",
    "os_exit": """
import os as _os
_os._exit(0)
""",
    "system_exit": """
raise SystemExit(0)
""",
    "segfault": """
import ctypes as _ctypes
_ctypes.string_at(0)
""",
    "hang": """
import signal as _signal, time as _time
_signal.signal(_signal.SIGTERM, _signal.SIG_IGN)
_time.sleep(600)
""",
    # Close every fd, the protocol channel included, then import fine.
    "close_fds": """
import os as _os
_os.closerange(0, 4096)
""",
}

#: Attacks whose plugin is valid apart from the attack: it may be reported ok.
MAY_PASS = frozenset({"delete_cwd", "fork_helper", "setsid_daemon", "memory_hog"})


@dataclass(frozen=True)
class Attack:
    name: str
    plugin_id: str
    dist: Dist


def attacker(name: str) -> Attack:
    """The distribution ``hostile-<name>`` with engine ``a_<name>`` running the snippet."""
    plugin_id = f"a_{name}"[:32]
    module = f"hostile_{name}"
    return Attack(
        name=name,
        plugin_id=plugin_id,
        dist=Dist(
            name=f"hostile-{name.replace('_', '-')}",
            entry_points={ENGINE_GROUP: {plugin_id: f"{module}:BACKEND"}},
            files={f"{module}/__init__.py": engine_source(plugin_id, prelude=SNIPPETS[name])},
        ),
    )


VICTIM = Dist(
    name="hostile-victim",
    entry_points={ENGINE_GROUP: {"b_victim": "hostile_victim:BACKEND"}},
    files={"hostile_victim/__init__.py": f"raise RuntimeError({VICTIM_MESSAGE!r})\n"},
)

BYSTANDER = Dist(
    name="hostile-bystander",
    entry_points={ENGINE_GROUP: {"c_bystander": "hostile_bystander:BACKEND"}},
    files={"hostile_bystander/__init__.py": engine_source("c_bystander")},
)

ATTACKS: list[Attack] = [attacker(name) for name in SNIPPETS]
