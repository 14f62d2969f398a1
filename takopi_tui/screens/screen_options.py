"""What the app hands the plugins screen: the options it is started with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..environment import Environment
from ..probing import ProbeFactory


@dataclass(frozen=True, slots=True)
class ScreenOptions:
    """What the app hands the screen: where to look, how to probe, what to show."""

    config_path: Path
    search_path: Sequence[str] | None
    probe_factory: ProbeFactory
    timeout: float | None
    environment: Environment
    watch_interval: float | None
    check_setup: bool = True
