"""Upstream Takopi's ``takopi.model``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.model``.
"""

from takopi_core.run.model import (
    Action,
    ActionEvent,
    ActionKind,
    CompletedEvent,
    EngineId,
    ResumeToken,
    StartedEvent,
    TakopiEvent,
)

__all__ = [
    "Action",
    "ActionEvent",
    "ActionKind",
    "CompletedEvent",
    "EngineId",
    "ResumeToken",
    "StartedEvent",
    "TakopiEvent",
]
