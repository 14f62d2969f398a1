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
from .commands import (
    CommandContext,
    CommandExecutor,
    CommandResult,
    RunMode,
    RunRequest,
    RunResult,
    get_command,
    list_command_ids,
)
from .config_compat import HOME_CONFIG_PATH, read_config, write_config
from .context import RunContext, reset_run_base_dir, set_run_base_dir
from .directives import DirectiveError
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
from .runtime import ResolvedMessage, ResolvedRunner, TransportRuntime, list_backends
from .scheduler import ThreadJob, ThreadScheduler
from .settings import load_settings
from .setup_fields import SetupField
from .transport import MessageRef, Presenter, RenderedMessage, SendOptions, Transport

TAKOPI_PLUGIN_API_VERSION = 1

__all__ = [
    "HOME_CONFIG_PATH",
    "RESERVED_COMMAND_IDS",
    "TAKOPI_PLUGIN_API_VERSION",
    "Action",
    "ActionEvent",
    "ActionState",
    "BaseRunner",
    "CommandBackend",
    "CommandContext",
    "CommandExecutor",
    "CommandResult",
    "CompletedEvent",
    "ConfigError",
    "DirectiveError",
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
    "ResolvedMessage",
    "ResolvedRunner",
    "ResumeToken",
    "RunContext",
    "RunMode",
    "RunRequest",
    "RunResult",
    "Runner",
    "RunnerUnavailableError",
    "RunningTask",
    "RunningTasks",
    "SendOptions",
    "SetupField",
    "SetupIssue",
    "SetupResult",
    "StartedEvent",
    "ThreadJob",
    "ThreadScheduler",
    "Transport",
    "TransportBackend",
    "TransportRuntime",
    "bind_run_context",
    "clear_context",
    "get_command",
    "get_logger",
    "handle_message",
    "install_issue",
    "list_backends",
    "list_command_ids",
    "load_settings",
    "read_config",
    "reset_run_base_dir",
    "set_run_base_dir",
    "suppress_logs",
    "write_config",
]
