"""Upstream Takopi's ``takopi.runner``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.jsonl``.
"""

from takopi_core.run.jsonl import JsonlSubprocessRunner
from takopi_core.run.runner import (
    BaseRunner,
    ResumeTokenMixin,
    Runner,
)

__all__ = ["BaseRunner", "JsonlSubprocessRunner", "ResumeTokenMixin", "Runner"]
