"""Upstream Takopi's ``takopi.scheduler``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.scheduler``.
"""

from takopi_core.run.scheduler import (
    ThreadJob,
    ThreadScheduler,
)

__all__ = ["ThreadJob", "ThreadScheduler"]
