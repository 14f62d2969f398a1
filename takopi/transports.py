"""Upstream Takopi's ``takopi.transports``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.plugins.backends``.
"""

from takopi_core.plugins.backends import (
    SetupResult,
    TransportBackend,
)

__all__ = ["SetupResult", "TransportBackend"]
