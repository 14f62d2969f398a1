"""Every command checks plugins in the probe's pool: one plugin waiting does not hold the rest.

`takopi run`'s gate, `takopi doctor` and `takopi plugins --load`.

Proved without timing: plugin "a" (checked first) loads only once plugin "b" has started
importing (a marker file b writes). One checker at a time, a would wait for b until its
timeout; with a pool, b runs beside it and both load.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.demo_plugins import engine_code
from support.distfactory import ENGINE_GROUP, Dist, write_dists
from support.paths import run_takopi

from takopi_core.plugins.discovery import discover
from takopi_core.plugins.probe import default_workers
from takopi_core.run.gate import PluginGate


def _dists(markers: Path) -> list[Dist]:
    wait_for_b = (
        "import os, time\n"
        f"marker = {str(markers / 'b')!r}\n"
        "deadline = time.monotonic() + 30\n"
        "while not os.path.exists(marker) and time.monotonic() < deadline:\n"
        "    time.sleep(0.02)\n"
    )
    mark_b = f"open({str(markers / 'b')!r}, 'w').close()\n"
    return [
        Dist(
            name="takopi-engine-a",
            entry_points={ENGINE_GROUP: {"a": "a_engine:BACKEND"}},
            files={"a_engine.py": wait_for_b + engine_code("a")},
        ),
        Dist(
            name="takopi-engine-b",
            entry_points={ENGINE_GROUP: {"b": "b_engine:BACKEND"}},
            files={"b_engine.py": mark_b + engine_code("b")},
        ),
    ]


@pytest.mark.skipif(default_workers() < 2, reason="a pool needs two cores")
def test_the_gate_checks_plugins_side_by_side(site: Path, tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    write_dists(site, *_dists(markers))
    entries = [e for e in discover(path=[str(site)]).visible() if not e.builtin]
    assert [e.id for e in entries] == ["a", "b"]
    gate = PluginGate(timeout=5, env=dict(os.environ, PYTHONPATH=str(site)))
    gate.check(entries)
    assert gate.problem(entries[0]) is None, gate.results
    assert gate.problem(entries[1]) is None


@pytest.mark.skipif(default_workers() < 2, reason="a pool needs two cores")
@pytest.mark.parametrize(
    ("command", "loaded"),
    [(("doctor",), "visible plugins load"), (("plugins", "--load"), "a (takopi-engine-a)  ok")],
)
def test_the_cli_checks_plugins_side_by_side(
    site: Path, tmp_path: Path, command: tuple[str, ...], loaded: str
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    write_dists(site, *_dists(markers))
    done = run_takopi(*command, "--timeout", "5", site=site)
    assert "timed out" not in done.stdout, done.stdout
    assert loaded in done.stdout, done.stdout
