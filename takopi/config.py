"""Upstream Takopi's ``takopi.config``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.config.compat``.
"""

from takopi_core.config.compat import (
    HOME_CONFIG_PATH,
    dump_toml,
    ensure_table,
    read_config,
    write_config,
)
from takopi_core.errors import ConfigError

__all__ = [
    "HOME_CONFIG_PATH",
    "ConfigError",
    "dump_toml",
    "ensure_table",
    "read_config",
    "write_config",
]
