"""Upstream Takopi's ``takopi.router``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.router``.
"""

from takopi_core.run.router import RunnerUnavailableError

__all__ = ["RunnerUnavailableError"]
