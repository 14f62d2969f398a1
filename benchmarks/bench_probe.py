"""Probe benchmarks, as ratios against baselines measured in the same run.

    .venv/bin/python benchmarks/bench_probe.py [--runs N]

1. The probe over 20 plugins (one checker process each), one at a time and with the pool,
   against loading them in-process plus one interpreter start. Reported, with the target
   of bench_cli.py (1.5x the in-process time plus one interpreter start).
2. 40 plugins of which one hangs (timeout 2 s), with the pool, against the hanging plugin
   checked alone (one interpreter start plus the timeout): a hang should cost one slot, not
   everyone's wait. Target: at most 1.5x.

Each figure is the median of N runs (default 5) of a fresh child process.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.bench_timing import HANG_DIST, median_seconds
from support.distfactory import ENGINE_GROUP, Dist, write_dists

PLUGIN_CODE = """
from takopi.api import EngineBackend

BACKEND = EngineBackend(id="{id}", build_runner=lambda config, path: None)
"""
TIMEOUT = 2.0

IN_PROCESS = """
from takopi_core.plugins.discovery import discover
from takopi_core.plugins.loading import load_entry
for entry in discover().visible():
    if entry.id.startswith("bench"):  # not the host's own built-ins
        load_entry(entry)
"""

VIA_PROBE = f"""
import sys
from takopi_core.plugins.discovery import discover
from takopi_core.plugins.probe import Probe
entries = [e for e in discover().visible() if e.id.startswith(tuple(sys.argv[2].split(",")))]
results = list(Probe(entries, timeout={TIMEOUT}, workers=int(sys.argv[1])).results())
assert len(results) == len(entries) and all(r.ok or r.id == "hang" for r in results), [
    (r.id, r.message) for r in results if not r.ok
]
"""


def make_site(folder: Path, count: int, *, hang: bool = False) -> Path:
    dists = [
        Dist(
            name=f"bench-engine-{i}",
            entry_points={ENGINE_GROUP: {f"bench{i}": f"bench_engine_{i}:BACKEND"}},
            files={f"bench_engine_{i}/__init__.py": PLUGIN_CODE.format(id=f"bench{i}")},
        )
        for i in range(count)
    ]
    if hang:
        dists.append(HANG_DIST)
    return write_dists(folder, *dists)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from takopi_core.plugins.probe import default_workers

    py, pool = sys.executable, str(default_workers())
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        home = Path(tmp) / "home"
        env.update(HOME=str(home), TAKOPI_CONFIG=str(home / ".takopi" / "takopi.toml"))
        twenty = dict(env, PYTHONPATH=str(make_site(Path(tmp) / "twenty", 20)))
        forty = dict(env, PYTHONPATH=str(make_site(Path(tmp) / "forty", 39, hang=True)))
        t = {
            "pass": median_seconds([py, "-c", "pass"], twenty, args.runs),
            "in_process": median_seconds([py, "-c", IN_PROCESS], twenty, args.runs),
            "probe_1": median_seconds([py, "-c", VIA_PROBE, "1", "bench"], twenty, args.runs),
            "probe_pool": median_seconds([py, "-c", VIA_PROBE, pool, "bench"], twenty, args.runs),
            "hang_alone": median_seconds([py, "-c", VIA_PROBE, "1", "hang"], forty, args.runs),
            "forty_pool": median_seconds(
                [py, "-c", VIA_PROBE, pool, "bench,hang"], forty, args.runs
            ),
        }
    ms = {key: value * 1000 for key, value in t.items()}
    budget = 1.5 * t["in_process"] + t["pass"]
    rows = [
        ("probe (20), one at a time / (1.5 x in-process + 1 interpreter)", t["probe_1"] / budget),
        (
            f"probe (20), pool of {pool} / (1.5 x in-process + 1 interpreter)",
            t["probe_pool"] / budget,
        ),
        (f"40 with one hang, pool of {pool} / the hang alone", t["forty_pool"] / t["hang_alone"]),
    ]
    print(f"median of {args.runs} runs, ms: " + ", ".join(f"{k}={v:.0f}" for k, v in ms.items()))
    failed = False
    for label, ratio in rows:
        target = 1.0 if label.startswith("probe") else 1.5
        verdict = "ok" if ratio <= target else "OVER TARGET"
        failed |= ratio > target
        print(f"{label}: {ratio:.2f}x (target <= {target}x) {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
