"""How the app starts probe runs: the seam tests use to inject a scripted probe.

The app never loads plugin code itself: it asks a factory for a probe over some entries and
reads results from it in a thread worker. The default factory is the real
:class:`takopi_core.plugins.probe.Probe` (a child process); tests pass their own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from takopi_core.plugins.discovery import PluginEntry

if TYPE_CHECKING:  # the probe module loads when the first run starts, after the first paint
    from takopi_core.plugins.check_cache import CheckStamp
    from takopi_core.plugins.probe import LoadResult


class ProbeRun(Protocol):
    """One run over some entries (what :class:`takopi_core.plugins.probe.Probe` provides)."""

    def results(
        self, on_start: Callable[[PluginEntry], None] | None = None
    ) -> Iterator[LoadResult]: ...

    def cancel(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ProbeRequest:
    """What to check and how."""

    entries: Sequence[PluginEntry]
    timeout: float | None
    """Per-plugin time limit in seconds (None: the probe's default)."""
    setup_engine: PluginEntry | None
    """The engine handed to transports' ``check_setup`` (None: skip setup checks)."""
    config_path: Path
    search_path: Sequence[str] | None


ProbeFactory = Callable[[ProbeRequest], ProbeRun]


def child_environment(
    config_path: Path, search_path: Sequence[str] | None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The probe child's environment: our config, and our search path ahead of its own."""
    from takopi_core._child import child_environment as build

    return build(config_path, search_path, base)


def real_probe(request: ProbeRequest) -> ProbeRun:
    """The real probe: a child process of this interpreter."""
    from takopi_core.plugins.probe import DEFAULT_TIMEOUT, Probe, default_workers

    return Probe(
        request.entries,
        timeout=request.timeout if request.timeout is not None else DEFAULT_TIMEOUT,
        setup_engine=request.setup_engine,
        env=child_environment(request.config_path, request.search_path),
        workers=default_workers(),  # a hanging plugin holds one row, not the whole table
        timeout_hint="takopi tui --timeout {seconds}",
    )


def check_stamps(
    request: ProbeRequest, config: Mapping[str, Any]
) -> dict[tuple[str, str, str | None], CheckStamp]:
    """What each plugin of ``request`` is checked on (see
    :mod:`takopi_core.plugins.check_cache`), with ``config`` the parsed takopi.toml:
    a transport's ``check_setup`` also reads its ``[transports.ID]`` table and gets the
    setup engine, so those are part of its stamp."""
    from takopi_core.plugins.check_cache import stamp_entries

    engine = request.setup_engine.key if request.setup_engine is not None else None
    transports = config.get("transports")
    tables = transports if isinstance(transports, Mapping) else {}

    def inputs(entry: PluginEntry) -> Hashable:
        if entry.kind != "transport" or engine is None:
            return None
        table = json.dumps(tables.get(entry.id), sort_keys=True, default=str)
        return (engine, table)

    return stamp_entries(request.entries, request.search_path, inputs)
