"""Upstream Takopi's ``takopi.ids``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.ids``.
"""

from takopi_core.ids import (
    ID_PATTERN,
    RESERVED_CHAT_COMMANDS,
    RESERVED_COMMAND_IDS,
    RESERVED_ENGINE_IDS,
    is_valid_id,
)

__all__ = [
    "ID_PATTERN",
    "RESERVED_CHAT_COMMANDS",
    "RESERVED_COMMAND_IDS",
    "RESERVED_ENGINE_IDS",
    "is_valid_id",
]
