"""Which engine a transport's ``check_setup`` is given when the probe checks it.

The probe (:mod:`takopi_core.plugins.probe`) hands each transport the engine ``takopi run``
would start with; this module picks it, from the entries and the configured default.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from takopi_core.ids import FALLBACK_ENGINE
from takopi_core.plugins.discovery import PluginEntry


def setup_engine_for(
    entries: Sequence[PluginEntry], default_engine: str | None
) -> PluginEntry | None:
    """The engine handed to transports' ``check_setup``: the one ``takopi run`` would start
    with (see ``run.assembly.pick_default_engine``): the configured default, else ``codex``
    (upstream's default, built in), else the first visible."""
    engines = [e for e in entries if e.kind == "engine" and e.enabled]
    for wanted in (default_engine, FALLBACK_ENGINE):
        for entry in engines:
            if entry.id == wanted:
                return entry
    return engines[0] if engines else None


def config_default_engine(config_path: Path) -> str | None:
    """``default_engine`` from the config, or None when absent or unreadable."""
    from takopi_core.config.toml import read_config_data
    from takopi_core.errors import ConfigError

    try:
        value = read_config_data(config_path).get("default_engine")
    except ConfigError:
        return None
    return value if isinstance(value, str) else None
