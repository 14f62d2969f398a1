"""`takopi config set` on large configs: is an edit linear in the file's size?

    .venv/bin/python benchmarks/bench_config.py [--runs N] [--small MIB] [--large MIB]

Builds a config of many ``[projects.<alias>]`` tables (each with a comment and two keys) of
about ``--small`` MiB (default 1) and of just under the size cap (``--large``, default 7.9
MiB; the cap is 8 MiB), then times the real CLI, ``takopi config set default_engine claude``,
in a fresh child on a fresh copy of each file, and reads each child's peak resident memory.

Reports seconds and MiB of memory per MiB of config for both sizes and their ratio. Target:
the large file costs at most 1.5x per MiB what the small one does (roughly linear; the old
50 MB file took 2.5 minutes and 1.9 GB). Figures are medians of N runs (default 3),
alternating the sizes so machine noise hits both alike. A file over the cap is refused at
once: that is measured too (it must not read the file).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from takopi_core.config.toml import MAX_CONFIG_BYTES  # noqa: E402

MIB = 1024 * 1024

# The child runs the CLI in-process and reports "<seconds> <peak RSS KiB>" on stdout last.
CHILD = """
import resource, sys, time, contextlib, io
from takopi_core.cli import main
started = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    status = main(["config", "set", "default_engine", "claude"])
elapsed = time.perf_counter() - started
print(status, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def make_config(n_bytes: int) -> str:
    parts: list[str] = ['default_engine = "codex"\n\n']
    size = len(parts[0])
    index = 0
    while True:
        chunk = (
            f"# project {index}: a comment the edit must keep\n"
            f"[projects.p{index}]\n"
            f'path = "/srv/projects/p{index}"\n'
            'default_engine = "codex"\n\n'
        )
        if size + len(chunk) > n_bytes:
            break
        parts.append(chunk)
        size += len(chunk)
        index += 1
    return "".join(parts)


def one_run(source: Path, work: Path) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one `config set` on a fresh copy of ``source``."""
    config = work / "takopi.toml"
    shutil.copyfile(source, config)
    for leftover in ("takopi.toml.bak", "takopi.toml.lock"):
        (work / leftover).unlink(missing_ok=True)
    env = dict(os.environ, TAKOPI_CONFIG=str(config), HOME=str(work))
    out = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    status, seconds, rss_kib = out.split()[-3:]
    if status != "0":
        raise SystemExit(f"config set failed on {source} (status {status})")
    if 'default_engine = "claude"' not in config.read_text()[:200]:
        raise SystemExit("the edit did not land")
    return float(seconds), int(rss_kib) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--small", type=float, default=1.0, help="MiB")
    parser.add_argument("--large", type=float, default=7.9, help="MiB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-config-") as tmp:
        root = Path(tmp)
        work = root / "work"
        work.mkdir()
        sizes = {"small": int(args.small * MIB), "large": int(args.large * MIB)}
        if sizes["large"] > MAX_CONFIG_BYTES:
            raise SystemExit(f"--large must stay under the cap ({MAX_CONFIG_BYTES} bytes)")
        sources: dict[str, Path] = {}
        for name, size in sizes.items():
            sources[name] = root / f"{name}.toml"
            sources[name].write_text(make_config(size))
        times: dict[str, list[float]] = {name: [] for name in sizes}
        memory: dict[str, list[float]] = {name: [] for name in sizes}
        for _ in range(args.runs):
            for name in sizes:
                seconds, rss = one_run(sources[name], work)
                times[name].append(seconds)
                memory[name].append(rss)
        over = root / "over.toml"
        with over.open("wb") as handle:
            handle.truncate(MAX_CONFIG_BYTES + MIB)
        started = time.perf_counter()
        refused = subprocess.run(
            [sys.executable, "-m", "takopi_core", "config", "set", "a", "1"],
            capture_output=True,
            text=True,
            env=dict(os.environ, TAKOPI_CONFIG=str(over), HOME=str(work)),
        )
        refused_in = time.perf_counter() - started
    per_mib = {}
    for name, size in sizes.items():
        mib = size / MIB
        seconds = statistics.median(times[name])
        rss = statistics.median(memory[name])
        per_mib[name] = seconds / mib
        print(
            f"{name:>5}: {mib:5.2f} MiB  config set {seconds:6.2f} s "
            f"({seconds / mib:5.2f} s/MiB)  peak RSS {rss:7.1f} MiB ({rss / mib:5.1f} MiB/MiB)"
        )
    ratio = per_mib["large"] / per_mib["small"]
    print(f"cost per MiB, large / small: {ratio:.2f}x (target <= 1.5x)")
    print(
        f"over the cap ({(MAX_CONFIG_BYTES + MIB) / MIB:.0f} MiB): refused in {refused_in:.2f} s "
        f"with status {refused.returncode}: {refused.stderr.strip()[:120]}"
    )
    return 0 if ratio <= 1.5 and refused.returncode == 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
