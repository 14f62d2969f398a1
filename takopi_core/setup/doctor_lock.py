"""Doctor's check of the instance lock: who holds it, and stale or broken lock files.

``fix=True`` removes a stale lock file (left by a run that is gone).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from takopi_core.config.toml import display_path
from takopi_core.setup.doctor_check import OK, WARNING, Check, counted


def check_lock(config_path: Path, *, fix: bool) -> Check:
    from takopi_core.run.lock import inspect_locks, remove_stale_lock

    name = "instance lock"
    states = inspect_locks(config_path)
    if not states:
        return Check(name, OK, "free (no takopi run holds it)")
    held = [_describe_holder(s.path, s.holder) for s in states if s.holder is not None]
    broken = [s for s in states if s.problem]
    stale = [s for s in states if s.holder is None and not s.problem]
    if broken:
        return Check(
            name,
            WARNING,
            f"{counted(len(broken), 'lock path')} that cannot be a lock",
            tuple(f"{display_path(s.path)} is {s.problem}, not a regular file" for s in broken)
            + tuple(held),
            "remove it: `takopi run` keeps its lock file there",
        )
    if stale and fix:
        removed = [s.path for s in stale if remove_stale_lock(s.path)]
        stale = [s for s in stale if s.path not in removed]
        if not stale:
            summary = "held: " + "; ".join(held) if held else "free"
            return Check(
                name,
                OK,
                f"{summary} (removed {counted(len(removed), 'stale lock file')})",
                tuple(f"removed {display_path(p)}" for p in removed),
                fixable=True,
                fixed=True,
            )
    if stale:
        details = tuple(
            f"{display_path(s.path)}: left by {_pid_text(s)}, which no longer holds it"
            for s in stale
        ) + tuple(held)
        return Check(
            name,
            WARNING,
            f"{len(stale)} stale lock file{'s' if len(stale) != 1 else ''} (harmless: the next "
            "run takes it over)",
            details,
            "takopi doctor --fix removes it",
            fixable=True,
        )
    return Check(name, OK, "held: " + "; ".join(held), action=None)


def _pid_text(state: Any) -> str:
    recorded = state.recorded
    if recorded is None or not recorded.pid:
        return "an unknown process"
    return f"pid {recorded.pid}" + (
        " (alive, but not a takopi run holding the lock)" if state.recorded_alive else " (gone)"
    )


def _describe_holder(path: Path, holder: Any) -> str:
    who = f"pid {holder.pid}" if holder.pid else "a running takopi"
    what = f" ({holder.transport})" if holder.transport else ""
    since = ""
    if holder.started_at:
        since = " since " + time.strftime("%Y-%m-%d %H:%M", time.localtime(holder.started_at))
    return f"{who}{what}{since}, {display_path(path)}"
