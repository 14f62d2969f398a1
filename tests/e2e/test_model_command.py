"""``/model`` and ``/reasoning`` end to end: `takopi run --transport terminal` (piped stdin)
in a child process, against fake CLIs on PATH that log their argv: the overrides reach the
built-in codex engine's arguments and an engine plugin's, ``/model clear`` brings back the
CLI's own default (``[codex]`` has no model key, as upstream), and command plugins cannot take
the commands' ids."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from support.distfactory import ENGINE_GROUP, Dist, write_dists
from support.engine_clis import read_log, write_fake_cli
from support.paths import run_takopi
from support.run_dists import command_dist

THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53"
CODEX_STREAM = (
    f'{{"type":"thread.started","thread_id":"{THREAD}"}}\n'
    '{"type":"turn.started"}\n'
    '{"type":"item.completed","item":{"id":"i1","type":"agent_message",'
    '"text":"codex answered: {PROMPT}"}}\n'
    '{"type":"turn.completed","usage":{"input_tokens":1,"cached_input_tokens":0,'
    '"output_tokens":1}}\n'
)


@pytest.fixture
def codex_env(tmp_path: Path) -> dict[str, str]:
    """A fake `codex` on PATH replaying CODEX_STREAM and logging every start."""
    bin_dir = tmp_path / "bin"
    write_fake_cli(bin_dir, "codex")
    stream = tmp_path / "codex.jsonl"
    stream.write_text(CODEX_STREAM, encoding="utf-8")
    return {
        "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
        "FAKE_CLI_LOG": str(tmp_path / "cli.log"),
        "FAKE_CLI_STREAM": str(stream),
    }


def chat(env: dict[str, str], lines: list[str], *extra: str, site: Path | None = None) -> str:
    result = run_takopi(
        "run",
        "--transport",
        "terminal",
        *extra,
        env=env,
        site=site,
        input="".join(f"{line}\n" for line in lines),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def codex_calls(env: dict[str, str]) -> dict[str, list[str]]:
    """prompt -> the argv codex was started with (runs may overlap: matched by prompt)."""
    return {c["prompt"].strip(): c["argv"] for c in read_log(Path(env["FAKE_CLI_LOG"]))}


def write_config(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def flag(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def efforts(argv: list[str]) -> list[str]:
    return [a for a in argv if a.startswith("model_reasoning_effort=")]


def test_model_override_reaches_codex_and_show_reports_it(codex_env: dict[str, str]) -> None:
    out = chat(codex_env, ["/model set gpt-x", "/model", "first prompt"])
    assert "chat model override set to `gpt-x` for `codex`." in out
    assert (
        "engine: codex (global default)\n\nmodel: gpt-x (chat default)\n\n"
        "defaults: topic: none, chat: gpt-x\n\navailable engines: claude, codex, opencode, pi"
    ) in out
    assert "codex answered: first prompt" in out
    argv = codex_calls(codex_env)["first prompt"]
    assert flag(argv, "--model") == "gpt-x"
    assert argv.index("--model") < argv.index("exec")  # a global option, as upstream puts it


def test_model_clear_restores_the_cli_default(codex_env: dict[str, str], config_path: Path) -> None:
    # Not upstream's key: doctor reports it as unknown and the runner leaves it alone.
    write_config(config_path, '[codex]\nmodel = "cfg-model"\n')
    out = chat(
        codex_env,
        ["before", "/model set gpt-x", "during", "/model clear", "/model", "after"],
    )
    assert "chat model override cleared." in out
    assert "model: default (no override)" in out
    calls = codex_calls(codex_env)
    # each message runs with the overrides in force when it was sent, though all overlap
    assert {prompt: flag(argv, "--model") for prompt, argv in calls.items()} == {
        "before": None,
        "during": "gpt-x",
        "after": None,
    }


def test_reasoning_override_reaches_codex(codex_env: dict[str, str]) -> None:
    out = chat(
        codex_env,
        ["/reasoning set high", "/reasoning", "think", "/reasoning clear", "plain", "/help"],
    )
    assert "chat reasoning override set to `high` for `codex`." in out
    assert "reasoning: high (chat default)" in out
    assert "available levels: minimal, low, medium, high, xhigh" in out
    assert "/model [set|clear] ..." in out and "/reasoning [set|clear] ..." in out  # /help
    calls = codex_calls(codex_env)
    assert efforts(calls["think"]) == ["model_reasoning_effort=high"]
    assert calls["think"][calls["think"].index("model_reasoning_effort=high") - 1] == "-c"
    assert efforts(calls["plain"]) == []


def test_override_for_another_engine_leaves_codex_alone(codex_env: dict[str, str]) -> None:
    out = chat(codex_env, ["/model set claude opus", "/reasoning set opencode high", "hi"])
    assert "chat model override set to `opus` for `claude`." in out
    assert "reasoning is not supported for `opencode`." in out
    assert flag(codex_calls(codex_env)["hi"], "--model") is None


def test_resumed_run_gets_the_override(codex_env: dict[str, str]) -> None:
    chat(codex_env, ["/model set gpt-resume", f"`codex resume {THREAD}`"])
    argv = codex_calls(codex_env)["continue"]
    assert flag(argv, "--model") == "gpt-resume"
    assert argv[-3:] == ["resume", THREAD, "-"]


def test_command_plugin_runs_get_the_override(codex_env: dict[str, str], site: Path) -> None:
    """A command plugin's runs (through the executor) start with the chat's overrides."""
    write_dists(
        site,
        command_dist(
            "delegate",
            "await ctx.executor.run_one(RunRequest(prompt='from the command'))\nreturn None",
        ),
        command_dist("model", "return CommandResult(text='PLUGIN MODEL RAN')"),
    )
    out = chat(codex_env, ["/model set gpt-cmd", "/delegate", "/model"], site=site)
    assert flag(codex_calls(codex_env)["from the command"], "--model") == "gpt-cmd"
    assert "PLUGIN MODEL RAN" not in out  # `model` is reserved: the built-in answers
    assert "model: gpt-cmd (chat default)" in out


# --- an engine plugin written like the published ones ------------------------------------------

PLUGIN_ENGINE = """
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from takopi.api import EngineBackend, EngineConfig, EventFactory, ResumeToken
from takopi.runner import JsonlSubprocessRunner, ResumeTokenMixin
from takopi.runners.run_options import get_run_options

ENGINE = "kiwi"


@dataclass(slots=True)
class KiwiRunner(ResumeTokenMixin, JsonlSubprocessRunner):
    model: str | None = None
    engine: str = ENGINE
    resume_re: re.Pattern[str] = field(
        default_factory=lambda: re.compile(r"(?im)^`?kiwi --resume (?P<token>\\S+?)`?$")
    )

    def command(self) -> str:
        return "kiwi"

    def build_args(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> list[str]:
        options = get_run_options()
        args = ["--print"]
        model = self.model
        if options is not None and options.model:
            model = options.model
        if model:
            args += ["--model", model]
        if options is not None and options.reasoning:
            args += ["--effort", options.reasoning]
        return [*args, "--", prompt]

    def stdin_payload(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> bytes:
        return b""

    def new_state(self, prompt: str, resume: ResumeToken | None) -> EventFactory:
        return EventFactory(ENGINE)

    def translate(self, data, *, state, resume, found_session):
        if data["type"] == "init":
            return [state.started(ResumeToken(ENGINE, data["session"]), title="kiwi")]
        if data["type"] == "done":
            return [state.completed_ok(answer=data["text"], resume=found_session)]
        return []


def build_runner(config: EngineConfig, config_path: Path) -> KiwiRunner:
    model = config.get("model")
    return KiwiRunner(model=model if isinstance(model, str) else None)


BACKEND = EngineBackend(id=ENGINE, build_runner=build_runner, cli_cmd="kiwi")
"""

KIWI_CLI = """#!{python}
import json, os, sys
argv = sys.argv[1:]
with open(os.environ["KIWI_LOG"], "a", encoding="utf-8") as handle:
    handle.write(json.dumps(argv) + "\\n")
print(json.dumps({{"type": "init", "session": "kiwi-1"}}))
print(json.dumps({{"type": "done", "text": "kiwi says " + argv[-1]}}))
"""


def test_engine_plugin_reading_get_run_options_sees_the_override(
    tmp_path: Path, site: Path, config_path: Path
) -> None:
    import sys

    write_dists(
        site,
        Dist(
            name="takopi-engine-kiwi",
            entry_points={ENGINE_GROUP: {"kiwi": "takopi_kiwi.backend:BACKEND"}},
            files={"takopi_kiwi/backend.py": PLUGIN_ENGINE},
        ),
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cli = bin_dir / "kiwi"
    cli.write_text(KIWI_CLI.format(python=sys.executable), encoding="utf-8")
    cli.chmod(0o755)
    write_config(config_path, 'default_engine = "kiwi"\n[kiwi]\nmodel = "kiwi-small"\n')
    log = tmp_path / "kiwi.log"
    env = {"PATH": os.pathsep.join([str(bin_dir), os.environ["PATH"]]), "KIWI_LOG": str(log)}
    out = chat(
        env,
        ["one", "/model set kiwi-large", "two", "/reasoning set high", "/model clear", "three"],
        site=site,
    )
    assert "kiwi says one" in out and "kiwi says three" in out
    assert "chat model override set to `kiwi-large` for `kiwi`." in out
    # kiwi takes no reasoning level (upstream's table): refused, not passed on
    assert "reasoning is not supported for `kiwi`." in out
    calls: dict[str, list[Any]] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        argv = json.loads(line)
        calls[argv[-1]] = argv
    assert {prompt: flag(argv, "--model") for prompt, argv in calls.items()} == {
        "one": "kiwi-small",
        "two": "kiwi-large",
        "three": "kiwi-small",
    }
    assert all("--effort" not in argv for argv in calls.values())
