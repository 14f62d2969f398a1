"""Upstream Takopi's ``takopi.commands``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.command_types``.
"""

from takopi_core.run.command_types import (
    CommandContext,
    CommandExecutor,
    CommandResult,
    RunMode,
    RunRequest,
    RunResult,
)
from takopi_core.run.commands import (
    get_command,
    list_command_ids,
)

__all__ = [
    "CommandContext",
    "CommandExecutor",
    "CommandResult",
    "RunMode",
    "RunRequest",
    "RunResult",
    "get_command",
    "list_command_ids",
]
