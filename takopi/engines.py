"""Upstream Takopi's ``takopi.engines``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.assembly``.
"""

from takopi_core.run.assembly import list_backends
from takopi_core.run.backend_lookup import (
    get_backend,
    get_backends,
)

__all__ = ["get_backend", "get_backends", "list_backends"]
