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
    "plugins.backends": (
        "CommandBackend",
        "EngineBackend",
        "EngineConfig",
        "SetupIssue",
        "SetupResult",
        "TransportBackend",
        "install_issue",
    ),
    "run.bridge": (
        "ExecBridgeConfig",
        "IncomingMessage",
        "RunningTask",
        "RunningTasks",
        "handle_message",
    ),
    "run.command_types": (
        "CommandContext",
        "CommandExecutor",
        "CommandResult",
        "RunMode",
        "RunRequest",
        "RunResult",
    ),
    "run.commands": ("get_command", "list_command_ids"),
    "config.compat": ("HOME_CONFIG_PATH", "read_config", "write_config"),
    "run.context": ("RunContext", "reset_run_base_dir", "set_run_base_dir"),
    "run.directives": ("DirectiveError",),
    "errors": ("ConfigError",),
    "run.events": ("EventFactory",),
    "ids": ("RESERVED_COMMAND_IDS",),
    "run.logs": ("bind_run_context", "clear_context", "get_logger", "suppress_logs"),
    "run.model": (
        "Action",
        "ActionEvent",
        "CompletedEvent",
        "EngineId",
        "ResumeToken",
        "StartedEvent",
    ),
    "run.progress": ("ActionState", "Presenter", "ProgressState", "ProgressTracker"),
    "run.jsonl": ("JsonlSubprocessRunner",),
    "run.runner": ("BaseRunner", "Runner", "RunnerUnavailableError"),
    "run.runtime": ("ResolvedMessage", "ResolvedRunner", "TransportRuntime"),
    "run.assembly": ("list_backends",),
    "run.scheduler": ("ThreadJob", "ThreadScheduler"),
    "config.settings": ("load_settings",),
    "plugins.fields": ("SetupField",),
    "run.transport": ("MessageRef", "RenderedMessage", "SendOptions", "Transport"),
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
    from takopi_core.config.compat import HOME_CONFIG_PATH, read_config, write_config
    from takopi_core.config.settings import load_settings
    from takopi_core.errors import ConfigError
    from takopi_core.ids import RESERVED_COMMAND_IDS
    from takopi_core.plugins.backends import (
        CommandBackend,
        EngineBackend,
        EngineConfig,
        SetupIssue,
        SetupResult,
        TransportBackend,
        install_issue,
    )
    from takopi_core.plugins.fields import SetupField
    from takopi_core.run.assembly import list_backends
    from takopi_core.run.bridge import (
        ExecBridgeConfig,
        IncomingMessage,
        RunningTask,
        RunningTasks,
        handle_message,
    )
    from takopi_core.run.command_types import (
        CommandContext,
        CommandExecutor,
        CommandResult,
        RunMode,
        RunRequest,
        RunResult,
    )
    from takopi_core.run.commands import get_command, list_command_ids
    from takopi_core.run.context import RunContext, reset_run_base_dir, set_run_base_dir
    from takopi_core.run.directives import DirectiveError
    from takopi_core.run.events import EventFactory
    from takopi_core.run.jsonl import JsonlSubprocessRunner
    from takopi_core.run.logs import bind_run_context, clear_context, get_logger, suppress_logs
    from takopi_core.run.model import (
        Action,
        ActionEvent,
        CompletedEvent,
        EngineId,
        ResumeToken,
        StartedEvent,
    )
    from takopi_core.run.progress import ActionState, Presenter, ProgressState, ProgressTracker
    from takopi_core.run.runner import BaseRunner, Runner, RunnerUnavailableError
    from takopi_core.run.runtime import ResolvedMessage, ResolvedRunner, TransportRuntime
    from takopi_core.run.scheduler import ThreadJob, ThreadScheduler
    from takopi_core.run.transport import (
        MessageRef,
        RenderedMessage,
        SendOptions,
        Transport,
    )
