"""Check-time benchmark: until every plugin is checked, 40 plugins of which one hangs.

    .venv/bin/python benchmarks/bench_check_time.py [--runs N] [--timeout SECONDS]

Measured in the same run, each the median of N runs (default 5) of a fresh child process
that starts the probe and waits for every result (what ``takopi plugins --load``,
``takopi doctor`` and the TUI's first check wait for):

- ``all``: the 40 plugins with the probe's pool (default size: one per core, at most 4);
  39 of them import in 0 to 300 ms (a few like heavy SDKs, most quick), one never returns
  and is stopped at the timeout (default 2 s);
- ``slowest``: the slowest of the 39 (300 ms) checked on its own, the same way;
- ``one_at_a_time``: the 40 with one checker (how the probe worked before the pool), for
  comparison.

The target (issue 14, point 3): ``all`` within 1.0x-1.2x of ``slowest`` plus the timeout,
i.e. a hang costs its own timeout once and the other plugins are checked meanwhile.
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
import time
time.sleep({seconds})  # stands for importing the plugin's SDK
from takopi.api import EngineBackend

BACKEND = EngineBackend(id="{id}", build_runner=lambda config, path: None)
"""
#: Import times of the 39 plugins that load, seconds: most quick, a few slow.
LOAD_TIMES = [0.3, 0.2, 0.15, 0.1, 0.1, 0.05, 0.05, 0.05] + [0.0] * 31
SLOWEST = "slow0"

CHECK = """
import sys, time
from takopi_core.plugins.discovery import discover
from takopi_core.plugins.probe import Probe
wanted = set(sys.argv[3].split(","))
entries = [e for e in discover().visible() if e.id in wanted or "all" in wanted and not e.builtin]
results = list(Probe(entries, timeout=float(sys.argv[2]), workers=int(sys.argv[1])).results())
assert len(results) == len(entries), (len(results), len(entries))
bad = [(r.id, r.message) for r in results if not r.ok and r.id != "hang"]
assert not bad, bad
assert all(r.error_type == "TimeoutError" for r in results if r.id == "hang")
"""


def make_site(folder: Path) -> Path:
    dists = [
        Dist(
            name=f"bench-slow-{i}",
            entry_points={ENGINE_GROUP: {f"slow{i}": f"bench_slow_{i}:BACKEND"}},
            files={
                f"bench_slow_{i}/__init__.py": PLUGIN_CODE.format(id=f"slow{i}", seconds=seconds)
            },
        )
        for i, seconds in enumerate(LOAD_TIMES)
    ]
    dists.append(HANG_DIST)
    return write_dists(folder, *dists)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=2.0, help="the probe's per-plugin limit")
    args = parser.parse_args()
    from takopi_core.plugins.probe import default_workers

    py, pool, timeout = sys.executable, str(default_workers()), str(args.timeout)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        home = Path(tmp) / "home"
        env.update(HOME=str(home), TAKOPI_CONFIG=str(home / ".takopi" / "takopi.toml"))
        env["PYTHONPATH"] = str(make_site(Path(tmp) / "site"))
        t = {
            "slowest": median_seconds([py, "-c", CHECK, "1", timeout, SLOWEST], env, args.runs),
            "all": median_seconds([py, "-c", CHECK, pool, timeout, "all"], env, args.runs),
            "one_at_a_time": median_seconds([py, "-c", CHECK, "1", timeout, "all"], env, 1),
        }
    baseline = t["slowest"] + args.timeout
    print(
        f"40 plugins (one hangs), timeout {args.timeout:g} s, pool of {pool}; "
        f"median of {args.runs} runs, ms: "
        + ", ".join(f"{key}={value * 1000:.0f}" for key, value in t.items())
    )
    ratio = t["all"] / baseline
    target = 1.2
    verdict = "ok" if ratio <= target else "OVER TARGET"
    print(
        f"every plugin checked, pool of {pool} / (the slowest alone + the timeout): "
        f"{ratio:.2f}x (target <= {target}x) {verdict}"
    )
    print(
        "for comparison, one checker at a time / (the slowest alone + the timeout): "
        f"{t['one_at_a_time'] / baseline:.2f}x"
    )
    return 0 if ratio <= target else 1


if __name__ == "__main__":
    raise SystemExit(main())
