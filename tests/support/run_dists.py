"""Fake engines, transports and commands as real distributions, for the run-path tests.

A fake engine is a distribution whose ``EngineBackend`` builds a ``JsonlSubprocessRunner``
over a small fake CLI: an executable script the test writes into a ``bin`` folder put on
PATH (so the host's "is the CLI installed" check is the real one). The plugin module uses
only ``takopi.api``, like a third-party plugin.

The fake CLI reads the prompt on stdin and answers ``<engine> answered: <prompt>``; a resumed
run (``--resume ID``) keeps the session id and says ``(resumed ID)``. Words in the prompt
steer it: ``sleep`` makes it hang until killed, ``fail`` exits 3 with a message on stderr,
``slow`` spaces its events by ``FAKE_ENGINE_DELAY`` seconds (default 0.3), ``together``
waits until a second engine has started too (files in ``$FAKE_ENGINE_RENDEZVOUS``) and
answers ``(alone)`` if none comes within 10 s. Every start is appended to
``$FAKE_ENGINE_LOG`` when set, so tests can see what ran.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, TRANSPORT_GROUP, Dist
from support.templates import command_source, transport_source

FAKE_CLI = """\
#!{python}
import json, os, sys, time, uuid

engine = os.path.basename(sys.argv[0])
args = sys.argv[1:]
resume = args[args.index("--resume") + 1] if "--resume" in args else None
prompt = sys.stdin.read().strip()
session = resume or engine + "-" + uuid.uuid4().hex[:8]
log = os.environ.get("FAKE_ENGINE_LOG")
if log:
    with open(log, "a") as handle:
        handle.write(json.dumps({{"engine": engine, "pid": os.getpid(), "prompt": prompt,
                                 "resume": resume, "cwd": os.getcwd()}}) + "\\n")
delay = float(os.environ.get("FAKE_ENGINE_DELAY", "0.3")) if "slow" in prompt else 0.0
rendezvous = os.environ.get("FAKE_ENGINE_RENDEZVOUS")
if rendezvous and "together" in prompt:
    # Proves runs overlap: each waits (up to 10 s) until two engines have arrived.
    open(os.path.join(rendezvous, engine + ".started"), "w").close()
    deadline = time.time() + 10
    while len(os.listdir(rendezvous)) < 2 and time.time() < deadline:
        time.sleep(0.02)
    if len(os.listdir(rendezvous)) < 2:
        prompt += " (alone)"

def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\\n")
    sys.stdout.flush()
    time.sleep(delay)

emit({{"type": "session", "id": session}})
emit({{"type": "action", "id": "think", "kind": "command", "title": "think hard",
       "phase": "started"}})
if "sleep" in prompt:
    time.sleep(600)
if "fail" in prompt:
    sys.stderr.write("fake engine exploded\\n")
    sys.exit(3)
emit({{"type": "action", "id": "think", "kind": "command", "title": "think hard",
       "phase": "completed", "ok": True}})
answer = engine + " answered: " + prompt
if resume:
    answer += " (resumed " + resume + ")"
emit({{"type": "result", "answer": answer}})
"""

ENGINE_MODULE = """
from __future__ import annotations

import re
from pathlib import Path

from takopi.api import (
    ConfigError,
    EngineBackend,
    EngineConfig,
    EventFactory,
    JsonlSubprocessRunner,
    ResumeToken,
    Runner,
)

ENGINE = "{engine}"


class State:
    def __init__(self) -> None:
        self.factory = EventFactory(ENGINE)
        self.note_seq = 0


class FakeRunner(JsonlSubprocessRunner):
    terminate_grace_s = 0.5

    def __init__(self, cli: str) -> None:
        self.engine = ENGINE
        self.cli = cli
        self.resume_re = re.compile(
            rf"^\\s*`?{{ENGINE}} resume (?P<token>[\\w-]+)`?\\s*$", re.MULTILINE
        )

    def format_resume(self, token: ResumeToken) -> str:
        return f"`{{ENGINE}} resume {{token.value}}`"

    def is_resume_line(self, line: str) -> bool:
        return bool(self.resume_re.match(line))

    def extract_resume(self, text: str | None) -> ResumeToken | None:
        found = None
        for match in self.resume_re.finditer(text or ""):
            found = match.group("token")
        return ResumeToken(ENGINE, found) if found else None

    def command(self) -> str:
        return self.cli

    def build_args(self, prompt, resume, *, state):
        return ["--resume", resume.value] if resume is not None else []

    def new_state(self, prompt, resume):
        return State()

    def translate(self, data, *, state, resume, found_session):
        factory = state.factory
        if data["type"] == "session":
            return [factory.started(ResumeToken(ENGINE, data["id"]))]
        if data["type"] == "action":
            return [
                factory.action(
                    phase=data["phase"],
                    action_id=data["id"],
                    kind=data["kind"],
                    title=data["title"],
                    ok=data.get("ok"),
                )
            ]
        if data["type"] == "result":
            return [factory.completed_ok(answer=data["answer"], resume=found_session)]
        raise ValueError(f"unknown event {{data['type']!r}}")


def build_runner(config: EngineConfig, config_path: Path) -> Runner:
    model = config.get("model", "default")
    if not isinstance(model, str):
        raise ConfigError(f"model must be a string, got {{type(model).__name__}}")
    return FakeRunner(config.get("cli", ENGINE))


BACKEND = EngineBackend(
    id=ENGINE,
    build_runner=build_runner,
    cli_cmd=ENGINE,
    install_cmd="pip install {engine}-cli",
)
"""


def fake_engine(engine: str, *, dist_name: str | None = None) -> Dist:
    """A distribution providing engine ``engine`` (module ``fake_<engine>``)."""
    return Dist(
        name=dist_name or f"takopi-engine-{engine}",
        entry_points={ENGINE_GROUP: {engine: f"fake_{engine}.backend:BACKEND"}},
        files={f"fake_{engine}/backend.py": ENGINE_MODULE.format(engine=engine)},
    )


def write_fake_cli(bin_dir: Path, engine: str) -> Path:
    """The fake CLI ``engine`` as an executable in ``bin_dir``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / engine
    path.write_text(FAKE_CLI.format(python=sys.executable), encoding="utf-8")
    path.chmod(0o755)
    return path


@contextlib.contextmanager
def activated(site: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make ``site``'s distributions importable in this process and ``bin_dir`` the first
    PATH entry; forget the fake plugin modules afterwards (module names repeat across tests).
    """
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PATH", path_with(bin_dir))
    importlib.invalidate_caches()
    before = set(sys.modules)
    try:
        yield
    finally:
        for name in set(sys.modules) - before:
            if name.startswith("fake_"):
                del sys.modules[name]


def path_with(bin_dir: Path) -> str:
    return os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])


def command_dist(command_id: str, body: str, *, dist_name: str | None = None) -> Dist:
    """A command plugin whose ``handle(self, ctx)`` body is ``body`` (indented for you)."""
    module = f"fake_cmd_{command_id}"
    code = command_source(command_id, description=f"test command {command_id}", handle=body)
    return Dist(
        name=dist_name or f"takopi-command-{command_id.replace('_', '-')}",
        entry_points={COMMAND_GROUP: {command_id: f"{module}.backend:BACKEND"}},
        files={f"{module}/backend.py": code},
    )


def locking_transport(transport_id: str = "locky", *, config_kw: str = "_config_path") -> Dist:
    """A transport that writes ``ready_file``, holds the lock ``hold`` seconds (or dies with
    ``crash = true``), all from ``[transports.<id>]``; its lock token is ``token``."""
    module = f"fake_tr_{transport_id}"
    code = transport_source(
        transport_id,
        class_name="LockingTransport",
        description="test transport that holds the lock for a while",
        imports="""
            import os
            import time
            from pathlib import Path
        """,
        lock_token_params=f"*, transport_config, {config_kw}",
        lock_token='return transport_config.get("token")',
        build_and_run_params=(
            "*, transport_config, config_path, runtime, final_notify, default_engine_override"
        ),
        build_and_run="""
            ready = transport_config.get("ready_file")
            if ready:
                Path(ready).write_text(str(os.getpid()))
            if transport_config.get("crash"):
                os._exit(9)
            time.sleep(float(transport_config.get("hold", 0)))
            print("ran", runtime.default_engine, final_notify, default_engine_override)
        """,
    )
    return Dist(
        name=f"takopi-transport-{transport_id}",
        entry_points={TRANSPORT_GROUP: {transport_id: f"{module}.backend:BACKEND"}},
        files={f"{module}/backend.py": code},
    )
