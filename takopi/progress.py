"""Upstream Takopi's ``takopi.progress``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.progress``.
"""

from takopi_core.run.progress import (
    ActionState,
    ProgressState,
    ProgressTracker,
)

__all__ = ["ActionState", "ProgressState", "ProgressTracker"]
