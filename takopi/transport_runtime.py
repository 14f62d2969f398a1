"""Upstream Takopi's ``takopi.transport_runtime``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.runtime``.
"""

from takopi_core.run.runtime import (
    ResolvedMessage,
    ResolvedRunner,
    TransportRuntime,
)

__all__ = ["ResolvedMessage", "ResolvedRunner", "TransportRuntime"]
