"""CLI start-up and probe benchmarks, as ratios against baselines measured in the same run.

    .venv/bin/python benchmarks/bench_cli.py [--runs N]

1. `takopi --help` against `python -c pass` and `python -c "import typer"` (what upstream's CLI
   pays at start). Target: at most 0.5x the typer import.
2. `takopi plugins` with 20 test plugins installed against
   `python -c "import importlib.metadata as m; m.entry_points()"`. Target: at most 1.3x.
3. The probe over the same 20 plugins against loading them in-process. Target: at most 1.5x
   the in-process time plus one interpreter start.

Each figure is the median of N runs (default 15) of a fresh child process.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.bench_timing import median_seconds
from support.distfactory import ENGINE_GROUP, Dist, write_dists

PLUGIN_CODE = """
from takopi.api import EngineBackend

BACKEND = EngineBackend(id="{id}", build_runner=lambda config, path: None)
"""

IN_PROCESS = """
import time
t0 = time.perf_counter()
from takopi_core.plugins.discovery import discover
from takopi_core.plugins.loading import load_entry
for entry in discover().visible():
    load_entry(entry)
"""

VIA_PROBE = """
from takopi_core.plugins.discovery import discover
from takopi_core.plugins.probe import probe_all
results = probe_all(discover().visible())
assert all(r.ok for r in results), [r.message for r in results if not r.ok]
"""


def make_site(folder: Path, count: int = 20) -> Path:
    dists = [
        Dist(
            name=f"bench-engine-{i}",
            entry_points={ENGINE_GROUP: {f"bench{i}": f"bench_engine_{i}:BACKEND"}},
            files={f"bench_engine_{i}/__init__.py": PLUGIN_CODE.format(id=f"bench{i}")},
        )
        for i in range(count)
    ]
    return write_dists(folder, *dists)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        site = make_site(Path(tmp) / "site")
        env = dict(os.environ)
        # Measure as installed: with bytecode caches (pip compiles them at install time). The
        # warm-up run of each command writes any that are missing.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env = dict(
            env,
            HOME=str(home),
            TAKOPI_CONFIG=str(home / ".takopi" / "takopi.toml"),
            PYTHONPATH=str(site),
        )
        if importlib.util.find_spec("typer") is None:
            sys.exit("the --help baseline imports typer: pip install -e '.[bench]' (or typer)")
        t = {
            "pass": median_seconds([py, "-c", "pass"], env, args.runs, check_timed=False),
            "typer": median_seconds([py, "-c", "import typer"], env, args.runs, check_timed=False),
            "help": median_seconds(
                [py, "-m", "takopi_core", "--help"], env, args.runs, check_timed=False
            ),
            "eps": median_seconds(
                [py, "-c", "import importlib.metadata as m; m.entry_points()"],
                env,
                args.runs,
                check_timed=False,
            ),
            "plugins": median_seconds(
                [py, "-m", "takopi_core", "plugins"], env, args.runs, check_timed=False
            ),
            "in_process": median_seconds([py, "-c", IN_PROCESS], env, args.runs, check_timed=False),
            "probe": median_seconds([py, "-c", VIA_PROBE], env, args.runs, check_timed=False),
        }
    ms = {key: value * 1000 for key, value in t.items()}
    probe_budget = 1.5 * t["in_process"] + t["pass"]
    rows = [
        ("takopi --help / import typer", t["help"] / t["typer"], 0.5),
        ("takopi plugins (20) / entry_points()", t["plugins"] / t["eps"], 1.3),
        ("probe (20) / (1.5 x in-process + 1 interpreter)", t["probe"] / probe_budget, 1.0),
    ]
    print(f"median of {args.runs} runs, ms: " + ", ".join(f"{k}={v:.1f}" for k, v in ms.items()))
    print(f"takopi --help / python -c pass: {t['help'] / t['pass']:.2f}x")
    failed = False
    for label, ratio, target in rows:
        verdict = "ok" if ratio <= target else "OVER TARGET"
        failed |= ratio > target
        print(f"{label}: {ratio:.2f}x (target <= {target}x) {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
