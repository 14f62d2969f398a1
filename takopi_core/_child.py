"""Child processes, the one place: their environment, killing their group, tails of their
output, and what a child does to itself so it cannot outlive us or take the machine.

Every child we start for plugin code (the probe, the field validators) and every engine
process goes through these helpers, so the rules are written once:

- the environment names our config file (``$TAKOPI_CONFIG``) and puts our plugin search path
  ahead of the child's own ``PYTHONPATH``, as absolute paths (children may run elsewhere);
- a child leads its own process group, and stopping it kills the group (helpers too);
- what a child prints is kept as a bounded tail, never whole in memory;
- on Linux a child asks the kernel to kill it when its parent dies (``PR_SET_PDEATHSIG``),
  and it may cap its memory (``RLIMIT_AS``/``RLIMIT_DATA``).

Standard library only (and the shared names in ``ids``): this is the base layer.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Protocol

from takopi_core.ids import CONFIG_ENV

#: How many characters of a failed child's stderr (its end) are shown to the user.
STDERR_TAIL_CHARS = 4000


# --- the environment -------------------------------------------------------------------------


def child_environment(
    config_path: Path | str | None,
    search_path: Sequence[str] | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a child working for us: ``base`` (default ``os.environ``) with
    ``$TAKOPI_CONFIG`` set to ``config_path`` and ``search_path`` ahead of ``PYTHONPATH``.

    Entries are made absolute: a child may run in another working folder (the probe runs in
    a temporary one), where a relative entry would point elsewhere.
    """
    env = dict(os.environ if base is None else base)
    if config_path is not None:
        env[CONFIG_ENV] = str(Path(config_path).expanduser().absolute())
    entries = [os.path.abspath(p) for p in search_path or () if p]
    current = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if entries or current:
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([*entries, *current]))
    return env


# --- stopping a child ------------------------------------------------------------------------


class _HasPid(Protocol):
    @property
    def pid(self) -> int: ...


def signal_group(pid: int, sig: int = signal.SIGKILL) -> bool:
    """Send ``sig`` to the process group led by ``pid``; False when there is none left.

    Children are started with ``start_new_session=True``, so the group is the child and the
    helpers it started (unless they left it with ``setsid``).
    """
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def kill_group(child: _HasPid, sig: int = signal.SIGKILL) -> None:
    """Kill ``child``'s process group, whether or not the child itself has exited.

    Helpers the child started may outlive it (an engine's grandchild ignoring SIGTERM), so
    the group is signalled regardless. A group id stays reserved while any member lives, so
    the signal cannot reach an unrelated process that reused the leader's pid.
    """
    signal_group(child.pid, sig)


# --- output tails ----------------------------------------------------------------------------


class OutputTail:
    """The last ``limit`` bytes of a stream, and how many bytes it carried in all.

    Feeding it never holds more than ``2 * limit`` bytes, however much the child writes.
    """

    def __init__(self, limit: int = STDERR_TAIL_CHARS * 2) -> None:
        self.limit = limit
        self.total = 0
        self._data = bytearray()

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self._data += chunk[-self.limit :]
        if len(self._data) > 2 * self.limit:
            del self._data[: len(self._data) - self.limit]

    def data(self) -> bytes:
        """The last ``limit`` bytes (all of them when the stream carried no more)."""
        return bytes(self._data[-self.limit :])

    def text(self, chars: int = STDERR_TAIL_CHARS) -> str:
        """The tail as text, at most ``chars`` characters (``…`` marks a cut start)."""
        text = bytes(self._data[-self.limit :]).decode("utf-8", "replace").strip()
        if len(text) > chars or self.total > len(self._data):
            text = text[-chars:]
            if self.total > len(text):
                text = "…" + text
        return text


def file_tail(stream: IO[bytes], chars: int = STDERR_TAIL_CHARS) -> str:
    """The last ``chars`` characters of a file a child wrote (its stderr), stripped."""
    with contextlib.suppress(OSError, ValueError):
        stream.flush()
    size = stream.seek(0, os.SEEK_END)
    # Read a little more than needed so a multi-byte character cut at the start is rare;
    # errors="replace" covers the rest.
    stream.seek(max(0, size - chars * 2))
    text = stream.read().decode("utf-8", errors="replace").strip()
    if len(text) > chars:
        text = "…" + text[-chars:]
    return text


# --- what a child does to itself -------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(sig: int = signal.SIGKILL, *, parent: int | None = None) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux).

    ``parent`` is the pid the parent had when it started us: if it is already gone (it died
    before the request was made), exit now. Returns whether the kernel took the request;
    callers keep a fallback (watching a pipe from the parent for end of file).
    """
    armed = _prctl(_PR_SET_PDEATHSIG, int(sig))
    if parent is not None and os.getppid() != parent:
        os._exit(128 + int(sig))
    return armed


def become_subreaper() -> bool:
    """Adopt our orphaned descendants (Linux), so helpers that left their group can still be
    found (their parent pid becomes ours) and stopped."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def hide_from_peers() -> bool:
    """Make this process non-dumpable (Linux): other processes of the same user can no longer
    open its files through ``/proc/<pid>/fd`` or read its memory (root still can)."""
    return _prctl(_PR_SET_DUMPABLE, 0)


def limit_memory(limit_bytes: int | None) -> bool:
    """Cap this process's address space and data segment at ``limit_bytes`` (None: no cap).

    An allocation past it fails (Python raises MemoryError) instead of taking the machine.
    """
    if limit_bytes is None:
        return False
    try:
        import resource
    except ImportError:  # not a Unix
        return False
    done = False
    for name in ("RLIMIT_AS", "RLIMIT_DATA"):
        which = getattr(resource, name, None)
        if which is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            _soft, hard = resource.getrlimit(which)
            cap = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
            resource.setrlimit(which, (cap, hard))
            done = True
    return done


def children_of(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (Linux ``/proc``; empty elsewhere)."""
    found: list[int] = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                data = stat.read()
        except OSError:
            continue
        # The command name (field 2) is in parentheses and may hold spaces or ")".
        fields = data.rpartition(b")")[2].split()
        if len(fields) > 1 and fields[1] == str(pid).encode():
            found.append(int(name))
    return found
