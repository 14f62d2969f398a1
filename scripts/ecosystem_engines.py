"""Do the published engine plugins answer here? `takopi run --transport terminal` per engine.

Needs a virtualenv made by ``scripts/ecosystem.py --venv DIR`` (this project and the
published plugins installed; downloads, so not CI). For each published engine (cursor, kimi,
qoder) it puts a fake agent CLI on PATH that logs its argv and prints the stream-json lines
the real CLI prints, then drives the venv's ``takopi run --transport terminal --engine ID``
through piped stdin, three times:

1. a prompt: the answer and the engine's resume line must be shown;
2. ``/model set ...`` then a prompt: the model must reach the CLI's arguments;
3. the resume line pasted back: the CLI must be started on the same session.

It prints one row per engine (answers / resume line / /model / resumed) and exits 1 when a
check fails. ``scripts/ecosystem.py`` runs it too when those engines are installed.

    python scripts/ecosystem_engines.py --venv /tmp/eco-venv312
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

#: engine id -> the executable its runner starts. cursor runs ``script -qfc 'agent ...'``
#: (a pseudo-terminal for the agent), so the fake stands in for ``agent`` under the real
#: ``script``.
ENGINE_CLIS = {"cursor": "agent", "kimi": "kimi", "qoder": "qodercli"}

#: The session every fake starts; the resumed run must be asked to continue it.
SESSION = "sess-4b1d"

#: One fake for the three CLIs: they all print Claude-style stream-json. The fields each
#: plugin's schema requires (kimi and qoder want the result's timings and turn count, qoder
#: the assistant message's model) are present.
FAKE_AGENT = r"""#!{python}
import json, os, sys

cli = os.path.basename(sys.argv[0])
argv = sys.argv[1:]

def after(flag):
    return argv[argv.index(flag) + 1] if flag in argv else None

resume = after("-r") if cli == "qodercli" else after("--resume")
prompt = argv[-1] if argv else ""
with open(os.environ["FAKE_AGENT_LOG"], "a", encoding="utf-8") as handle:
    handle.write(json.dumps({"cli": cli, "argv": argv, "prompt": prompt, "resume": resume}) + "\n")
session = resume or "{session}"
answer = (f"{cli} resumed {session}: " if resume else f"{cli} answered: ") + prompt
lines = [
    {"type": "system", "subtype": "init", "session_id": session, "model": "fake-model"},
    {"type": "assistant", "session_id": session,
     "message": {"role": "assistant", "model": "fake-model",
                 "content": [{"type": "text", "text": answer}]}},
    {"type": "result", "subtype": "success", "is_error": False, "result": answer,
     "session_id": session, "duration_ms": 5, "duration_api_ms": 4, "num_turns": 1},
]
for line in lines:
    sys.stdout.write(json.dumps(line) + "\n")
sys.stdout.flush()
"""


@dataclass
class EngineResult:
    """What one engine did in the three runs; ``problems`` empty when every check held."""

    engine: str
    answered: bool = False
    resume_line: str | None = None
    model_reached: bool = False
    resumed: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def write_fake_clis(bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    text = FAKE_AGENT.replace("{python}", sys.executable).replace("{session}", SESSION)
    for cli in ENGINE_CLIS.values():
        path = bin_dir / cli
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)


def chat(venv: Path, engine: str, lines: list[str], env: dict[str, str]) -> str:
    """The venv's takopi run --transport terminal with ``lines`` on stdin; its stdout."""
    done = subprocess.run(
        [str(venv / "bin" / "takopi"), "run", "--transport", "terminal", "--engine", engine],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"takopi run exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return done.stdout


def calls(log: Path) -> list[dict[str, object]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def check_engine(venv: Path, engine: str, work: Path) -> EngineResult:
    """Drive ``engine`` through the three runs in a fresh HOME under ``work``."""
    result = EngineResult(engine)
    home = work / engine
    bin_dir = home / "bin"
    write_fake_clis(bin_dir)
    log = home / "agent.log"
    env = dict(
        os.environ,
        HOME=str(home),
        TAKOPI_CONFIG=str(home / ".takopi" / "takopi.toml"),
        PATH=os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
        FAKE_AGENT_LOG=str(log),
        NO_COLOR="1",
    )
    env.pop("PYTHONPATH", None)
    cli = ENGINE_CLIS[engine]
    try:
        out = chat(venv, engine, ["hello there"], env)
        result.answered = f"{cli} answered: hello there" in out
        if not result.answered:
            result.problems.append("no answer shown")
        result.resume_line = next(
            (line.strip() for line in out.splitlines() if SESSION in line and "`" in line), None
        )
        if result.resume_line is None:
            result.problems.append("no resume line shown")

        chat(venv, engine, ["/model set fake-large", "once more"], env)
        argv = next((c["argv"] for c in calls(log) if c["prompt"] == "once more"), None)
        result.model_reached = isinstance(argv, list) and _model_in(argv, "fake-large")
        if not result.model_reached:
            result.problems.append(f"/model did not reach the CLI: {argv}")

        if result.resume_line is not None:
            out = chat(venv, engine, [result.resume_line], env)
            resumed = [c for c in calls(log) if c["resume"] == SESSION]
            result.resumed = bool(resumed) and f"resumed {SESSION}" in out
            if not result.resumed:
                result.problems.append("the pasted resume line did not resume the session")
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        result.problems.append(str(error))
    return result


def _model_in(argv: list[object], model: str) -> bool:
    # cursor's argv is `-qfc 'agent ... --model M ...' /dev/null`: the model is inside the
    # shell command string.
    words = [w for a in argv for w in str(a).split()]
    return any(w == "--model" and nxt == model for w, nxt in itertools.pairwise(words))


def installed_engines(venv: Path) -> list[str]:
    """The published engines whose entry point the venv has."""
    probe = (
        "from importlib.metadata import entry_points;"
        "print(' '.join(ep.name for ep in entry_points(group='takopi.engine_backends')))"
    )
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, check=False
    )
    found = set(done.stdout.split())
    return [engine for engine in ENGINE_CLIS if engine in found]


def table(results: list[EngineResult]) -> list[str]:
    def mark(flag: bool) -> str:
        return "yes" if flag else "no"

    lines = [
        "| engine | answers | resume line | /model reaches the CLI | resumed run | problems |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        line = (r.resume_line or "").replace("|", "\\|")
        lines.append(
            f"| {r.engine} | {mark(r.answered)} | {line or 'no'} | {mark(r.model_reached)} | "
            f"{mark(r.resumed)} | {'; '.join(r.problems)} |"
        )
    return lines


def run_checks(venv: Path) -> list[EngineResult]:
    with tempfile.TemporaryDirectory(prefix="takopi-engines-") as work:
        return [check_engine(venv, engine, Path(work)) for engine in installed_engines(venv)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--venv", type=Path, required=True, help="a virtualenv made by scripts/ecosystem.py"
    )
    args = parser.parse_args(argv)
    results = run_checks(args.venv)
    if not results:
        print("none of the published engines (cursor, kimi, qoder) is installed in the venv")
        return 1
    print("\n".join(table(results)))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
