"""Upstream Takopi's ``takopi.utils.paths``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.context``.
"""

from takopi_core.run.context import (
    get_run_base_dir,
    reset_run_base_dir,
    set_run_base_dir,
)

__all__ = ["get_run_base_dir", "reset_run_base_dir", "set_run_base_dir"]
