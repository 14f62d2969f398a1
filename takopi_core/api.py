"""The stable plugin API. Plugins import it as ``takopi.api``.

Anything not exported here is internal. The run-pipeline names are added as they land.
"""

from __future__ import annotations

from .backends import (
    CommandBackend,
    EngineBackend,
    EngineConfig,
    SetupIssue,
    SetupResult,
    TransportBackend,
    install_issue,
)
from .bridge import (
    ExecBridgeConfig,
    IncomingMessage,
    RunningTask,
    RunningTasks,
    handle_message,
)
from .context import RunContext, reset_run_base_dir, set_run_base_dir
from .errors import ConfigError
from .events import EventFactory
from .ids import RESERVED_COMMAND_IDS
from .logs import bind_run_context, clear_context, get_logger, suppress_logs
from .model import (
    Action,
    ActionEvent,
    CompletedEvent,
    EngineId,
    ResumeToken,
    StartedEvent,
)
from .progress import ActionState, ProgressState, ProgressTracker
from .runner import BaseRunner, JsonlSubprocessRunner, Runner, RunnerUnavailableError
from .transport import MessageRef, Presenter, RenderedMessage, SendOptions, Transport

TAKOPI_PLUGIN_API_VERSION = 1

__all__ = [
    "RESERVED_COMMAND_IDS",
    "TAKOPI_PLUGIN_API_VERSION",
    "Action",
    "ActionEvent",
    "ActionState",
    "BaseRunner",
    "CommandBackend",
    "CompletedEvent",
    "ConfigError",
    "EngineBackend",
    "EngineConfig",
    "EngineId",
    "EventFactory",
    "ExecBridgeConfig",
    "IncomingMessage",
    "JsonlSubprocessRunner",
    "MessageRef",
    "Presenter",
    "ProgressState",
    "ProgressTracker",
    "RenderedMessage",
    "ResumeToken",
    "RunContext",
    "Runner",
    "RunnerUnavailableError",
    "RunningTask",
    "RunningTasks",
    "SendOptions",
    "SetupIssue",
    "SetupResult",
    "StartedEvent",
    "Transport",
    "TransportBackend",
    "bind_run_context",
    "clear_context",
    "get_logger",
    "handle_message",
    "install_issue",
    "reset_run_base_dir",
    "set_run_base_dir",
    "suppress_logs",
]
