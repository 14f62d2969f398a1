"""What the app hands the plugins screen: the options it is started with."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..environment import Environment
from ..probing import ProbeFactory

LatestVersions = Callable[[Sequence[str], str], Mapping[str, "str | None"]]
"""Asks the package index: (distribution names, interpreter) -> name -> newest version."""


def real_latest_versions(names: Sequence[str], python: str) -> Mapping[str, str | None]:
    """The package index's answer (``pip index versions``), as ``python``'s pip sees it."""
    from takopi_core.plugins.install import latest_versions

    return latest_versions(names, python)


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
    latest_versions: LatestVersions | None = None
    """Where update marks come from (None: the package index is never asked)."""
