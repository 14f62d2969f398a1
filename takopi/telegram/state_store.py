"""Upstream Takopi's ``takopi.telegram.state_store``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.state_store``.
"""

from takopi_core.run.state_store import JsonStateStore

__all__ = ["JsonStateStore"]
