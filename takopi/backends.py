"""Upstream Takopi's ``takopi.backends``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.plugins.backends``.
"""

from takopi_core.plugins.backends import (
    CommandBackend,
    EngineBackend,
    EngineConfig,
    SetupIssue,
    SetupResult,
    TransportBackend,
)

__all__ = [
    "CommandBackend",
    "EngineBackend",
    "EngineConfig",
    "SetupIssue",
    "SetupResult",
    "TransportBackend",
]
