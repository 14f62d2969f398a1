"""ProbeRuns and the check cache, without an app: stamps go in with each result."""

from __future__ import annotations

from takopi_core.plugins.check_cache import CheckStamp
from takopi_core.plugins.discovery import PluginEntry
from takopi_core.plugins.probe import LoadResult
from takopi_tui.probe_runs import ProbeRuns


class _Probe:
    def cancel(self) -> None:
        pass

    def results(self, on_start=None):
        return iter(())


def _entry(plugin_id: str) -> PluginEntry:
    return PluginEntry(
        "engine", plugin_id, f"{plugin_id}:BACKEND", f"takopi-{plugin_id}", "1.0", True, False
    )


def _stamp(entry: PluginEntry, mtime: int = 1) -> CheckStamp:
    return CheckStamp(entry.distribution, entry.version, ((f"/site/{entry.id}.py", mtime, 10),))


def _ok(entry: PluginEntry) -> LoadResult:
    return LoadResult(
        kind=entry.kind,
        id=entry.id,
        value=entry.value,
        distribution=entry.distribution,
        version=entry.version,
        status="ok",
    )


def test_a_result_is_kept_with_the_stamps_its_worker_took() -> None:
    a, b = _entry("a"), _entry("b")
    runs = ProbeRuns()
    run = runs.start("all", [a.key, b.key], _Probe())
    assert runs.stamped(run, {a.key: _stamp(a), b.key: _stamp(b)})
    runs.plugin_checked(run, _ok(a))
    runs.plugin_checked(run, _ok(b))
    runs.finished(run)
    assert runs.stale([a, b], {a.key: _stamp(a), b.key: _stamp(b)}) == []
    assert runs.stale([a, b], {a.key: _stamp(a, mtime=2), b.key: _stamp(b)}) == [a]


def test_stamps_of_a_replaced_run_are_ignored() -> None:
    a = _entry("a")
    runs = ProbeRuns()
    old = runs.start("all", [a.key], _Probe())
    new = runs.start("all", [a.key], _Probe())
    assert not runs.stamped(old, {a.key: _stamp(a)})
    runs.plugin_checked(new, _ok(a))  # no stamps for this run: nothing is cached
    assert runs.stale([a], {a.key: _stamp(a)}) == [a]


def test_an_unchanged_plugin_whose_recheck_was_cut_short_gets_its_result_back() -> None:
    a, b = _entry("a"), _entry("b")
    stamps = {a.key: _stamp(a), b.key: _stamp(b)}
    runs = ProbeRuns()
    first = runs.start("all", [a.key, b.key], _Probe(), stamps)
    runs.plugin_checked(first, _ok(a))
    runs.plugin_checked(first, _ok(b))
    runs.finished(first)
    runs.start("one", [a.key], _Probe())  # `r` on a drops its shown result...
    runs.stop("one")  # ...and is cut short
    assert a.key not in runs.results
    assert runs.stale([a, b], stamps) == []
    assert runs.results[a.key].ok  # shown again: its files did not change
