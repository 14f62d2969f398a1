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

A second table does the same for the built-in Codex engine: a fake ``codex`` replays a
recorded-style ``codex exec --json`` stream of N lines (thread and turn lines, then commands
started and completed, todo-list updates, reasoning notes, agent messages), measured as

- codex baseline: that child, its lines split and ``json.loads``-ed;
- CodexRunner: the real runner (argv, stdin, decoding, translation to events);
- handle_message, codex: the runner under ``handle_message`` with an in-memory transport.

Target: the Codex pipeline at most 2.0x its baseline.
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

from support.fake_engines import FakeRunner, write_engine
from support.memory_transport import MemoryTransport

from takopi_core.builtins.engines.codex import CodexRunner
from takopi_core.config.engines import CodexSettings
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


#: A fake ``codex``: prints the stream file named by its last-but-one argument (the runner's
#: argv ends with ``-``; the file comes in as a global ``-c`` value) and reads stdin.
REPLAY_CODEX = """#!{python}
import sys
sys.stdin.read()
path = sys.argv[sys.argv.index("-c") + 1].split("=", 1)[1]
with open(path, "rb") as handle:
    sys.stdout.buffer.write(handle.read())
sys.stdout.flush()
"""


def codex_stream(lines: int) -> str:
    """``lines`` JSONL lines in the shape `codex exec --json` prints."""
    out = [
        json.dumps({"type": "thread.started", "thread_id": "0199a213-81c0-7800-8aa1-bbab2a035a53"}),
        json.dumps({"type": "turn.started"}),
    ]
    i = 0
    while len(out) < lines - 2:
        i += 1
        item_id = f"item_{i}"
        kind = i % 10
        if kind < 6:  # a command, started then completed
            command = f"bash -lc 'pytest -q tests/test_{i % 97}.py'"
            started = {
                "id": item_id,
                "type": "command_execution",
                "command": command,
                "aggregated_output": "",
                "exit_code": None,
                "status": "in_progress",
            }
            done = dict(
                started, aggregated_output="1 passed in 0.01s\n", exit_code=0, status="completed"
            )
            out.append(json.dumps({"type": "item.started", "item": started}))
            out.append(json.dumps({"type": "item.completed", "item": done}))
        elif kind < 8:
            items = [{"text": f"step {n}", "completed": n < i % 5} for n in range(5)]
            out.append(
                json.dumps(
                    {
                        "type": "item.updated",
                        "item": {"id": "todo", "type": "todo_list", "items": items},
                    }
                )
            )
        elif kind == 8:
            out.append(
                json.dumps(
                    {
                        "type": "item.completed",
                        "item": {
                            "id": item_id,
                            "type": "reasoning",
                            "text": f"**Checking module {i}**",
                        },
                    }
                )
            )
        else:
            out.append(
                json.dumps(
                    {
                        "type": "item.completed",
                        "item": {
                            "id": item_id,
                            "type": "agent_message",
                            "phase": "commentary",
                            "text": f"Looked at part {i}.",
                        },
                    }
                )
            )
    out = out[: lines - 2]
    out.append(
        json.dumps(
            {
                "type": "item.completed",
                "item": {
                    "id": "final",
                    "type": "agent_message",
                    "phase": "final_answer",
                    "text": "benchmark done",
                },
            }
        )
    )
    out.append(
        json.dumps(
            {
                "type": "turn.completed",
                "usage": {"input_tokens": 1, "cached_input_tokens": 0, "output_tokens": 1},
            }
        )
    )
    return "\n".join(out) + "\n"


def codex_runner(folder: Path, lines: int) -> CodexRunner:
    stream = folder / "codex.jsonl"
    stream.write_text(codex_stream(lines), encoding="utf-8")
    fake = folder / "codex"
    fake.write_text(REPLAY_CODEX.format(python=sys.executable), encoding="utf-8")
    fake.chmod(0o755)
    runner = CodexRunner(CodexSettings(extra_args=("-c", f"stream={stream}")))
    runner.codex_cmd = str(fake)
    return runner


async def codex_pipeline(runner: CodexRunner, lines: int) -> dict[str, float]:
    transport = MemoryTransport()
    cfg = ExecBridgeConfig(transport=transport, presenter=MarkdownPresenter(), final_notify=False)
    await handle_message(
        cfg,
        runner=runner,
        incoming=IncomingMessage(channel_id=1, message_id=1, text="go"),
        resume_token=None,
    )
    final = transport.texts()[-1]
    assert "benchmark done" in final, final
    progress_edits = [call for call in transport.edits() if call.wait is False]
    return {"events": lines, "edits": len(progress_edits)}


class SlowTransport(MemoryTransport):
    async def edit(self, *, ref, message, wait=True):  # type: ignore[no-untyped-def]
        await anyio.sleep(0.005)
        return await super().edit(ref=ref, message=message, wait=wait)


async def baseline(runner: BenchRunner | CodexRunner) -> dict[str, float]:
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


async def runner_only(runner: BenchRunner | CodexRunner) -> dict[str, float]:
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
        codex = codex_runner(Path(tmp), args.lines)
        codex_cases: list[Case] = [
            ("codex baseline: json.loads", lambda: baseline(codex)),
            ("CodexRunner", lambda: runner_only(codex)),
            ("handle_message, codex", lambda: codex_pipeline(codex, args.lines)),
        ]
        rows = measure(cases, args.runs)
        codex_rows = measure(codex_cases, args.runs)
    print(
        f"{args.lines:,} JSONL lines, median of {args.runs} runs (Python {sys.version.split()[0]})"
    )
    print_table(rows)
    print()
    print_table(codex_rows)
    return 0


def print_table(rows: list[tuple[str, float, dict[str, float]]]) -> None:
    base = rows[0][1]
    print(f"{'':28} {'seconds':>8} {'events/s':>10} {'edits':>6} {'ratio':>6}")
    for label, seconds, stats in rows:
        print(
            f"{label:28} {seconds:8.3f} {stats['events'] / seconds:10,.0f} "
            f"{int(stats['edits']):6d} {seconds / base:5.2f}x"
        )


if __name__ == "__main__":
    raise SystemExit(main())
