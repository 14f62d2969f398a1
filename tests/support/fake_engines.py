"""Fake engine CLIs for runner and bridge tests: real Python scripts run as child processes.

A test writes a script body with ``write_engine``; the script gets helpers ``emit(obj)`` (one
JSON line, flushed) and ``raw(text)`` (text as is, flushed), reads the prompt from stdin into
``PROMPT`` and sees ``--resume X`` as ``RESUME``. ``FakeRunner`` runs such a script through the
real ``JsonlSubprocessRunner`` and speaks this small protocol:

    {"type": "session", "id": "s1", ...}                 -> StartedEvent (extra keys in meta)
    {"type": "action", "id": "a1", "phase": "started",
     "kind": "command", "title": "ls", "ok": null}       -> ActionEvent
    {"type": "result", "ok": true, "answer": "hi"}       -> CompletedEvent
    anything else                                        -> translation error
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from takopi_core.run.events import EventFactory
from takopi_core.run.jsonl import JsonlSubprocessRunner
from takopi_core.run.model import ResumeToken, StartedEvent, TakopiEvent
from takopi_core.run.runner import ResumeTokenMixin

PREAMBLE = """\
import json, os, signal, subprocess, sys, time

def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\\n")
    sys.stdout.flush()

def raw(text):
    sys.stdout.write(text)
    sys.stdout.flush()

RESUME = sys.argv[sys.argv.index("--resume") + 1] if "--resume" in sys.argv else None
PROMPT = sys.stdin.read()
"""


def write_engine(folder: Path, name: str, body: str) -> Path:
    """Write a fake engine script ``name``.py into ``folder`` and return its path."""
    path = folder / f"{name}.py"
    path.write_text(PREAMBLE + textwrap.dedent(body), encoding="utf-8")
    return path


@dataclass
class FakeState:
    factory: EventFactory
    note_seq: int = 0


class FakeRunner(ResumeTokenMixin, JsonlSubprocessRunner):
    """Runs a fake engine script with the current interpreter."""

    def __init__(self, script: Path, *, engine: str = "fake", grace_s: float = 0.3) -> None:
        self.engine = engine
        self.script = script
        self.terminate_grace_s = grace_s

    def command(self) -> str:
        return sys.executable

    def build_args(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> list[str]:
        args = [str(self.script)]
        if resume is not None:
            args += ["--resume", resume.value]
        return args

    def new_state(self, prompt: str, resume: ResumeToken | None) -> FakeState:
        return FakeState(factory=EventFactory(self.engine))

    def translate(
        self,
        data: Any,
        *,
        state: Any,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
    ) -> list[TakopiEvent]:
        factory: EventFactory = state.factory
        kind = data["type"]
        if kind == "session":
            # Built directly (not via the factory) so the runner's own session checks are
            # what a second, different session id runs into.
            meta = {k: v for k, v in data.items() if k not in ("type", "id")}
            return [
                StartedEvent(self.engine, ResumeToken(self.engine, data["id"]), meta=meta or None)
            ]
        if kind == "action":
            return [
                factory.action(
                    phase=data.get("phase", "completed"),
                    action_id=data["id"],
                    kind=data.get("kind", "command"),
                    title=data.get("title", data["id"]),
                    detail=data.get("detail"),
                    ok=data.get("ok"),
                )
            ]
        if kind == "result":
            if data.get("ok", True):
                return [factory.completed_ok(answer=data.get("answer", ""), resume=found_session)]
            return [
                factory.completed_error(
                    error=data.get("error", "failed"),
                    answer=data.get("answer", ""),
                    resume=found_session,
                )
            ]
        raise ValueError(f"unknown event type {kind!r}")
