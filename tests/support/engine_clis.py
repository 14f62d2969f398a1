"""Fake agent CLIs (``codex``, ``claude``, ``opencode``, ``pi``) for the built-in engine tests.

A fake CLI is a real executable Python script. It appends what it was started with (argv,
stdin, cwd, a few env vars, its pid) as one JSON line to ``$FAKE_CLI_LOG``, then replays a
recorded stream byte for byte (``{RUN_DIR}`` replaced by its cwd, ``{PROMPT}`` by the prompt it
got, ``{RESUME}`` by the session it was asked to continue) and exits with ``$FAKE_CLI_RC``.

The stream is ``$FAKE_CLI_STREAM``, or, when ``$FAKE_CLI_DIR`` is set, ``new.jsonl`` or
``resume.jsonl`` from that folder (resumed when argv carries the engine's resume flag). A
prompt containing ``sleep`` makes it print the first line, write its pid to
``$FAKE_CLI_DIR/sleeping.pid`` and hang until killed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from takopi_core.run.model import ResumeToken, TakopiEvent

ENGINES_GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "engines"

FAKE_CLI = r"""#!{python}
import json, os, sys, time

engine = os.path.basename(sys.argv[0])
argv = sys.argv[1:]
stdin = sys.stdin.read()

def after(flag):
    return argv[argv.index(flag) + 1] if flag in argv else None

if engine == "codex":
    resume = after("resume")
    prompt = stdin
elif engine == "claude":
    resume = after("--resume")
    prompt = argv[-1]
elif engine == "opencode":
    resume = after("--session")
    prompt = argv[-1]
else:  # pi: every run names a session; a new run's is a file path
    session = after("--session") or ""
    resume = None if session.endswith(".jsonl") else session
    prompt = argv[-1]

log = os.environ.get("FAKE_CLI_LOG")
if log:
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({
            "engine": engine, "argv": argv, "stdin": stdin, "cwd": os.getcwd(),
            "pid": os.getpid(), "prompt": prompt, "resume": resume,
            "env": {k: os.environ.get(k) for k in ("ANTHROPIC_API_KEY", "NO_COLOR", "CI")},
        }) + "\n")

folder = os.environ.get("FAKE_CLI_DIR")
stream = os.environ.get("FAKE_CLI_STREAM")
if folder:
    stream = os.path.join(folder, "resume.jsonl" if resume else "new.jsonl")
text = open(stream, encoding="utf-8").read() if stream else ""
for key, value in (("{RUN_DIR}", os.getcwd()), ("{PROMPT}", json.dumps(prompt.strip())[1:-1]),
                   ("{RESUME}", resume or "")):
    text = text.replace(key, value)
if "sleep" in prompt:
    sys.stdout.write(text.splitlines()[0] + "\n")
    sys.stdout.flush()
    with open(os.path.join(folder or ".", "sleeping.pid"), "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(600)
sys.stdout.write(text)
sys.stdout.flush()
sys.exit(int(os.environ.get("FAKE_CLI_RC", "0")))
"""


def write_fake_cli(bin_dir: Path, engine: str) -> Path:
    """The fake CLI named ``engine`` in ``bin_dir`` (made executable)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / engine
    path.write_text(FAKE_CLI.replace("{python}", sys.executable), encoding="utf-8")
    path.chmod(0o755)
    return path


def fake_cli_in(tmp_path: Path, monkeypatch: Any, engine: str) -> Path:
    """A fake ``engine`` CLI in tmp/bin, the run dir tmp/work (the cwd); returns its argv log."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    log = tmp_path / "cli.log"
    monkeypatch.setenv("FAKE_CLI_LOG", str(log))
    write_fake_cli(tmp_path / "bin", engine)
    return log


def golden(engine: str, name: str) -> Path:
    return ENGINES_GOLDEN / engine / f"{name}.jsonl"


def read_log(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


async def collect(events: AsyncIterator[TakopiEvent]) -> list[TakopiEvent]:
    return [event async for event in events]


def run_events(runner: Any, prompt: str, resume: ResumeToken | None = None) -> AsyncIterator[Any]:
    return runner.run(prompt, resume)


def brief(event: Any) -> tuple[Any, ...]:
    """An event in one comparable tuple: (type, ...fields that identify it)."""
    if event.type == "started":
        return ("started", event.resume.value, event.title)
    if event.type == "action":
        return (
            "action",
            event.action.id,
            event.action.kind,
            event.phase,
            event.ok,
            event.action.title,
        )
    return ("completed", event.ok, event.answer, event.error)
