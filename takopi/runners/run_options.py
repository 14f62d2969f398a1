"""Upstream Takopi's ``takopi.runners.run_options``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.options``.
"""

from takopi_core.run.options import (
    EngineRunOptions,
    apply_run_options,
    get_run_options,
    reset_run_options,
    set_run_options,
)

__all__ = [
    "EngineRunOptions",
    "apply_run_options",
    "get_run_options",
    "reset_run_options",
    "set_run_options",
]
