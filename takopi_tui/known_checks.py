"""What the setup wizard takes from the plugin table instead of checking it again.

The wizard's first step needs every visible transport (with its ``check_setup``) and engine
checked; the table has usually checked them already. The table's results are kept with the
stamp of what each check depended on (:mod:`takopi_core.plugins.check_cache`); a result is
reused when the stamp the wizard takes now is the same, with the engine the wizard hands to
``check_setup`` and the config it surveys (so an engine the wizard would give another
transport, or a changed ``[transports.ID]`` table, means a fresh check). The rest the
survey checks itself, in the probe pool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .probing import ProbeRequest, check_stamps

if TYPE_CHECKING:
    from takopi_core.plugins.check_cache import CheckCache
    from takopi_core.plugins.discovery import PluginEntry
    from takopi_core.plugins.probe import LoadResult
    from takopi_core.setup.flow import KnownResults

    from .rows import EntryKey


def table_results(
    cache: CheckCache,
    *,
    config_path: Path,
    search_path: Sequence[str] | None,
    timeout: float | None,
) -> KnownResults:
    """The wizard's :data:`takopi_core.setup.flow.KnownResults` from the table's ``cache``
    (copied now, on the event loop: the survey reads it in a worker thread)."""
    kept = cache.copy()

    def known(
        entries: Sequence[PluginEntry],
        setup_engine: PluginEntry | None,
        config: Mapping[str, Any],
    ) -> dict[EntryKey, LoadResult]:
        request = ProbeRequest(list(entries), timeout, setup_engine, config_path, search_path)
        stamps = check_stamps(request, config)
        found: dict[EntryKey, LoadResult] = {}
        for entry in entries:
            stamp = stamps.get(entry.key)
            result = kept.current(entry.key, stamp) if stamp is not None else None
            if result is not None:
                found[entry.key] = result
        return found

    return known
