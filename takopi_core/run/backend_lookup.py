"""Engine backends by id, for plugins that wrap another engine (upstream's ``takopi.engines``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from takopi_core.errors import ConfigError
from takopi_core.ids import ENGINE
from takopi_core.plugins.discovery import discover
from takopi_core.run.guard import load_plugin


def get_backend(engine_id: str, *, allowlist: Iterable[str] | None = None) -> Any:
    """The loaded backend of engine ``engine_id``; a ConfigError says why it is unavailable."""
    found = discover(list(allowlist) if allowlist is not None else None, kinds=(ENGINE,))
    return load_plugin(ENGINE, engine_id, discovery=found)


def get_backends(*, allowlist: Iterable[str] | None = None) -> dict[str, Any]:
    """Every visible engine backend that loads, by id (the ones that fail are left out)."""
    found = discover(list(allowlist) if allowlist is not None else None, kinds=(ENGINE,))
    backends: dict[str, Any] = {}
    for entry in found.entries:
        if not entry.enabled:
            continue
        try:
            backends[entry.id] = load_plugin(ENGINE, entry.id, discovery=found)
        except ConfigError:
            continue
    return backends
