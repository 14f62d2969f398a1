"""A pool of probe checkers: one plugin that hangs costs one slot, not everyone's wait.

Real distributions, real probe processes, real `takopi plugins --load`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from support.distfactory import write_dists
from support.paths import run_takopi
from support.plugin_zoo import ZOO

from takopi_core.plugins.discovery import discover
from takopi_core.plugins.probe import Probe, default_workers
from takopi_core.plugins.setup_engine import setup_engine_for

HANG = next(d for d in ZOO if d.name == "zoo-hang")
OTHERS = [d for d in ZOO if d.name in ("zoo-good", "zoo-raises", "zoo-transport", "zoo-command")]


def _env(site: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(site))


def test_the_others_are_checked_while_one_plugin_hangs(site: Path) -> None:
    write_dists(site, HANG, *OTHERS)
    found = discover(path=[str(site)])
    assert found.visible()[0].id == "good" and found.visible()[1].id == "hang"
    events: list[tuple[str, str]] = []
    probe = Probe(found.visible(), timeout=3, env=_env(site), workers=2)
    for result in probe.results(on_start=lambda entry: events.append(("start", entry.id))):
        events.append(("done", result.id))
    finished = [plugin for event, plugin in events if event == "done"]
    # Every other plugin finished while the hanging one held its slot, and it came last.
    assert finished[-1] == "hang", events
    assert sorted(finished) == sorted(e.id for e in found.visible())
    assert events.index(("done", "hello")) < events.index(("done", "hang"))


def test_results_of_a_pool_are_the_same_as_one_at_a_time(site: Path) -> None:
    write_dists(site, *ZOO)
    found = discover(path=[str(site)])
    engine = setup_engine_for(found.entries, "good")

    def run(workers: int) -> dict[str, tuple[str, str | None, bool | None]]:
        probe = Probe(
            found.visible(), timeout=2, env=_env(site), setup_engine=engine, workers=workers
        )
        return {r.id: (r.status, r.message, r.setup_ok) for r in probe.results()}

    assert run(3) == run(1)


def test_a_transport_waits_for_the_engines_so_a_crashing_preferred_engine_is_known(
    site: Path,
) -> None:
    write_dists(site, *ZOO)
    found = discover(path=[str(site)])
    crash = found.find("engine", "crash")
    probe = Probe(found.visible(), timeout=5, env=_env(site), setup_engine=crash, workers=4)
    results = {r.id: r for r in probe.results()}
    assert results["zoochat"].status == "ok"
    assert results["zoochat"].setup_ok is False  # checked with an engine that loads


def test_plugins_load_uses_a_pool(site: Path) -> None:
    write_dists(site, HANG, *OTHERS)
    done = run_takopi("plugins", "--load", "--json", "--timeout", "2", site=site)
    rows = {row["id"]: row for row in json.loads(done.stdout)}
    assert rows["hang"]["error"] == "timed out after 2 s while importing"
    assert rows["good"]["status"] == "ok" and rows["hello"]["status"] == "ok"
    assert default_workers() >= 1


def test_a_plugin_killing_the_server_is_blamed_alone_even_in_a_pool(
    site: Path, tmp_path: Path
) -> None:
    """The server dies while two plugins are checked: both are checked again, one at a
    time, so only the one that kills it is blamed."""
    from support.hostile_plugins import BYSTANDER, PIDS_ENV, VICTIM, VICTIM_MESSAGE, attacker

    write_dists(site, attacker("kill_parent").dist, VICTIM, BYSTANDER)
    found = discover(path=[str(site)])
    env = dict(_env(site), **{PIDS_ENV: str(tmp_path)})
    results = {r.id: r for r in Probe(found.visible(), timeout=5, env=env, workers=3).results()}
    assert "the probe process was killed (signal 9)" in (results["a_kill_parent"].message or "")
    assert VICTIM_MESSAGE in (results["b_victim"].message or "")
    assert results["c_bystander"].status == "ok"
