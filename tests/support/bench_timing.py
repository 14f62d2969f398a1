"""Shared by the benchmarks that time child processes (bench_cli, bench_probe,
bench_check_time): the median wall time of a command, and a plugin that hangs on import."""

from __future__ import annotations

import statistics
import subprocess
import time

from support.distfactory import ENGINE_GROUP, Dist

#: A plugin whose import never ends: what the probe's time limit is for.
HANG_DIST = Dist(
    name="bench-hang",
    entry_points={ENGINE_GROUP: {"hang": "bench_hang:BACKEND"}},
    files={"bench_hang/__init__.py": "import time\ntime.sleep(600)\n"},
)


def median_seconds(
    cmd: list[str], env: dict[str, str], runs: int, *, check_timed: bool = True
) -> float:
    """The median of ``runs`` timed runs of ``cmd``, after one untimed run that warms the
    caches (and must succeed). ``check_timed=False``: a timed run may exit non-zero."""
    subprocess.run(cmd, env=env, capture_output=True, check=True)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=check_timed)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
