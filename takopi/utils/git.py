"""Upstream Takopi's ``takopi.utils.git``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.git``.
"""

from takopi_core.git import (
    git_stdout,
    resolve_main_worktree_root,
)

__all__ = ["git_stdout", "resolve_main_worktree_root"]
