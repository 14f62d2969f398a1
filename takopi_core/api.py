"""The stable plugin API. Plugins import it as ``takopi.api``.

Anything not exported here is internal. ``TAKOPI_PLUGIN_API_VERSION`` is 1.

Names are resolved on first use (PEP 562): a plugin that imports ``EngineBackend`` does not
pay for the run pipeline (anyio, the bridge, the runtime). That keeps the probe's child, which
imports every plugin, and each `takopi` start that loads one plugin, fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

TAKOPI_PLUGIN_API_VERSION = 1

#: Where each exported name lives. The one list of the API; tests/test_api.py checks that
#: the TYPE_CHECKING imports below say the same.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "backends": (
        "CommandBackend",
        "EngineBackend",
        "EngineConfig",
        "SetupIssue",
        "SetupResult",
        "TransportBackend",
        "install_issue",
    ),
    "bridge": (
        "ExecBridgeConfig",
        "IncomingMessage",
        "RunningTask",
        "RunningTasks",
        "handle_message",
    ),
    "commands": (
        "CommandContext",
        "CommandExecutor",
        "CommandResult",
        "RunMode",
        "RunRequest",
        "RunResult",
        "get_command",
        "list_command_ids",
    ),
    "config_compat": ("HOME_CONFIG_PATH", "read_config", "write_config"),
    "context": ("RunContext", "reset_run_base_dir", "set_run_base_dir"),
    "directives": ("DirectiveError",),
    "errors": ("ConfigError",),
    "events": ("EventFactory",),
    "ids": ("RESERVED_COMMAND_IDS",),
    "logs": ("bind_run_context", "clear_context", "get_logger", "suppress_logs"),
    "model": (
        "Action",
        "ActionEvent",
        "CompletedEvent",
        "EngineId",
        "ResumeToken",
        "StartedEvent",
    ),
    "progress": ("ActionState", "ProgressState", "ProgressTracker"),
    "runner": ("BaseRunner", "JsonlSubprocessRunner", "Runner", "RunnerUnavailableError"),
    "runtime": ("ResolvedMessage", "ResolvedRunner", "TransportRuntime", "list_backends"),
    "scheduler": ("ThreadJob", "ThreadScheduler"),
    "settings": ("load_settings",),
    "setup_fields": ("SetupField",),
    "transport": ("MessageRef", "Presenter", "RenderedMessage", "SendOptions", "Transport"),
}

_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted([*_MODULE_OF, "TAKOPI_PLUGIN_API_VERSION"])


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return list(__all__)


if TYPE_CHECKING:  # for type checkers and editors; the runtime uses _EXPORTS
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
