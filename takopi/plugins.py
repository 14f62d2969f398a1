"""Upstream Takopi's ``takopi.plugins``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.plugins.listing``.
"""

from takopi_core.plugins.listing import (
    COMMAND_GROUP,
    ENGINE_GROUP,
    TRANSPORT_GROUP,
    list_ids,
)

__all__ = ["COMMAND_GROUP", "ENGINE_GROUP", "TRANSPORT_GROUP", "list_ids"]
