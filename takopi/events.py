"""Upstream Takopi's ``takopi.events``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.events``.
"""

from takopi_core.run.events import EventFactory

__all__ = ["EventFactory"]
