"""Upstream Takopi's ``takopi.runners.tool_actions``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.builtins.engines.tool_actions``.
"""

from takopi_core.builtins.engines.tool_actions import (
    tool_input_path,
    tool_kind_and_title,
)

__all__ = ["tool_input_path", "tool_kind_and_title"]
