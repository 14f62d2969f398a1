"""Exceptions shared across the host."""

from __future__ import annotations


class ConfigError(RuntimeError):
    """A configuration problem the user must fix; the message names the file and key path."""


class ConfigConflictError(ConfigError):
    """The config file changed on disk since it was read; nothing was written."""
