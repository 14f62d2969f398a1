"""Where a run happens: the project and branch a message was routed to, and the working
directory of the current run."""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class RunContext:
    """The project (lowercased alias key) and branch a run belongs to; both optional."""

    project: str | None = None
    branch: str | None = None


_run_base_dir: ContextVar[Path | None] = ContextVar("takopi_run_base_dir", default=None)


def set_run_base_dir(base_dir: Path | None) -> Token[Path | None]:
    """Set the working directory for runs started in this context (None = process cwd).

    Subprocess runners use it as the child's cwd; progress rendering shows paths relative to
    it. Pass the returned token to ``reset_run_base_dir`` when the run ends.
    """
    return _run_base_dir.set(base_dir)


def reset_run_base_dir(token: Token[Path | None]) -> None:
    """Undo the matching ``set_run_base_dir``."""
    _run_base_dir.reset(token)


def get_run_base_dir() -> Path | None:
    """The working directory set for the current run, or None to inherit the process cwd."""
    return _run_base_dir.get()
