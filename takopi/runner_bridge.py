"""Upstream Takopi's ``takopi.runner_bridge``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.bridge``.
"""

from takopi_core.run.bridge import (
    ExecBridgeConfig,
    IncomingMessage,
    RunningTask,
    RunningTasks,
    handle_message,
)

__all__ = ["ExecBridgeConfig", "IncomingMessage", "RunningTask", "RunningTasks", "handle_message"]
