"""`takopi doctor` and `takopi setup --non-interactive`, as ratios against baselines measured
in the same run.

    .venv/bin/python benchmarks/bench_setup.py [--runs N]

With 20 test plugins installed (plus a transport declaring fields, with a validator):

1. `takopi doctor` against `takopi plugins --load` (one probe run over the same plugins).
   Doctor adds the config, mode, lock and PATH checks and the transport's check_setup in
   the same probe child. Target: at most 1.3x.
2. `takopi setup chatty --non-interactive ...` against `takopi plugins --load`: setup runs the
   probe (survey), the validators (a second child) and the check after writing (a third,
   over one plugin). Target: at most 3.0x.

Each figure is the median of N runs (default 9) of a fresh child process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.distfactory import ENGINE_GROUP, Dist, write_dists
from support.setup_plugins import CHATTY, FAKECLI, make_bin

ENGINE_CODE = """
from takopi.api import EngineBackend

def build_runner(config, config_path):
    raise NotImplementedError

BACKEND = EngineBackend(id="{id}", build_runner=build_runner)
"""


def time_command(argv: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site = root / "site"
        engines = [
            Dist(
                name=f"bench-engine-{n}",
                entry_points={ENGINE_GROUP: {f"bench{n}": f"bench{n}_engine.backend:BACKEND"}},
                files={f"bench{n}_engine/backend.py": ENGINE_CODE.format(id=f"bench{n}")},
            )
            for n in range(18)
        ]
        write_dists(site, *engines, CHATTY, FAKECLI)
        bin_dir = make_bin(root / "bin", "fakecli-bin")
        home = root / "home"
        config = home / ".takopi" / "takopi.toml"
        config.parent.mkdir(parents=True)
        config.write_text('transport = "chatty"\ndefault_engine = "fakecli"\n')
        env = dict(
            os.environ,
            HOME=str(home),
            TAKOPI_CONFIG=str(config),
            PYTHONPATH=str(site),
            PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        )
        takopi = [sys.executable, "-m", "takopi_core"]
        load = time_command([*takopi, "plugins", "--load"], env, args.runs)
        doctor = time_command([*takopi, "doctor"], env, args.runs)
        setup = time_command(
            [*takopi, "setup", "chatty", "--non-interactive", "bot_token=ok-bench"],
            env,
            args.runs,
        )
    print(
        f"median of {args.runs} runs, ms: plugins --load={load:.1f}, doctor={doctor:.1f}, "
        f"setup --non-interactive={setup:.1f}"
    )
    for name, value, target in (
        ("takopi doctor", doctor / load, 1.3),
        ("takopi setup --non-interactive", setup / load, 3.0),
    ):
        verdict = "ok" if value <= target else "SLOW"
        print(f"{name} / plugins --load: {value:.2f}x (target <= {target}x) {verdict}")


if __name__ == "__main__":
    main()
