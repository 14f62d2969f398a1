"""ProbeRuns without an app: which plugins are checking, their results, stale runs ignored."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from takopi_core.plugins.discovery import PluginEntry
from takopi_core.plugins.probe import LoadResult
from takopi_tui.probe_runs import ProbeRuns
from takopi_tui.rows import EntryKey


class RecordedProbe:
    """A probe run that only remembers being cancelled (ProbeRuns never reads results)."""

    def __init__(self) -> None:
        self.cancelled = 0

    def results(
        self, on_start: Callable[[PluginEntry], None] | None = None
    ) -> Iterator[LoadResult]:
        return iter(())

    def cancel(self) -> None:
        self.cancelled += 1


def key(plugin_id: str) -> EntryKey:
    return ("engine", plugin_id, f"takopi-{plugin_id}")


def result(plugin_id: str, status: str = "ok") -> LoadResult:
    return LoadResult(
        kind="engine",
        id=plugin_id,
        value=f"{plugin_id}:BACKEND",
        distribution=f"takopi-{plugin_id}",
        version="1.0",
        status=status,
    )


def test_a_run_marks_plugins_checking_then_records_their_results() -> None:
    runs = ProbeRuns()
    probe = RecordedProbe()
    run = runs.start("all", [key("a"), key("b")], probe)
    assert runs.running and runs.is_live(run)
    assert runs.plugin_started(run, key("a"))
    assert set(runs.checking) == {key("a")}
    assert runs.plugin_checked(run, result("a"))
    assert set(runs.checking) == set()
    assert runs.plugin_started(run, key("b"))
    assert runs.plugin_checked(run, result("b", "failed"))
    assert [r.id for r in runs.results_for([key("b"), key("a")])] == ["a", "b"]
    assert runs.results[key("b")].status == "failed"
    assert runs.finished(run)
    assert not runs.running and not runs.is_live(run)
    assert probe.cancelled == 0  # a run that ended is not cancelled
    assert not runs.finished(run)  # only once


def test_a_new_run_in_a_group_cancels_the_old_one_and_its_news_is_stale() -> None:
    runs = ProbeRuns()
    first, second = RecordedProbe(), RecordedProbe()
    old = runs.start("all", [key("a"), key("b")], first)
    runs.plugin_started(old, key("a"))
    runs.plugin_checked(old, result("b"))
    new = runs.start("all", [key("a")], second)
    assert new != old
    assert first.cancelled == 1 and second.cancelled == 0
    assert set(runs.checking) == set()  # the old run's "checking" rows are not left spinning
    # The old result of b stays (b is not in the new run); a's is dropped until it arrives.
    assert set(runs.results) == {key("b")}
    assert not runs.plugin_started(old, key("a"))
    assert not runs.plugin_checked(old, result("a", "failed"))
    assert not runs.finished(old)
    assert set(runs.checking) == set() and key("a") not in runs.results
    assert runs.running  # the new run still is
    assert runs.plugin_checked(new, result("a"))
    assert runs.results[key("a")].status == "ok"


def test_groups_run_side_by_side_and_stop_all_cancels_every_one() -> None:
    runs = ProbeRuns()
    everything, one = RecordedProbe(), RecordedProbe()
    all_run = runs.start("all", [key("a"), key("b")], everything)
    one_run = runs.start("one", [key("c")], one)
    runs.plugin_started(all_run, key("a"))
    runs.plugin_started(one_run, key("c"))
    assert set(runs.checking) == {key("a"), key("c")}
    assert runs.finished(one_run)
    assert runs.is_live(all_run) and runs.running
    assert set(runs.checking) == {key("a")}
    runs.stop_all()
    assert everything.cancelled == 1
    assert one.cancelled == 0  # it had finished: nothing left to cancel
    assert not runs.running and set(runs.checking) == set()
    assert not runs.plugin_checked(all_run, result("a"))


def test_stopping_a_group_without_a_run_is_harmless() -> None:
    runs = ProbeRuns()
    runs.stop("all")
    runs.stop_all()
    assert not runs.running and runs.results == {}
