"""The built-in Pi engine: recorded `pi --print --mode json` streams through the real runner
(a fake `pi` replays them), session files, invocation, environment, config, resume lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.engine_clis import brief, collect, fake_cli_in, golden, read_log

from takopi_core.builtins.engines.options import EngineRunOptions, run_options
from takopi_core.builtins.engines.pi import BACKEND, PiRunner, build_runner, session_dir
from takopi_core.errors import ConfigError
from takopi_core.run.model import ResumeToken

SHORT = "3f2a9c1e"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("PI_CODING_AGENT_DIR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("CI", raising=False)
    return fake_cli_in(tmp_path, monkeypatch, "pi")


def runner_for(tmp_path: Path, config: dict | None = None) -> PiRunner:
    runner = build_runner(config or {}, tmp_path / "takopi.toml")
    runner.pi_cmd = str(tmp_path / "bin" / "pi")
    return runner


async def replay(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stream: Path,
    resume: ResumeToken | None = None,
    config: dict | None = None,
    prompt: str = "fix the dates",
) -> list:
    monkeypatch.setenv("FAKE_CLI_STREAM", str(stream))
    return await collect(runner_for(tmp_path, config).run(prompt, resume))


async def test_success_stream(fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The header's id becomes the short token; tool start/end pairs (and an end without a
    start); retry/compaction notices, unknown types and a bad line say nothing; agent_end,
    the last line without a newline, ends the run with the last assistant text and usage."""
    events = await replay(tmp_path, monkeypatch, golden("pi", "success"))
    assert [brief(e) for e in events] == [
        ("started", SHORT, "pi"),
        ("action", "tc_read", "tool", "started", None, "read: `src/dates.py`"),
        ("action", "tc_read", "tool", "completed", True, "read: `src/dates.py`"),
        ("action", "tc_bash", "command", "started", None, "pytest -q"),
        ("action", "tc_bash", "command", "completed", False, "pytest -q"),
        ("action", "tc_edit", "file_change", "started", None, "src/dates.py"),
        ("action", "tc_edit", "file_change", "completed", True, "src/dates.py"),
        ("action", "tc_orphan", "tool", "completed", True, "grep"),
        ("completed", True, "Dates are UTC now. All green.", None),
    ]
    assert events[0].meta == {"cwd": str(Path.cwd())}
    assert events[6].action.detail["changes"] == [
        {"path": str(Path.cwd() / "src/dates.py"), "kind": "update"}
    ]
    assert events[-1].resume == ResumeToken("pi", SHORT)
    assert events[-1].usage == {"input": 1000, "output": 45}


async def test_error_stop_reason_fails_the_run(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = await replay(tmp_path, monkeypatch, golden("pi", "error"))
    assert [brief(e) for e in events] == [
        ("started", SHORT, "pi"),
        ("completed", False, "Partial work.", "429 rate limited by provider"),
    ]


async def test_new_run_session_file_and_invocation(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    config = {"extra_args": ["--no-tools"], "provider": "anthropic", "model": "sonnet"}
    await replay(tmp_path, monkeypatch, golden("pi", "success"), config=config, prompt="-v x")
    (call,) = read_log(fake)
    session = call["argv"][call["argv"].index("--session") + 1]
    assert call["argv"] == [
        "--no-tools",
        "--print",
        "--mode",
        "json",
        "--provider",
        "anthropic",
        "--model",
        "sonnet",
        "--session",
        session,
        " -v x",  # a prompt starting with "-" is not read as a flag
    ]
    folder = session_dir(Path.cwd())
    assert Path(session).parent == folder and folder.is_dir()
    assert str(folder).startswith(str(isolated_home / ".pi" / "agent" / "sessions" / "--"))
    assert session.endswith(".jsonl")
    assert call["env"] == {"ANTHROPIC_API_KEY": None, "NO_COLOR": "1", "CI": "1"}
    assert call["stdin"] == ""


async def test_resumed_run_keeps_its_token(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = ResumeToken("pi", SHORT)
    stream = tmp_path / "r.jsonl"
    stream.write_text('{"type":"agent_start"}\n{"type":"agent_end","messages":[]}\n')
    with run_options(EngineRunOptions(model="opus", reasoning="high")):
        events = await replay(tmp_path, monkeypatch, stream, resume=token)
    assert [brief(e) for e in events] == [("started", SHORT, "pi"), ("completed", True, "", None)]
    (call,) = read_log(fake)
    assert call["argv"][-7:] == [
        "--model",
        "opus",
        "--thinking",
        "high",
        "--session",
        SHORT,
        "fix the dates",
    ]


async def test_endings_without_agent_end(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = tmp_path / "s.jsonl"
    stream.write_text('{"type":"session","id":"abcdef0123456789"}\n')
    events = await replay(tmp_path, monkeypatch, stream)
    assert [brief(e) for e in events] == [
        ("started", "abcdef01", "pi"),
        ("completed", False, "", "pi finished without an agent_end event"),
    ]
    monkeypatch.setenv("FAKE_CLI_RC", "2")
    events = await replay(tmp_path, monkeypatch, stream)
    assert events[-2].action.title == "pi failed (rc=2)."
    assert events[-1].error.startswith("pi failed (rc=2).")


def test_bad_config(tmp_path: Path) -> None:
    path = tmp_path / "takopi.toml"
    with pytest.raises(ConfigError) as caught:
        build_runner({"extra_args": [1], "provider": ""}, path)
    assert str(caught.value).splitlines() == [
        f"{path}: `pi.extra_args` must be a list of strings, found an array",
        f"{path}: `pi.provider` must not be empty",
    ]


def test_backend_and_resume_lines(tmp_path: Path) -> None:
    assert (BACKEND.id, BACKEND.cli_cmd, BACKEND.install_cmd) == (
        "pi",
        "pi",
        "npm install -g @mariozechner/pi-coding-agent",
    )
    runner = runner_for(tmp_path)
    assert runner.format_resume(ResumeToken("pi", SHORT)) == f"`pi --session {SHORT}`"
    spaced = ResumeToken("pi", "/home/me/my sessions/a.jsonl")
    line = runner.format_resume(spaced)
    assert line == '`pi --session "/home/me/my sessions/a.jsonl"`'
    assert runner.extract_resume(line) == spaced
    assert runner.extract_resume(f"pi --session other\n  `pi --session {SHORT}`") == ResumeToken(
        "pi", SHORT
    )
    assert runner.is_resume_line("PI --session x")
    assert not runner.is_resume_line("pi --session")
