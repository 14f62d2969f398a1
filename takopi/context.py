"""Upstream Takopi's ``takopi.context``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.context``.
"""

from takopi_core.run.context import RunContext

__all__ = ["RunContext"]
