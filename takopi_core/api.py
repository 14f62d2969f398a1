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
from .errors import ConfigError
from .ids import RESERVED_COMMAND_IDS

TAKOPI_PLUGIN_API_VERSION = 1

__all__ = [
    "RESERVED_COMMAND_IDS",
    "TAKOPI_PLUGIN_API_VERSION",
    "CommandBackend",
    "ConfigError",
    "EngineBackend",
    "EngineConfig",
    "SetupIssue",
    "SetupResult",
    "TransportBackend",
    "install_issue",
]
