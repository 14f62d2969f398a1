"""Run-pipeline throughput, as ratios against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_runner.py [--lines N] [--runs R]

One fake engine (a real child process) prints N JSON lines (default 100,000: a session line,
N-2 action lines, a result line). Every figure is the median of R interleaved runs (default 5) of:

- baseline: spawn that child, read its stdout, split lines, ``json.loads`` each one (the
  least any JSONL runner must do);
- runner: the same child through ``JsonlSubprocessRunner`` (decode, translate to events,
  contract checks), events consumed directly;
- pipeline: ``handle_message`` over that runner with an in-memory transport (progress
  tracking, rendering, coalesced edits, final answer);
- pipeline, slow edits: the same, but every edit takes 5 ms, like a network round trip.

Printed: seconds, events/s, edits issued, and each time as a ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake_engines import FakeRunner, write_engine
from memory_transport import MemoryTransport

from takopi_core.run.bridge import ExecBridgeConfig, IncomingMessage, handle_message
from takopi_core.run.jsonl import iter_lines
from takopi_core.run.progress import MarkdownPresenter

ENGINE_BODY = """
n = int(sys.argv[1])
lines = [json.dumps({"type": "session", "id": "bench"})]
for i in range(1, n - 1):
    lines.append(json.dumps({"type": "action", "id": f"a{i % 500}", "kind": "command",
                             "title": f"make target-{i}", "phase": "completed", "ok": True}))
lines.append(json.dumps({"type": "result", "answer": "benchmark done"}))
sys.stdout.write("\\n".join(lines) + "\\n")
sys.stdout.flush()
"""


class BenchRunner(FakeRunner):
    """The fake engine with the line count as its first argument."""

    def __init__(self, script: Path, lines: int) -> None:
        super().__init__(script, engine="bench")
        self.lines = lines

    def build_args(self, prompt, resume, *, state):  # type: ignore[no-untyped-def]
        return [str(self.script), str(self.lines)]


class SlowTransport(MemoryTransport):
    async def edit(self, *, ref, message, wait=True):  # type: ignore[no-untyped-def]
        await anyio.sleep(0.005)
        return await super().edit(ref=ref, message=message, wait=wait)


async def baseline(runner: BenchRunner) -> dict[str, float]:
    proc = await anyio.open_process(
        [runner.command(), *runner.build_args("go", None, state=None)],
        stdin=-1,
        stdout=-1,
    )
    async with proc:
        assert proc.stdin is not None and proc.stdout is not None
        await proc.stdin.send(b"go")
        await proc.stdin.aclose()
        count = 0
        async for line in iter_lines(proc.stdout):
            json.loads(line)
            count += 1
        await proc.wait()
    return {"events": count, "edits": 0}


async def runner_only(runner: BenchRunner) -> dict[str, float]:
    count = 0
    async for _ in runner.run("go", None):
        count += 1
    return {"events": count, "edits": 0}


async def pipeline(runner: BenchRunner, transport: MemoryTransport) -> dict[str, float]:
    cfg = ExecBridgeConfig(transport=transport, presenter=MarkdownPresenter(), final_notify=False)
    await handle_message(
        cfg,
        runner=runner,
        incoming=IncomingMessage(channel_id=1, message_id=1, text="go"),
        resume_token=None,
    )
    final = transport.texts()[-1]
    assert final.startswith("done · bench"), final
    progress_edits = [call for call in transport.edits() if call.wait is False]
    # Every line is one event: session, actions, result.
    return {"events": runner.lines, "edits": len(progress_edits)}


Case = tuple[str, Callable[[], Awaitable[dict[str, float]]]]


def measure(cases: list[Case], runs: int) -> list[tuple[str, float, dict[str, float]]]:
    """Median seconds per case. Rounds are interleaved (every case once per round) so a
    change in machine load hits all cases alike and the ratios stay meaningful."""
    for _, make in cases:
        anyio.run(make)  # warm-up
    samples: list[list[float]] = [[] for _ in cases]
    stats: list[dict[str, float]] = [{} for _ in cases]
    for _ in range(runs):
        for index, (_, make) in enumerate(cases):
            start = time.perf_counter()
            stats[index] = anyio.run(make)
            samples[index].append(time.perf_counter() - start)
    return [
        (label, statistics.median(samples[index]), stats[index])
        for index, (label, _) in enumerate(cases)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        script = write_engine(Path(tmp), "bench_engine", ENGINE_BODY)
        runner = BenchRunner(script, args.lines)
        cases: list[Case] = [
            ("baseline: json.loads loop", lambda: baseline(runner)),
            ("JsonlSubprocessRunner", lambda: runner_only(runner)),
            ("handle_message, in-memory", lambda: pipeline(runner, MemoryTransport())),
            ("handle_message, 5 ms edits", lambda: pipeline(runner, SlowTransport())),
        ]
        rows = measure(cases, args.runs)
    base = rows[0][1]
    print(
        f"{args.lines:,} JSONL lines, median of {args.runs} runs (Python {sys.version.split()[0]})"
    )
    print(f"{'':28} {'seconds':>8} {'events/s':>10} {'edits':>6} {'ratio':>6}")
    for label, seconds, stats in rows:
        print(
            f"{label:28} {seconds:8.3f} {stats['events'] / seconds:10,.0f} "
            f"{int(stats['edits']):6d} {seconds / base:5.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
