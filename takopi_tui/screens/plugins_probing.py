"""The plugins screen's checks: probe runs, their results, and re-checking only what changed.

A mixin of ``PluginsScreen``. Runs go through the probe factory (a child process by
default) in a thread worker, which only posts messages; the bookkeeping is
:class:`takopi_tui.probe_runs.ProbeRuns`. Every run's worker first takes a stamp of its
plugins' files (:func:`takopi_tui.probing.check_stamps`), so after a reload
:meth:`check_changed` probes only the plugins that changed or were never checked, and the
others keep their rows; ``l`` (:meth:`check_all`) re-checks everything. Stamping is a
``stat`` per file but finding the files walks each package: with hundreds of plugins that is
a tenth of a second, so it runs in the worker threads, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.worker import get_current_worker

from ..probing import ProbeRequest, ProbeRun, check_stamps
from ..rows import Status
from ..widgets.detail_pane import DetailPane

if TYPE_CHECKING:
    from takopi_core.plugins.check_cache import CheckStamp
    from takopi_core.plugins.discovery import Discovery, PluginEntry
    from takopi_core.secrets import Masker

    from ..messages import (
        ChangesStamped,
        PluginChecked,
        PluginChecking,
        ProbeCrashed,
        ProbeFinished,
        ProbeStamped,
    )
    from ..probe_runs import ProbeRuns
    from ..rows import EntryKey, PluginRow
    from ..staging import ConfigView
    from ..widgets.plugin_table import PluginTable
    from .screen_options import ScreenOptions

ALL_PROBES = "probe-all"
ONE_PROBE = "probe-one"
STAMPING = "stamping"


class ProbeActions(Screen[None]):
    """Starting, following and cancelling probe runs for ``PluginsScreen``."""

    options: ScreenOptions
    runs: ProbeRuns
    discovery: Discovery
    config: ConfigView
    _first_probe: str
    rows: list[PluginRow]
    #: check_changed calls so far; a stamping whose number is not the latest is stale.
    _stamp_generation: int = 0
    _stamping: bool = False  # a check_changed is stamping (the probe is about to start)

    if TYPE_CHECKING:
        # Provided by PluginsScreen.
        @property
        def current_row(self) -> PluginRow | None: ...
        @property
        def table(self) -> PluginTable: ...
        def schedule_refresh(self) -> None: ...
        def masker(self) -> Masker: ...

    def check_all(self) -> None:
        """Probe every enabled plugin (cancelling any run in progress): ``l``."""
        self._first_probe = "started"
        self._stop_stamping()
        self.cancel_probes()
        self.runs.cache.clear()  # everything is checked afresh, whatever its stamp
        self.start_probe(self.discovery.visible(), ALL_PROBES)

    def check_changed(self) -> None:
        """After a reload: probe the enabled plugins whose files (or inputs) changed since
        they were checked, and those never checked; the others keep their result.

        The stamps are taken in a worker thread; :meth:`on_changes_stamped` starts the run.
        """
        from ..messages import ChangesStamped

        self._first_probe = "started"
        self._stop_stamping()
        self._stamping = True
        generation = self._stamp_generation
        entries = self.discovery.visible()
        request = self._probe_request(entries)
        config = self.config.data

        def stamp() -> None:
            self.post_message(ChangesStamped(generation, entries, check_stamps(request, config)))

        self.run_worker(
            stamp, name=STAMPING, group=STAMPING, thread=True, exclusive=True, exit_on_error=False
        )

    def on_changes_stamped(self, message: ChangesStamped) -> None:
        if message.generation != self._stamp_generation:
            return  # another reload or an `l` came since
        self._stamping = False
        stale = self.runs.stale(message.entries, message.stamps)
        self.start_probe(stale, ALL_PROBES, message.stamps)

    def _stop_stamping(self) -> None:
        self._stamp_generation += 1
        self._stamping = False

    def _probe_request(self, entries: Sequence[PluginEntry]) -> ProbeRequest:
        setup_engine = None
        if self.options.check_setup:
            from takopi_core.plugins.setup_engine import setup_engine_for

            setup_engine = setup_engine_for(self.discovery.entries, self.config.default_engine)
        return ProbeRequest(
            entries=list(entries),
            timeout=self.options.timeout,
            setup_engine=setup_engine,
            config_path=self.options.config_path,
            search_path=self.options.search_path,
        )

    def start_probe(
        self,
        entries: Sequence[PluginEntry],
        group: str,
        stamps: Mapping[EntryKey, CheckStamp] | None = None,
    ) -> None:
        """Probe ``entries`` in ``group`` (replacing its run); ``stamps``: their stamps, when
        taken already (else the worker takes them before the probe starts, so a file saved
        while it runs shows as a change at the next reload)."""
        if not entries:
            self.runs.stop(group)
            self.schedule_refresh()
            return
        request = self._probe_request(entries)
        probe = self.options.probe_factory(request)
        run = self.runs.start(group, [entry.key for entry in entries], probe, stamps)
        config = self.config.data
        take_stamps = None if stamps is not None else (lambda: check_stamps(request, config))
        self.run_worker(
            lambda: self._drive_probe(probe, run, take_stamps),
            name=f"{group}-{run}",
            group=group,
            thread=True,
            exclusive=True,
            exit_on_error=False,
            description=f"probe {len(entries)} plugin(s)",
        )
        self.schedule_refresh()

    def _drive_probe(
        self,
        probe: ProbeRun,
        run: int,
        take_stamps: Callable[[], Mapping[EntryKey, CheckStamp]] | None = None,
    ) -> None:
        """Worker thread: stamp the plugins (when asked), read results and post them; never
        touches widgets."""
        from ..messages import (
            PluginChecked,
            PluginChecking,
            ProbeCrashed,
            ProbeFinished,
            ProbeStamped,
        )

        worker = get_current_worker()

        def checking(entry: PluginEntry) -> None:
            self.post_message(PluginChecking(run, entry.key))

        try:
            if take_stamps is not None:
                # Posted before any result: the cache has the stamps when results arrive.
                self.post_message(ProbeStamped(run, take_stamps()))
            for result in probe.results(on_start=checking):
                if worker.is_cancelled:
                    break
                self.post_message(PluginChecked(run, result))
        except Exception as exc:  # the probe machinery broke, not a plugin: say so, keep going
            self.post_message(ProbeCrashed(run, f"{type(exc).__name__}: {exc}"))
        finally:
            self.post_message(ProbeFinished(run, cancelled=worker.is_cancelled))

    def cancel_probes(self) -> None:
        self.runs.stop_all()

    def _tick_elapsed(self) -> None:
        """Timer: tick the time of the rows checked long enough to show it.

        Only those rows are redrawn (a full refresh with hundreds of plugins takes tens of
        milliseconds, ten times a second while a plugin hangs).
        """
        elapsed = self.runs.elapsed()
        if not elapsed:
            return
        ticked = []
        for index, row in enumerate(self.rows):
            if row.status is Status.LOADING and row.checking_for != elapsed.get(row.entry_key):
                self.rows[index] = replace(row, checking_for=elapsed.get(row.entry_key))
                ticked.append(self.rows[index])
        if not ticked:
            return
        self.table.update_rows(ticked)
        current = self.current_row
        if current is not None and current in ticked:
            self.query_one(DetailPane).show(current, self.masker())

    def on_probe_stamped(self, message: ProbeStamped) -> None:
        self.runs.stamped(message.run, message.stamps)

    def on_plugin_checking(self, message: PluginChecking) -> None:
        if self.runs.plugin_started(message.run, message.key):
            self.schedule_refresh()

    def on_plugin_checked(self, message: PluginChecked) -> None:
        if self.runs.plugin_checked(message.run, message.result):
            self.schedule_refresh()

    def on_probe_finished(self, message: ProbeFinished) -> None:
        if self.runs.finished(message.run):
            self.schedule_refresh()

    def on_probe_crashed(self, message: ProbeCrashed) -> None:
        if self.runs.is_live(message.run):
            self.notify(
                f"The probe itself failed: {message.error}",
                title="Probe error",
                severity="error",
                markup=False,
            )

    @property
    def probing(self) -> bool:
        """True while a probe run is in progress, or the first one is about to start."""
        return self.runs.running or self._stamping or self._first_probe != "started"

    def action_check_all(self) -> None:
        self.check_all()
        count = len(self.discovery.visible())
        self.notify(f"Checking {count} enabled plugin{'s' if count != 1 else ''}…", markup=False)

    def action_check_selected(self) -> None:
        row = self.current_row
        if row is None or row.problem is not None or not row.enabled:
            return
        entry = next((e for e in self.discovery.entries if e.key == row.entry_key), None)
        if entry is not None:
            self.start_probe([entry], ONE_PROBE)
