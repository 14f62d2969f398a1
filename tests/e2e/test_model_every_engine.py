"""``/model`` and ``/reasoning`` reach the CLI's arguments for every built-in engine.

`takopi run --transport terminal --engine E` (piped stdin) in a child process, against a fake
CLI on PATH that logs its argv and stdin (support.engine_clis). The flags are upstream
0.23.4's: ``--model M`` for all four; the reasoning level as ``-c model_reasoning_effort=R``
(codex), ``--effort R`` (claude) or ``--thinking R`` (pi); OpenCode takes no reasoning level
and ``/reasoning set`` says so, as upstream's does. A resumed run gets the overrides too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.engine_clis import read_log, write_fake_cli
from support.paths import run_takopi

#: engine -> a new run's stream (the fake fills {PROMPT}), in the CLI's own format.
STREAMS: dict[str, str] = {
    "codex": (
        '{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}\n'
        '{"type":"turn.started"}\n'
        '{"type":"item.completed","item":{"id":"i1","type":"agent_message",'
        '"text":"codex answered: {PROMPT}"}}\n'
        '{"type":"turn.completed","usage":{"input_tokens":1,"output_tokens":1}}\n'
    ),
    "claude": (
        '{"type":"system","subtype":"init","session_id":"8d1f2e3a-0b4c-4d5e-9f60-718293a4b5c6"}\n'
        '{"type":"result","subtype":"success","session_id":"8d1f2e3a-0b4c-4d5e-9f60-718293a4b5c6",'
        '"is_error":false,"result":"claude answered: {PROMPT}","duration_ms":1,'
        '"duration_api_ms":1,"num_turns":1}\n'
    ),
    "opencode": (
        '{"type":"step_start","sessionID":"ses_4a1b2c3d4e5f6g7h8i9j0kLMNO"}\n'
        '{"type":"text","sessionID":"ses_4a1b2c3d4e5f6g7h8i9j0kLMNO","part":'
        '{"text":"opencode answered: {PROMPT}"}}\n'
        '{"type":"step_finish","sessionID":"ses_4a1b2c3d4e5f6g7h8i9j0kLMNO","part":'
        '{"reason":"stop"}}\n'
    ),
    "pi": (
        '{"type":"session","id":"7e1d2c3b-5a69-4f80-9b1c-2d3e4f5a6b7c"}\n'
        '{"type":"agent_end","messages":[{"role":"assistant","content":'
        '[{"type":"text","text":"pi answered: {PROMPT}"}]}]}\n'
    ),
}
ENGINES = sorted(STREAMS)

#: engine -> a resume line in the form takopi renders, and its token.
RESUME_LINES: dict[str, tuple[str, str]] = {
    "codex": ("`codex resume thread-77`", "thread-77"),
    "claude": ("`claude --resume sess-77`", "sess-77"),
    "opencode": ("`opencode --session ses_77abc`", "ses_77abc"),
    "pi": ("`pi --session 77abc`", "77abc"),
}

#: engine -> the arguments a reasoning level of "high" becomes (None: not supported).
REASONING_ARGS: dict[str, list[str] | None] = {
    "codex": ["-c", "model_reasoning_effort=high"],
    "claude": ["--effort", "high"],
    "opencode": None,
    "pi": ["--thinking", "high"],
}


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """The four fake CLIs in tmp/bin; FAKE_CLI_STREAM is set per test."""
    bin_dir = tmp_path / "bin"
    for engine in ENGINES:
        write_fake_cli(bin_dir, engine)
    return {
        "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
        "FAKE_CLI_LOG": str(tmp_path / "cli.log"),
    }


def chat(engine: str, env: dict[str, str], tmp_path: Path, lines: list[str]) -> str:
    stream = tmp_path / f"{engine}.jsonl"
    stream.write_text(STREAMS[engine], encoding="utf-8")
    result = run_takopi(
        "run",
        "--transport",
        "terminal",
        "--engine",
        engine,
        env={**env, "FAKE_CLI_STREAM": str(stream)},
        input="".join(f"{line}\n" for line in lines),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def calls_by_prompt(env: dict[str, str]) -> dict[str, list[str]]:
    """prompt -> the argv the CLI was started with (runs may overlap: matched by prompt)."""
    return {c["prompt"].strip(): c["argv"] for c in read_log(Path(env["FAKE_CLI_LOG"]))}


def flag(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def has_run(argv: list[str], run: list[str]) -> bool:
    """Whether ``run`` appears in ``argv`` as consecutive arguments."""
    return any(argv[i : i + len(run)] == run for i in range(len(argv) - len(run) + 1))


@pytest.mark.parametrize("engine", ENGINES)
def test_model_override_reaches_the_cli_and_clear_removes_it(
    engine: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = chat(engine, cli_env, tmp_path, ["/model set m-1", "first", "/model clear", "after"])
    assert f"chat model override set to `m-1` for `{engine}`." in out
    assert f"{engine} answered: first" in out and f"{engine} answered: after" in out
    calls = calls_by_prompt(cli_env)
    assert flag(calls["first"], "--model") == "m-1"
    assert "--model" not in calls["after"]
    argv = calls["first"]
    if engine in ("opencode", "claude"):  # the prompt goes after "--", the model before it
        assert argv.index("--model") < argv.index("--")
    if engine == "pi":  # the prompt is the last argument, the session before it
        assert argv.index("--model") < argv.index("--session") < len(argv) - 1
    if engine == "codex":  # a global option, before the exec subcommand
        assert argv.index("--model") < argv.index("exec")


@pytest.mark.parametrize("engine", ENGINES)
def test_reasoning_override_reaches_the_cli_or_is_refused(
    engine: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = chat(engine, cli_env, tmp_path, ["/reasoning set high", "think"])
    argv = calls_by_prompt(cli_env)["think"]
    expected = REASONING_ARGS[engine]
    if expected is None:
        assert f"reasoning is not supported for `{engine}`." in out
        assert not any("high" in arg for arg in argv), argv
    else:
        assert f"chat reasoning override set to `high` for `{engine}`." in out
        assert has_run(argv, expected), argv
    assert f"{engine} answered: think" in out


@pytest.mark.parametrize("engine", ENGINES)
def test_resumed_run_gets_the_overrides(
    engine: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    line, token = RESUME_LINES[engine]
    lines = ["/model set m-resume"]
    if REASONING_ARGS[engine] is not None:
        lines.append("/reasoning set high")
    chat(engine, cli_env, tmp_path, [*lines, line])
    (call,) = read_log(Path(cli_env["FAKE_CLI_LOG"]))
    assert call["resume"] == token
    assert flag(call["argv"], "--model") == "m-resume"
    expected = REASONING_ARGS[engine]
    if expected is not None:
        assert has_run(call["argv"], expected), call["argv"]
