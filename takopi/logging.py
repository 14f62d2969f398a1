"""Upstream Takopi's ``takopi.logging``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.logs``.
"""

from takopi_core.run.logs import (
    bind_run_context,
    clear_context,
    get_logger,
    suppress_logs,
)

__all__ = ["bind_run_context", "clear_context", "get_logger", "suppress_logs"]
