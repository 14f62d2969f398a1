"""The built-in Codex engine: recorded `codex exec --json` streams through the real runner
(a fake `codex` replays them in a child process), invocation, config and resume lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.engine_clis import brief, collect, fake_cli_in, golden, read_log

from takopi_core.builtins.engines.codex import BACKEND, CodexRunner, build_runner
from takopi_core.builtins.engines.codex_stream import CodexStream
from takopi_core.builtins.engines.options import EngineRunOptions, run_options
from takopi_core.errors import ConfigError
from takopi_core.run.model import CompletedEvent, ResumeToken

THREAD = "5f0c2a9e-1b7d-4c3e-9a41-2d8e6f7b0c11"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake `codex` in tmp/bin; the run dir is tmp/work; returns the argv log."""
    return fake_cli_in(tmp_path, monkeypatch, "codex")


def runner_for(tmp_path: Path, config: dict | None = None) -> CodexRunner:
    runner = build_runner(config or {}, tmp_path / "takopi.toml")
    runner.codex_cmd = str(tmp_path / "bin" / "codex")
    return runner


async def replay(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    *,
    resume: ResumeToken | None = None,
    rc: int = 0,
) -> list:
    monkeypatch.setenv("FAKE_CLI_STREAM", str(golden("codex", name)))
    monkeypatch.setenv("FAKE_CLI_RC", str(rc))
    return await collect(runner_for(tmp_path).run("fix it", resume))


async def test_success_stream_every_item_type(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = await replay(tmp_path, monkeypatch, "success")
    assert [brief(e) for e in events] == [
        ("started", THREAD, "Codex"),
        ("action", "turn_0", "turn", "started", None, "turn started"),
        ("action", "item_0", "note", "started", None, "todo 0/2: Read config loader"),
        ("action", "item_1", "note", "completed", True, "**Locating the config loader**"),
        # the run dir prefix is cut from command titles
        ("action", "item_2", "command", "started", None, "bash -lc 'rg -n load_config app'"),
        ("action", "item_2", "command", "completed", True, "bash -lc 'rg -n load_config app'"),
        ("action", "item_3", "command", "started", None, "pytest -q"),
        ("action", "item_3", "command", "completed", False, "pytest -q"),
        (
            "action",
            "item_4",
            "file_change",
            "completed",
            True,
            "app/config.py, tests/test_config.py",
        ),
        ("action", "item_5", "tool", "started", None, "docs.search"),
        ("action", "item_5", "tool", "completed", True, "docs.search"),
        ("action", "item_6", "web_search", "started", None, "tomllib spec"),
        ("action", "item_6", "web_search", "completed", True, "tomllib spec"),
        ("action", "item_0", "note", "updated", None, "todo 1/2: Add validation"),
        ("action", "item_0", "note", "completed", True, "todo 2/2: done"),
        (
            "completed",
            True,
            "Added a schema check to `load_config` and a test for the missing-key case.",
            None,
        ),
    ]
    by_phase = {(e.action.id, e.phase): e for e in events if e.type == "action"}
    assert by_phase[("item_3", "completed")].action.detail == {"exit_code": 1, "status": "failed"}
    assert by_phase[("item_4", "completed")].action.detail == {
        "changes": [
            {"path": "app/config.py", "kind": "update"},
            {"path": "tests/test_config.py", "kind": "add"},
        ],
        "status": "completed",
        "error": None,
    }
    mcp = by_phase[("item_5", "completed")].action.detail
    assert mcp["result_summary"] == {"content_blocks": 2, "has_structured": True}
    assert "AAAA" not in repr(mcp)  # MCP content blocks are counted, never copied
    assert by_phase[("item_0", "started")].action.detail == {"done": 0, "total": 2}
    final = events[-1]
    assert isinstance(final, CompletedEvent)
    assert final.resume == ResumeToken("codex", THREAD)
    assert final.usage == {"input_tokens": 9120, "cached_input_tokens": 4096, "output_tokens": 388}


async def test_failed_turn_reconnects_and_warnings(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = await replay(tmp_path, monkeypatch, "failed_turn", resume=ResumeToken("codex", THREAD))
    assert [brief(e) for e in events] == [
        ("action", "codex.reconnect", "note", "started", None, "Reconnecting... 1/5"),
        ("action", "codex.reconnect", "note", "updated", None, "Reconnecting... 2/5"),
        ("started", THREAD, "Codex"),
        ("action", "turn_0", "turn", "started", None, "turn started"),
        ("action", "item_0", "web_search", "completed", True, "httpx retry transport example"),
        ("action", "item_1", "tool", "started", None, "issues.get_issue"),
        ("action", "item_1", "tool", "completed", False, "issues.get_issue"),
        ("action", "item_2", "warning", "completed", False, "mcp server issues is unavailable"),
        # a top-level error that is no reconnect is a warning, not the end of the run
        (
            "action",
            "codex.note.1",
            "warning",
            "completed",
            False,
            "model overloaded, retrying later",
        ),
        ("completed", False, "", "stream disconnected before completion"),
    ]
    assert events[0].action.detail == {"attempt": 1, "max": 5}
    assert events[6].action.detail["error_message"] == "upstream returned 503"
    assert events[-1].resume == ResumeToken("codex", THREAD)


async def test_phases_unknown_items_bad_lines_and_a_last_line_without_newline(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commentary is progress; collab_tool_call, an unknown item type, a line that is not
    JSON and a JSON array say nothing; the final line has no newline and still counts; a
    clean exit without turn.completed succeeds with final_answer over a later phase-less
    message."""
    events = await replay(tmp_path, monkeypatch, "phases_no_newline")
    assert [brief(e) for e in events] == [
        ("started", "0b9a7c1e-3d2f-4e5a-8b6c-7d8e9f0a1b2c", "Codex"),
        ("action", "turn_0", "turn", "started", None, "turn started"),
        ("action", "item_0", "note", "completed", True, "Checking the failing test first."),
        (
            "completed",
            True,
            "The test was flaky because of an unseeded RNG; it is seeded now.",
            None,
        ),
    ]
    assert events[2].action.detail == {"phase": "commentary"}
    assert events[-1].usage is None


def test_the_last_line_without_newline_is_the_answer_when_it_is_the_only_one() -> None:
    stream = CodexStream(base=Path("/w"))
    stream.feed({"type": "turn.started"}, resume=None, found_session=None)
    item = {"id": "a", "type": "agent_message", "text": "plain"}
    stream.feed({"type": "item.completed", "item": item}, resume=None, found_session=None)
    assert stream.answer == "plain"
    stream.feed({"type": "turn.started"}, resume=None, found_session=None)
    assert stream.answer == ""  # a new turn forgets the previous answer


async def test_nonzero_exit_without_result_shows_the_cli_error(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = tmp_path / "crash.jsonl"
    stream.write_text(f'{{"type":"thread.started","thread_id":"{THREAD}"}}\n')
    monkeypatch.setenv("FAKE_CLI_STREAM", str(stream))
    monkeypatch.setenv("FAKE_CLI_RC", "3")
    events = await collect(runner_for(tmp_path).run("x", None))
    assert brief(events[-2]) == (
        "action",
        "codex.note.1",
        "warning",
        "completed",
        False,
        "codex exec failed (rc=3).",
    )
    assert events[-1].ok is False
    assert events[-1].error.startswith("codex exec failed (rc=3).")


async def test_clean_exit_without_thread_id_fails(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    monkeypatch.setenv("FAKE_CLI_STREAM", str(empty))
    events = await collect(runner_for(tmp_path).run("x", None))
    assert [brief(e) for e in events] == [
        ("completed", False, "", "codex exec finished but no session_id/thread_id was captured")
    ]


async def test_a_resumed_run_reporting_another_thread_fails(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLI_STREAM", str(golden("codex", "success")))
    with pytest.raises(RuntimeError, match="expected other-thread"):
        await collect(runner_for(tmp_path).run("x", ResumeToken("codex", "other-thread")))


# --- invocation ------------------------------------------------------------------------------


async def test_invocation_new_and_resumed(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLI_STREAM", str(golden("codex", "success")))
    runner = runner_for(tmp_path)
    await collect(runner.run("-rf the prompt", None))
    await collect(runner.run("again", ResumeToken("codex", THREAD)))
    new, resumed = read_log(fake)
    assert new["argv"] == [
        "-c",
        "notify=[]",
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--color=never",
        "-",
    ]
    assert new["stdin"] == "-rf the prompt"  # the prompt goes on stdin, never in argv
    assert resumed["argv"][-3:] == ["resume", THREAD, "-"]
    assert resumed["stdin"] == "again"


def test_profile_and_per_run_options(tmp_path: Path) -> None:
    # `model` is not a [codex] key upstream (doctor reports it): only /model gives --model.
    runner = runner_for(tmp_path, {"profile": "work", "model": "gpt-5", "extra_args": []})
    state = runner.new_state("p", None)
    assert runner.build_args("p", None, state=state) == [
        "--profile",
        "work",
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--color=never",
        "-",
    ]
    assert state.title == "work"
    with run_options(EngineRunOptions(model="gpt-5-codex", reasoning="high")):
        args = runner.build_args("p", ResumeToken("codex", "t1"), state=state)
    assert args == [
        "--profile",
        "work",
        "--model",
        "gpt-5-codex",
        "-c",
        "model_reasoning_effort=high",
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--color=never",
        "resume",
        "t1",
        "-",
    ]


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"extra_args": ["--json"]}, "`codex.extra_args` must not contain '--json'"),
        ({"extra_args": ["--color=always"]}, "must not contain '--color=always'"),
        ({"extra_args": "-c x"}, "`codex.extra_args` must be a list of strings, found a string"),
        ({"profile": 3}, "`codex.profile` must be a string, found an integer"),
        ({"mode": "server"}, '`codex.mode` must be "app_server" or "exec", found \'server\''),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, table: dict, fragment: str) -> None:
    path = tmp_path / "takopi.toml"
    with pytest.raises(ConfigError) as caught:
        build_runner(table, path)
    assert str(caught.value).startswith(f"{path}: ")
    assert fragment in str(caught.value)


def test_backend_and_resume_lines(tmp_path: Path) -> None:
    assert (BACKEND.id, BACKEND.cli_cmd, BACKEND.install_cmd) == (
        "codex",
        "codex",
        "npm install -g @openai/codex",
    )
    runner = runner_for(tmp_path)
    token = ResumeToken("codex", THREAD)
    assert runner.format_resume(token) == f"`codex resume {THREAD}`"
    text = f"done\n`codex resume first`\n  CODEX RESUME {THREAD}  \n"
    assert runner.extract_resume(text) == token  # the last one wins; case and backticks vary
    assert runner.is_resume_line(f"`codex resume {THREAD}`")
    assert not runner.is_resume_line("codex resume")
    assert not runner.is_resume_line(f"please codex resume {THREAD}")
