"""The built-in Claude Code engine: recorded stream-json through the real runner (a fake
`claude` replays them in a child process), invocation, environment, config, resume lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.engine_clis import brief, collect, fake_cli_in, golden, read_log

from takopi_core.builtins.engines.claude import BACKEND, ClaudeRunner, build_runner
from takopi_core.builtins.engines.options import EngineRunOptions, run_options
from takopi_core.errors import ConfigError
from takopi_core.run.model import ResumeToken

SESSION = "3a7d9f20-6c41-4b8e-a2d5-91e0c4b7f6aa"
DENIED = "e41b0c77-0d2a-4f0e-9c3b-5a6d7e8f9012"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return fake_cli_in(tmp_path, monkeypatch, "claude")


def runner_for(tmp_path: Path, config: dict | None = None) -> ClaudeRunner:
    runner = build_runner(config or {}, tmp_path / "takopi.toml")
    runner.claude_cmd = str(tmp_path / "bin" / "claude")
    return runner


async def replay(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    *,
    resume: ResumeToken | None = None,
    config: dict | None = None,
) -> list:
    monkeypatch.setenv("FAKE_CLI_STREAM", str(golden("claude", name)))
    return await collect(runner_for(tmp_path, config).run("fix the date test", resume))


async def test_success_stream(fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Other system subtypes, stream_event, an unknown content block, a bad line: nothing;
    the tool calls next to an unknown block survive; the result line has no newline."""
    events = await replay(tmp_path, monkeypatch, "success")
    assert [brief(e) for e in events] == [
        ("started", SESSION, "claude-sonnet-4-5"),
        (
            "action",
            "claude.thinking.1",
            "note",
            "completed",
            True,
            "I should look at the failing test output first.",
        ),
        ("action", "toolu_K1A", "command", "started", None, "pytest -q tests/test_dates.py"),
        ("action", "toolu_K1G", "tool", "started", None, "grep: tz=None"),
        ("action", "toolu_K1W", "web_search", "started", None, "python utc now"),
        ("action", "toolu_K1A", "command", "completed", True, "pytest -q tests/test_dates.py"),
        ("action", "toolu_K1G", "tool", "completed", True, "grep: tz=None"),
        ("action", "toolu_K1W", "web_search", "completed", False, "python utc now"),
        ("action", "toolu_K1B", "file_change", "started", None, "src/dates.py"),
        ("action", "toolu_K1T", "note", "started", None, "update todos"),
        ("action", "toolu_K1B", "file_change", "completed", True, "src/dates.py"),
        ("action", "toolu_K1T", "note", "completed", True, "update todos"),
        ("completed", True, "Fixed: timestamps are now created in UTC.", None),
    ]
    started = events[0]
    assert started.meta == {
        "cwd": str(Path.cwd()),
        "tools": ["Bash", "Read", "Edit", "Write", "Task"],
        "permissionMode": "default",
        "output_style": "default",
        "apiKeySource": "none",
        "mcp_servers": [],
    }
    assert events[1].action.detail == {"signature": "c2lnLWsxYQ=="}
    grep_done = events[6].action.detail
    assert grep_done["result_preview"] == "src/dates.py:3\nsrc/clock.py:9"
    assert grep_done["result_len"] == len("src/dates.py:3\nsrc/clock.py:9")
    edit = events[8].action.detail
    assert edit["changes"] == [{"path": str(Path.cwd() / "src/dates.py"), "kind": "update"}]
    final = events[-1]
    assert final.resume == ResumeToken("claude", SESSION)
    assert final.usage == {
        "total_cost_usd": 0.0213,
        "duration_ms": 15300,
        "duration_api_ms": 12100,
        "num_turns": 3,
        "usage": {"input_tokens": 2400, "output_tokens": 310},
    }


async def test_error_result_with_permission_denial(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = await replay(tmp_path, monkeypatch, "denied")
    assert [brief(e) for e in events] == [
        ("started", DENIED, "claude-sonnet-4-5"),
        ("action", "toolu_K2A", "file_change", "started", None, "/etc/app.conf"),
        ("action", "toolu_K2A", "file_change", "completed", False, "/etc/app.conf"),
        ("action", "claude.denied.1", "warning", "completed", False, "permission denied: Write"),
        (
            "completed",
            False,
            "",
            "claude run failed (error_during_execution): Permission denied for Write",
        ),
    ]


async def test_resumed_subagent_and_mcp_with_an_empty_result(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = await replay(
        tmp_path, monkeypatch, "resumed_subagent", resume=ResumeToken("claude", SESSION)
    )
    assert [brief(e) for e in events] == [
        ("started", SESSION, "claude-opus-4-1"),
        ("action", "toolu_K3A", "subagent", "started", None, "Survey timezone usage"),
        ("action", "toolu_K3B", "tool", "started", None, "read: `src/clock.py`"),
        ("action", "toolu_K3B", "tool", "completed", True, "read: `src/clock.py`"),
        ("action", "toolu_K3A", "subagent", "completed", True, "Survey timezone usage"),
        ("action", "toolu_K3C", "tool", "started", None, "mcp__tracker__get_ticket"),
        ("action", "toolu_K3C", "tool", "completed", True, "mcp__tracker__get_ticket"),
        # an empty success result falls back to the last assistant text
        ("completed", True, "Both call sites now use UTC, which closes APP-77.", None),
    ]
    assert events[2].action.detail["parent_tool_use_id"] == "toolu_K3A"


async def test_is_error_with_text_is_shown_once(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = tmp_path / "err.jsonl"
    stream.write_text(
        '{"type":"system","subtype":"init","session_id":"s1"}\n'
        '{"type":"result","subtype":"error_max_turns","session_id":"s1","is_error":true,'
        '"result":"Reached max turns"}\n'
    )
    monkeypatch.setenv("FAKE_CLI_STREAM", str(stream))
    events = await collect(runner_for(tmp_path).run("x", None))
    assert brief(events[-1]) == ("completed", False, "", "Reached max turns")


@pytest.mark.parametrize(
    ("lines", "rc", "expected"),
    [
        ("", 0, ("completed", False, "", "claude finished but no session_id was captured")),
        (
            '{"type":"system","subtype":"init","session_id":"s1"}\n'
            '{"type":"assistant","message":{"content":[{"type":"text","text":"half"}]}}\n',
            0,
            ("completed", False, "half", "claude finished without a result event"),
        ),
    ],
)
async def test_endings_without_a_result(
    fake: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lines: str,
    rc: int,
    expected: tuple,
) -> None:
    stream = tmp_path / "s.jsonl"
    stream.write_text(lines)
    monkeypatch.setenv("FAKE_CLI_STREAM", str(stream))
    events = await collect(runner_for(tmp_path).run("x", None))
    assert brief(events[-1]) == expected


async def test_crash_shows_rc_and_stderr(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope.jsonl"  # the fake crashes opening it: a traceback on stderr
    monkeypatch.setenv("FAKE_CLI_STREAM", str(missing))
    events = await collect(runner_for(tmp_path).run("x", None))
    assert events[-1].ok is False
    error = events[-1].error
    assert isinstance(error, str) and error.startswith("claude failed (rc=1).")
    assert "FileNotFoundError" in error


# --- invocation ------------------------------------------------------------------------------


async def test_invocation_prompt_after_dashdash_and_api_key_dropped(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    await replay(tmp_path, monkeypatch, "success")
    await replay(
        tmp_path,
        monkeypatch,
        "resumed_subagent",
        resume=ResumeToken("claude", SESSION),
        config={"use_api_billing": True, "allowed_tools": [], "model": "claude-opus-4-1"},
    )
    new, resumed = read_log(fake)
    assert new["argv"] == [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--allowedTools",
        "Bash,Read,Edit,Write",
        "--",
        "fix the date test",
    ]
    assert new["stdin"] == ""
    assert new["env"]["ANTHROPIC_API_KEY"] is None
    assert resumed["argv"] == [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--resume",
        SESSION,
        "--model",
        "claude-opus-4-1",
        "--",
        "fix the date test",
    ]
    assert resumed["env"]["ANTHROPIC_API_KEY"] == "sk-test"


def test_per_run_options_and_skip_permissions(tmp_path: Path) -> None:
    runner = runner_for(tmp_path, {"model": "sonnet", "dangerously_skip_permissions": True})
    with run_options(EngineRunOptions(model="opus", reasoning="max")):
        args = runner.build_args("-x", None, state=None)
    assert args == [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--model",
        "opus",
        "--allowedTools",
        "Bash,Read,Edit,Write",
        "--dangerously-skip-permissions",
        "--effort",
        "max",
        "--settings",
        '{"alwaysThinkingEnabled":true}',
        "--",
        "-x",
    ]


def test_bad_config(tmp_path: Path) -> None:
    path = tmp_path / "takopi.toml"
    with pytest.raises(ConfigError) as caught:
        build_runner({"use_api_billing": "yes", "allowed_tools": "Bash"}, path)
    assert str(caught.value).splitlines() == [
        f"{path}: `claude.allowed_tools` must be a list of strings, found a string",
        f"{path}: `claude.use_api_billing` must be true or false, found a string",
    ]


def test_backend_and_resume_lines(tmp_path: Path) -> None:
    assert (BACKEND.id, BACKEND.cli_cmd, BACKEND.install_cmd) == (
        "claude",
        "claude",
        "npm install -g @anthropic-ai/claude-code",
    )
    runner = runner_for(tmp_path)
    assert runner.format_resume(ResumeToken("claude", SESSION)) == f"`claude --resume {SESSION}`"
    assert runner.extract_resume(f"claude -r abc\n`claude --resume {SESSION}`") == ResumeToken(
        "claude", SESSION
    )
    assert runner.extract_resume("`claude -r abc`") == ResumeToken("claude", "abc")
    assert runner.is_resume_line("Claude -R abc")
    assert not runner.is_resume_line("claude --resume")
    assert not runner.is_resume_line("claude resume abc")
