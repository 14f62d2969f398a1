"""The built-in OpenCode engine: recorded `opencode run --format json` streams through the
real runner (a fake `opencode` replays them), invocation, config and resume lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.engine_clis import brief, collect, fake_cli_in, golden, read_log

from takopi_core.builtins.engines.opencode import BACKEND, OpenCodeRunner, build_runner
from takopi_core.builtins.engines.options import EngineRunOptions, run_options
from takopi_core.errors import ConfigError
from takopi_core.run.model import ResumeToken

SESSION = "ses_494719016ffe85dkDMj0FPRbHK"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return fake_cli_in(tmp_path, monkeypatch, "opencode")


def runner_for(tmp_path: Path, config: dict | None = None) -> OpenCodeRunner:
    runner = build_runner(config or {}, tmp_path / "takopi.toml")
    runner.opencode_cmd = str(tmp_path / "bin" / "opencode")
    return runner


async def replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream: Path, **kw: Any) -> list:
    monkeypatch.setenv("FAKE_CLI_STREAM", str(stream))
    resume = kw.get("resume")
    return await collect(runner_for(tmp_path).run("fix it", resume))


async def test_success_stream(fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tool states pending/running -> started, completed/error -> completed; a non-zero exit
    code fails a completed tool; text parts add up; `tool-calls` does not end the run, `stop`
    does; unknown types and a bad line say nothing; the last line has no newline."""
    events = await replay(tmp_path, monkeypatch, golden("opencode", "success"))
    assert [brief(e) for e in events] == [
        ("started", SESSION, "opencode"),
        ("action", "call_bash", "command", "started", None, "ls src"),
        ("action", "call_bash", "command", "completed", True, "ls src"),
        ("action", "call_edit", "file_change", "completed", True, "`src/dates.py`"),
        ("action", "call_test", "command", "completed", False, "pytest -q"),
        ("action", "call_fetch", "web_search", "completed", False, "https://example.invalid/doc"),
        ("action", "call_task", "tool", "started", None, "review the diff"),
        ("completed", True, "Dates now use UTC; one test still fails.", None),
    ]
    assert events[2].action.detail["output_preview"] == "clock.py\ndates.py\n"
    assert events[2].action.detail["exit_code"] == 0
    assert events[3].action.detail["changes"] == [
        {"path": str(Path.cwd() / "src/dates.py"), "kind": "update"}
    ]
    assert events[5].message == "fetch failed: ENOTFOUND"
    assert events[-1].resume == ResumeToken("opencode", SESSION)


async def test_error_line_ends_the_run(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = await replay(tmp_path, monkeypatch, golden("opencode", "error"))
    assert [brief(e) for e in events] == [
        ("started", SESSION, "opencode"),
        ("completed", False, "Looking", "Rate limit exceeded"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("completed", False, "", "opencode finished but no session_id was captured")),
        (
            f'{{"type":"step_start","sessionID":"{SESSION}"}}\n'
            f'{{"type":"text","sessionID":"{SESSION}","part":{{"text":"so far"}}}}\n',
            ("completed", False, "so far", "opencode finished without a result event"),
        ),
        (
            f'{{"type":"step_start","sessionID":"{SESSION}"}}\n'
            f'{{"type":"step_finish","sessionID":"{SESSION}","part":{{"reason":"tool-calls"}}}}\n',
            ("completed", True, "", None),
        ),
    ],
)
async def test_endings(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: tuple
) -> None:
    stream = tmp_path / "s.jsonl"
    stream.write_text(text)
    events = await replay(tmp_path, monkeypatch, stream)
    assert brief(events[-1]) == expected


async def test_invocation(fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_CLI_STREAM", str(golden("opencode", "success")))
    runner = runner_for(tmp_path, {"model": "anthropic/claude-sonnet-4"})
    await collect(runner.run("42", None))
    with run_options(EngineRunOptions(model="openai/gpt-5")):
        await collect(runner.run("-go", ResumeToken("opencode", SESSION)))
    new, resumed = read_log(fake)
    assert new["argv"] == [
        "run",
        "--format",
        "json",
        "--model",
        "anthropic/claude-sonnet-4",
        "--",
        "42.",  # a bare number would be read as one
    ]
    assert resumed["argv"] == [
        "run",
        "--format",
        "json",
        "--session",
        SESSION,
        "--model",
        "openai/gpt-5",
        "--",
        "-go",
    ]
    assert new["stdin"] == resumed["stdin"] == ""


def test_bad_config(tmp_path: Path) -> None:
    path = tmp_path / "takopi.toml"
    with pytest.raises(ConfigError, match=r"`opencode.model` must be a string, found an array"):
        build_runner({"model": ["x"]}, path)


def test_backend_and_resume_lines(tmp_path: Path) -> None:
    assert (BACKEND.id, BACKEND.cli_cmd, BACKEND.install_cmd) == (
        "opencode",
        "opencode",
        "npm install -g opencode-ai@latest",
    )
    runner = runner_for(tmp_path)
    token = ResumeToken("opencode", SESSION)
    assert runner.format_resume(token) == f"`opencode --session {SESSION}`"
    for line in (
        f"`opencode --session {SESSION}`",
        f"opencode run --session {SESSION}",
        f"opencode -s {SESSION}",
        f"  OpenCode run -s {SESSION}  ",
    ):
        assert runner.is_resume_line(line), line
        assert runner.extract_resume(line) == token
    assert not runner.is_resume_line("opencode --session notases")
