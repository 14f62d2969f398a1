"""The bookkeeping of probe runs: which plugins are being checked, their results, stale news.

Plain Python, no Textual: the plugins screen starts runs and feeds this what its worker
reports; this decides what is current. Runs are numbered; a run belongs to a group (every
enabled plugin, or the selected one) and a new run in a group replaces the old one, so news
from a replaced or cancelled run is stale and ignored.

Each result is also kept in :attr:`ProbeRuns.cache` with the stamp of the plugin's files
taken when its run started (:mod:`takopi_core.plugins.check_cache`), so that after a reload
only the plugins that changed need checking again (:meth:`ProbeRuns.stale`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING

from takopi_core.plugins.check_cache import CheckCache, CheckStamp

if TYPE_CHECKING:
    from takopi_core.plugins.discovery import PluginEntry
    from takopi_core.plugins.probe import LoadResult

    from .probing import ProbeRun
    from .rows import EntryKey

#: A plugin checked for longer than this (seconds) shows how long so far (a hang is seen as
#: one, ticking towards its timeout, while quick plugins are not cluttered with numbers).
SHOW_ELAPSED_AFTER = 1.0


class ProbeRuns:
    """Probe runs in progress and what they found so far."""

    def __init__(self) -> None:
        self.results: dict[EntryKey, LoadResult] = {}
        """The latest result of every plugin checked (kept across runs)."""
        self.checking: dict[EntryKey, float] = {}
        """Plugins a live run is loading right now, and when each began (:attr:`clock`)."""
        self.clock: Callable[[], float] = time.monotonic
        self.cache = CheckCache()
        """Every result with the stamp of what it was checked on (kept across reloads)."""
        self._counter = 0
        self._groups: dict[int, str] = {}  # live run -> its group
        self._keys: dict[int, set[EntryKey]] = {}  # live run -> the plugins it checks
        self._probes: dict[str, ProbeRun] = {}  # group -> the probe of its live run
        self._stamps: dict[int, Mapping[EntryKey, CheckStamp]] = {}  # live run -> its stamps

    def start(
        self,
        group: str,
        keys: Collection[EntryKey],
        probe: ProbeRun,
        stamps: Mapping[EntryKey, CheckStamp] | None = None,
    ) -> int:
        """Record a new run of ``probe`` over ``keys`` in ``group``; returns its number.

        The group's previous run is cancelled, and the old results of ``keys`` are dropped
        (their rows go back to "not checked" until the new results arrive). ``stamps``
        (taken before the run starts) go into the cache with each result.
        """
        self.stop(group)
        self._counter += 1
        run = self._counter
        for key in keys:
            self.results.pop(key, None)
        self._groups[run] = group
        self._keys[run] = set(keys)
        self._probes[group] = probe
        if stamps is not None:
            self._stamps[run] = stamps
        return run

    def stop(self, group: str) -> None:
        """Cancel the group's run, if any; its further news is stale."""
        probe = self._probes.pop(group, None)
        if probe is not None:
            probe.cancel()
        for run in [run for run, run_group in self._groups.items() if run_group == group]:
            self._forget(run)

    def stop_all(self) -> None:
        """Cancel every run."""
        for group in {*self._probes, *self._groups.values()}:
            self.stop(group)

    def is_live(self, run: int) -> bool:
        """False for a run that finished, was cancelled or replaced (its news is stale)."""
        return run in self._groups

    @property
    def running(self) -> bool:
        """True while any run is in progress."""
        return bool(self._groups)

    def stamped(self, run: int, stamps: Mapping[EntryKey, CheckStamp]) -> bool:
        """The run's plugins were stamped (before it started); False when it is stale."""
        if not self.is_live(run):
            return False
        self._stamps[run] = stamps
        return True

    def plugin_started(self, run: int, key: EntryKey) -> bool:
        """The run began loading ``key``; False (and nothing changes) when the run is stale."""
        if not self.is_live(run):
            return False
        self.checking[key] = self.clock()
        return True

    def plugin_checked(self, run: int, result: LoadResult) -> bool:
        """The run reported ``result``; False (and nothing changes) when the run is stale."""
        if not self.is_live(run):
            return False
        self.checking.pop(result.key, None)
        self.results[result.key] = result
        stamp = self._stamps.get(run, {}).get(result.key)
        if stamp is not None:
            self.cache.remember(result.key, stamp, result)
        return True

    def finished(self, run: int) -> bool:
        """The run ended; False when it was stale already."""
        if not self.is_live(run):
            return False
        group = self._groups[run]
        self._forget(run)
        if group not in self._groups.values():
            self._probes.pop(group, None)
        return True

    def stale(
        self, entries: Iterable[PluginEntry], stamps: Mapping[EntryKey, CheckStamp]
    ) -> list[PluginEntry]:
        """The entries to check again: never checked, or changed since (``stamps`` are
        their stamps now). The others keep their result; the cache's is brought back for
        one whose newer check was cut short (a run replaced before it got that far)."""
        todo = []
        for entry in entries:
            stamp = stamps.get(entry.key)
            kept = self.cache.current(entry.key, stamp) if stamp is not None else None
            if kept is None:
                todo.append(entry)
            elif entry.key not in self.results:
                self.results[entry.key] = kept
        return todo

    def results_for(self, keys: Iterable[EntryKey]) -> list[LoadResult]:
        """The results of ``keys`` (e.g. the plugins enabled now), in the order received."""
        wanted = set(keys)
        return [result for key, result in self.results.items() if key in wanted]

    def elapsed(self) -> dict[EntryKey, float]:
        """Seconds each plugin has been checked so far (rounded down to tenths, so a row
        changes ten times a second at most), for those checked longer than
        :data:`SHOW_ELAPSED_AFTER`."""
        now = self.clock()
        return {
            key: math.floor((now - began) * 10) / 10
            for key, began in self.checking.items()
            if now - began >= SHOW_ELAPSED_AFTER
        }

    def _forget(self, run: int) -> None:
        self._groups.pop(run, None)
        self._stamps.pop(run, None)
        for key in self._keys.pop(run, set()):
            self.checking.pop(key, None)
