"""Upstream Takopi's ``takopi.config_watch``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.config_watch``.
"""

from takopi_core.run.config_watch import ConfigReload, config_status, watch_config

__all__ = ["ConfigReload", "config_status", "watch_config"]
