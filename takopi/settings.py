"""Upstream Takopi's ``takopi.settings``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.config.compat``.
"""

from takopi_core.config.compat import HOME_CONFIG_PATH
from takopi_core.config.settings import load_settings

__all__ = ["HOME_CONFIG_PATH", "load_settings"]
