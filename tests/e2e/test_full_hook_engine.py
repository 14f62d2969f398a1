"""An engine plugin written like the published ones, every hook overridden, end to end.

The published engine plugins (kimi, qoder, cursor) subclass ``JsonlSubprocessRunner`` and
override most of its hooks; kimi's runner is a slots dataclass mixing in
``ResumeTokenMixin``. The distribution here has two engines built that way, imported from
upstream's module layout (``takopi.runner``, ``takopi.model``, ``takopi.events``, ...):

- ``plainhook``: a plain subclass; ``slothook``: ``@dataclass(slots=True)`` with
  ``ResumeTokenMixin`` and its own ``resume_re``.

Each overrides ``command``, ``build_args``, ``stdin_payload``, ``env``, ``new_state``,
``start_run``, ``decode_jsonl``, ``decode_error_events``, ``invalid_json_events``,
``translate``, ``process_error_events``, ``stream_end_events`` and ``format_resume``, and
each hook leaves a trace the test can see: the fake CLI logs its argv, stdin and env; the
engine's own resume line, error texts and notes reach the terminal. They run through
``takopi run --transport terminal`` (piped stdin) in a child process.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from support.distfactory import ENGINE_GROUP, Dist, write_dists
from support.paths import run_takopi

ENGINE_MODULE = '''
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from takopi.backends import EngineBackend, EngineConfig
from takopi.events import EventFactory
from takopi.model import ActionEvent, CompletedEvent, ResumeToken, TakopiEvent
from takopi.runner import JsonlSubprocessRunner, ResumeTokenMixin, Runner
from takopi.runners.run_options import get_run_options

PREFIX = b"EV "


@dataclass
class HookState:
    factory: EventFactory
    prompt: str = ""
    note_seq: int = 0
    started_at_hook: bool = False
    lines: int = 0


class HookMethods:
    """The hooks both engines share; ``self.engine`` and ``self.cli`` come from the class."""

    def command(self) -> str:
        return self.cli

    def build_args(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> list[str]:
        args = ["--json-stream"]
        options = get_run_options()
        model = options.model if options is not None and options.model else self.model
        if model:
            args += ["--model", model]
        if resume is not None:
            args += ["--continue", resume.value]
        return args

    def stdin_payload(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> bytes:
        return json.dumps({"prompt": prompt, "engine": self.engine}).encode()

    def env(self, *, state: Any) -> dict[str, str]:
        env = dict(os.environ)
        env["HOOK_ENGINE"] = self.engine
        env.pop("HOOK_SECRET", None)
        return env

    def new_state(self, prompt: str, resume: ResumeToken | None) -> HookState:
        return HookState(factory=EventFactory(self.engine))

    def start_run(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> None:
        state.prompt = prompt
        state.started_at_hook = True

    def decode_jsonl(self, *, line: bytes) -> Any | None:
        # the CLI prefixes its events; other lines are chatter
        if not line.startswith(PREFIX):
            return None
        body = line[len(PREFIX):]
        if body.startswith(b"!"):
            raise ValueError("a frame marked broken")
        return json.loads(body)

    def decode_error_events(
        self, *, raw: bytes, line: str, error: Exception, state: Any
    ) -> list[TakopiEvent]:
        return [self.note_event(f"{self.engine}: undecodable frame ({error})", state=state)]

    def invalid_json_events(self, *, raw: bytes, line: str, state: Any) -> list[TakopiEvent]:
        return [self.note_event(f"{self.engine}: chatter skipped", state=state, ok=True)]

    def translate(
        self,
        data: Any,
        *,
        state: Any,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
    ) -> list[TakopiEvent]:
        state.lines += 1
        factory = state.factory
        kind = data.get("kind")
        if kind == "session":
            return [factory.started(ResumeToken(self.engine, data["id"]), title=self.engine)]
        if kind == "tool":
            return [factory.action_completed(
                action_id=data["id"], kind="command", title=data["title"], ok=True
            )]
        if kind == "answer":
            assert state.started_at_hook
            return [factory.completed_ok(
                answer=f"{data['text']} (lines={state.lines})",
                resume=found_session,
                usage={"turns": 1},
            )]
        return []

    def process_error_events(
        self,
        rc: int,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: Any,
    ) -> list[TakopiEvent]:
        message = f"{self.engine} crashed with rc={rc} while answering {state.prompt!r}"
        return [CompletedEvent(
            engine=self.engine, ok=False, answer="", resume=found_session or resume,
            error=message,
        )]

    def stream_end_events(
        self,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: Any,
    ) -> list[TakopiEvent]:
        return [CompletedEvent(
            engine=self.engine, ok=False, answer="", resume=found_session or resume,
            error=f"{self.engine} stream ended with no answer after {state.lines} events",
        )]

    def format_resume(self, token: ResumeToken) -> str:
        return f"`{self.engine} --continue {token.value}`"


class PlainHookRunner(HookMethods, JsonlSubprocessRunner):
    engine = "plainhook"

    def __init__(self, cli: str, model: str | None) -> None:
        self.cli = cli
        self.model = model
        self.resume_re = re.compile(
            r"(?im)^\\s*`?plainhook\\s+--continue\\s+(?P<token>[\\w-]+)`?\\s*$"
        )

    def is_resume_line(self, line: str) -> bool:
        return self.resume_re.match(line) is not None

    def extract_resume(self, text: str | None) -> ResumeToken | None:
        found = None
        for match in self.resume_re.finditer(text or ""):
            found = match.group("token")
        return ResumeToken(self.engine, found) if found else None


_SLOT_RE = re.compile(r"(?im)^\\s*`?slothook\\s+--continue\\s+(?P<token>[\\w-]+)`?\\s*$")


@dataclass(slots=True)
class SlotHookRunner(HookMethods, ResumeTokenMixin, JsonlSubprocessRunner):
    engine: str = "slothook"
    resume_re: re.Pattern[str] = _SLOT_RE
    cli: str = "slothook"
    model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _model(config: EngineConfig) -> str | None:
    model = config.get("model")
    return model if isinstance(model, str) else None


def build_plain(config: EngineConfig, config_path: Path) -> Runner:
    return PlainHookRunner(cli=str(config.get("cli_cmd", "plainhook")), model=_model(config))


def build_slot(config: EngineConfig, config_path: Path) -> Runner:
    return SlotHookRunner(cli=str(config.get("cli_cmd", "slothook")), model=_model(config))


PLAIN = EngineBackend(id="plainhook", build_runner=build_plain, cli_cmd="plainhook")
SLOT = EngineBackend(id="slothook", build_runner=build_slot, cli_cmd="slothook")
'''

#: The fake agent CLI: logs argv, stdin and env, then prints prefixed frames (and chatter,
#: a broken frame, a tool call) ending in an answer, unless the prompt asks it to crash
#: (exit 3 without an answer) or to stop short (exit 0 without an answer).
FAKE_CLI = r"""#!{python}
import json, os, sys
cli = os.path.basename(sys.argv[0])
argv = sys.argv[1:]
payload = json.loads(sys.stdin.read())
with open(os.environ["HOOK_LOG"], "a", encoding="utf-8") as handle:
    handle.write(json.dumps({
        "cli": cli, "argv": argv, "stdin": payload,
        "env": {k: os.environ.get(k) for k in ("HOOK_ENGINE", "HOOK_SECRET")},
    }) + "\n")
prompt = payload["prompt"].strip()
session = argv[argv.index("--continue") + 1] if "--continue" in argv else cli + "-s1"
def frame(obj):
    sys.stdout.write("EV " + json.dumps(obj) + "\n")
print("warming up the model...")
frame({"kind": "session", "id": session})
sys.stdout.write("EV !not a frame\n")
frame({"kind": "tool", "id": "t1", "title": "ls -la"})
frame({"kind": "mystery"})
sys.stdout.flush()
if prompt == "crash":
    sys.stderr.write("segfault in the agent\n")
    sys.exit(3)
if prompt == "short":
    sys.exit(0)
resumed = "--continue" in argv
model = argv[argv.index("--model") + 1] if "--model" in argv else "none"
text = f"{cli} {'resumed ' + session if resumed else 'answered'} [{model}]: {prompt}"
frame({"kind": "answer", "text": text})
"""

ENGINES = ("plainhook", "slothook")


@pytest.fixture
def hooked(site: Path, tmp_path: Path, config_path: Path) -> dict[str, str]:
    """The engine distribution on ``site``, both fake CLIs, a config naming them; the env."""
    write_dists(
        site,
        Dist(
            name="takopi-engine-hooks",
            entry_points={
                ENGINE_GROUP: {
                    "plainhook": "hook_engines.backend:PLAIN",
                    "slothook": "hook_engines.backend:SLOT",
                }
            },
            files={"hook_engines/__init__.py": "", "hook_engines/backend.py": ENGINE_MODULE},
        ),
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for engine in ENGINES:
        cli = bin_dir / engine
        cli.write_text(FAKE_CLI.replace("{python}", sys.executable), encoding="utf-8")
        cli.chmod(0o755)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(
        'default_engine = "plainhook"\n'
        f'[plainhook]\ncli_cmd = "{bin_dir / "plainhook"}"\nmodel = "small"\n'
        f'[slothook]\ncli_cmd = "{bin_dir / "slothook"}"\nmodel = "small"\n',
        encoding="utf-8",
    )
    return {
        # on PATH too: the host's setup check looks for the backend's cli_cmd there
        "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
        "HOOK_LOG": str(tmp_path / "hook.log"),
        "HOOK_SECRET": "must-not-leak",
    }


def chat(env: dict[str, str], site: Path, engine: str, lines: list[str]) -> str:
    done = run_takopi(
        "run",
        "--transport",
        "terminal",
        "--engine",
        engine,
        site=site,
        env=env,
        input="".join(f"{line}\n" for line in lines),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def calls(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """prompt -> what the CLI was started with."""
    log = Path(env["HOOK_LOG"])
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return {entry["stdin"]["prompt"].strip(): entry for entry in entries}


@pytest.mark.parametrize("engine", ENGINES)
def test_answer_resume_line_resumed_run_and_model_override(
    engine: str, hooked: dict[str, str], site: Path
) -> None:
    out = chat(hooked, site, engine, ["hello"])
    cli = engine  # the fake CLI is named after its engine
    # translate + decode_jsonl: chatter, the broken frame and the unknown kind were skipped,
    # so four frames reached translate before the answer (session, tool, mystery, answer)
    assert f"{cli} answered [small]: hello (lines=4)" in out
    resume_line = f"`{engine} --continue {cli}-s1`"  # format_resume, on a line of its own
    assert resume_line in out.splitlines()
    first = calls(hooked)["hello"]
    # command (cli_cmd), build_args, stdin_payload and env each left their trace
    assert first["cli"] == cli
    assert first["argv"] == ["--json-stream", "--model", "small"]
    assert first["stdin"] == {"prompt": "hello", "engine": engine}
    assert first["env"] == {"HOOK_ENGINE": engine, "HOOK_SECRET": None}

    out = chat(hooked, site, engine, [resume_line, "/model set large", "again"])
    assert f"{cli} resumed {cli}-s1 [small]: continue" in out
    assert f"{cli} answered [large]: again" in out
    assert f"chat model override set to `large` for `{engine}`." in out
    by_prompt = calls(hooked)
    assert by_prompt["continue"]["argv"] == [
        "--json-stream",
        "--model",
        "small",
        "--continue",
        f"{cli}-s1",
    ]
    assert by_prompt["again"]["argv"] == ["--json-stream", "--model", "large"]


@pytest.mark.parametrize("engine", ENGINES)
def test_crash_and_short_stream_end_with_the_engines_own_errors(
    engine: str, hooked: dict[str, str], site: Path
) -> None:
    out = chat(hooked, site, engine, ["crash", "short"])
    # process_error_events (non-zero exit) with the CLI's stderr shown beside it
    assert f"{engine} crashed with rc=3 while answering 'crash'" in out
    assert "segfault in the agent" in out
    # stream_end_events (exit 0, no answer)
    assert f"{engine} stream ended with no answer after 3 events" in out
    # the session was started, so even the failed runs print a resume line
    assert f"`{engine} --continue {engine}-s1`" in out.splitlines()


def test_the_slots_runner_really_has_slots(site: Path, hooked: dict[str, str]) -> None:
    """The slots variant is what it claims (kimi's shape): the dataclass made its fields
    slots (the bases, like kimi's, are ordinary classes, so instances still have a dict)."""
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from hook_engines.backend import SlotHookRunner;"
        "print(sorted(SlotHookRunner.__slots__))"
    )
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", probe, str(site)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(sorted(["engine", "resume_re", "cli", "model", "extra"]))
