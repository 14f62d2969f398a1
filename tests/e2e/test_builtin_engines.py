"""The built-in engines end to end: `takopi run --transport terminal` (piped stdin) in a child
process, against fake `codex`, `claude`, `opencode` and `pi` CLIs on PATH that log their argv
and stdin and print their CLI's own stream format."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.engine_clis import read_log, write_fake_cli
from support.paths import run_takopi

CODEX_THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53"
CLAUDE_SESSION = "8d1f2e3a-0b4c-4d5e-9f60-718293a4b5c6"
OPENCODE_SESSION = "ses_4a1b2c3d4e5f6g7h8i9j0kLMNO"
PI_SESSION = "7e1d2c3b-5a69-4f80-9b1c-2d3e4f5a6b7c"

#: engine -> (new run's stream, resumed run's stream); {PROMPT}/{RESUME} filled by the fake.
STREAMS: dict[str, tuple[str, str]] = {
    "codex": (
        f'{{"type":"thread.started","thread_id":"{CODEX_THREAD}"}}\n'
        '{"type":"turn.started"}\n'
        '{"type":"item.started","item":{"id":"i0","type":"command_execution","command":"ls",'
        '"aggregated_output":"","exit_code":null,"status":"in_progress"}}\n'
        '{"type":"item.completed","item":{"id":"i0","type":"command_execution","command":"ls",'
        '"aggregated_output":"a\\n","exit_code":0,"status":"completed"}}\n'
        '{"type":"item.completed","item":{"id":"i1","type":"agent_message",'
        '"text":"codex answered: {PROMPT}"}}\n'
        '{"type":"turn.completed","usage":{"input_tokens":1,"cached_input_tokens":0,'
        '"output_tokens":1}}\n',
        '{"type":"thread.started","thread_id":"{RESUME}"}\n'
        '{"type":"turn.started"}\n'
        '{"type":"item.completed","item":{"id":"i0","type":"agent_message",'
        '"text":"codex resumed {RESUME}: {PROMPT}"}}\n'
        '{"type":"turn.completed","usage":{"input_tokens":1,"cached_input_tokens":0,'
        '"output_tokens":1}}\n',
    ),
    "claude": (
        f'{{"type":"system","subtype":"init","session_id":"{CLAUDE_SESSION}",'
        '"model":"claude-sonnet-4-5"}\n'
        '{"type":"assistant","message":{"role":"assistant","model":"m","content":'
        '[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}}]}}\n'
        '{"type":"user","message":{"role":"user","content":'
        '[{"type":"tool_result","tool_use_id":"t1","content":"a"}]}}\n'
        f'{{"type":"result","subtype":"success","session_id":"{CLAUDE_SESSION}",'
        '"is_error":false,"result":"claude answered: {PROMPT}","duration_ms":1,'
        '"duration_api_ms":1,"num_turns":1}\n',
        '{"type":"system","subtype":"init","session_id":"{RESUME}"}\n'
        '{"type":"result","subtype":"success","session_id":"{RESUME}","is_error":false,'
        '"result":"claude resumed {RESUME}: {PROMPT}","duration_ms":1,"duration_api_ms":1,'
        '"num_turns":1}\n',
    ),
    "opencode": (
        f'{{"type":"step_start","sessionID":"{OPENCODE_SESSION}"}}\n'
        f'{{"type":"tool_use","sessionID":"{OPENCODE_SESSION}","part":{{"callID":"c1",'
        '"tool":"bash","state":{"status":"completed","input":{"command":"ls"},"output":"a",'
        '"metadata":{"exit":0}}}}\n'
        f'{{"type":"text","sessionID":"{OPENCODE_SESSION}","part":{{"text":"opencode answered: '
        '{PROMPT}"}}\n'
        f'{{"type":"step_finish","sessionID":"{OPENCODE_SESSION}","part":{{"reason":"stop"}}}}\n',
        '{"type":"step_start","sessionID":"{RESUME}"}\n'
        '{"type":"text","sessionID":"{RESUME}","part":{"text":"opencode resumed {RESUME}: '
        '{PROMPT}"}}\n'
        '{"type":"step_finish","sessionID":"{RESUME}","part":{"reason":"stop"}}\n',
    ),
    "pi": (
        f'{{"type":"session","id":"{PI_SESSION}"}}\n'
        '{"type":"tool_execution_start","toolCallId":"t1","toolName":"bash",'
        '"args":{"command":"ls"}}\n'
        '{"type":"tool_execution_end","toolCallId":"t1","toolName":"bash","result":"a",'
        '"isError":false}\n'
        '{"type":"agent_end","messages":[{"role":"assistant","content":'
        '[{"type":"text","text":"pi answered: {PROMPT}"}]}]}\n',
        '{"type":"agent_start"}\n'
        '{"type":"agent_end","messages":[{"role":"assistant","content":'
        '[{"type":"text","text":"pi resumed {RESUME}: {PROMPT}"}]}]}\n',
    ),
}

#: engine -> (the resume line takopi renders, a line in another upstream form, its token)
RESUME_LINES: dict[str, tuple[str, str, str]] = {
    "codex": (f"`codex resume {CODEX_THREAD}`", "codex resume thread-77", "thread-77"),
    "claude": (f"`claude --resume {CLAUDE_SESSION}`", "claude -r sess-77", "sess-77"),
    "opencode": (
        f"`opencode --session {OPENCODE_SESSION}`",
        "  opencode run -s ses_77abc  ",
        "ses_77abc",
    ),
    "pi": ("`pi --session 7e1d2c3b`", "`pi --session 77abc`", "77abc"),
}

ENGINES = sorted(STREAMS)


@pytest.fixture
def clis(tmp_path: Path) -> dict[str, str]:
    """The four fake CLIs in tmp/bin, each replaying STREAMS; the env for run_takopi."""
    bin_dir = tmp_path / "bin"
    for engine, (new, resume) in STREAMS.items():
        write_fake_cli(bin_dir, engine)
        folder = tmp_path / "streams" / engine
        folder.mkdir(parents=True)
        (folder / "new.jsonl").write_text(new, encoding="utf-8")
        (folder / "resume.jsonl").write_text(resume, encoding="utf-8")
    return {
        "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
        "FAKE_CLI_LOG": str(tmp_path / "cli.log"),
    }


def env_for(clis: dict[str, str], tmp_path: Path, engine: str) -> dict[str, str]:
    return {**clis, "FAKE_CLI_DIR": str(tmp_path / "streams" / engine)}


@pytest.mark.parametrize("engine", ENGINES)
def test_answer_and_resume_line(engine: str, clis: dict[str, str], tmp_path: Path) -> None:
    result = run_takopi(
        "run",
        "--transport",
        "terminal",
        "--engine",
        engine,
        env=env_for(clis, tmp_path, engine),
        input="hello there\n",
    )
    assert result.returncode == 0, result.stderr
    rendered, _, _ = RESUME_LINES[engine]
    assert f"{engine} answered: hello there" in result.stdout
    assert rendered in result.stdout.splitlines()  # on a line of its own
    (call,) = read_log(Path(clis["FAKE_CLI_LOG"]))
    assert call["prompt"].strip() == "hello there"
    assert call["resume"] is None


@pytest.mark.parametrize("engine", ENGINES)
def test_pasted_resume_lines_resume_the_session(
    engine: str, clis: dict[str, str], tmp_path: Path
) -> None:
    """takopi's own rendered line, and the other upstream spelling, each continue their
    session, whatever the default engine (another built-in here)."""
    rendered, other_form, other_token = RESUME_LINES[engine]
    default = "claude" if engine != "claude" else "codex"
    result = run_takopi(
        "run",
        "--transport",
        "terminal",
        "--engine",
        default,
        env=env_for(clis, tmp_path, engine),
        input=f"{rendered}\n{other_form}\n",
    )
    assert result.returncode == 0, result.stderr
    first_token = rendered.strip("`").split()[-1]
    for token in (first_token, other_token):
        assert f"{engine} resumed {token}: continue" in result.stdout
    # the two sessions differ, so the runs may overlap: compare without order
    calls = read_log(Path(clis["FAKE_CLI_LOG"]))
    assert sorted((c["engine"], c["resume"]) for c in calls) == sorted(
        [(engine, first_token), (engine, other_token)]
    )
    # a message that is only a resume line becomes the prompt "continue"
    assert {c["prompt"].strip() for c in calls} == {"continue"}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        return stat.read_text().split(") ")[-1][:1] != "Z"
    return True


@pytest.mark.parametrize("engine", ENGINES)
def test_cancel_leaves_no_process(engine: str, clis: dict[str, str], tmp_path: Path) -> None:
    env = {**os.environ, **env_for(clis, tmp_path, engine)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "takopi_core", "run", "--transport", "terminal", "--engine", engine],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin is not None
    pid_file = tmp_path / "streams" / engine / "sleeping.pid"
    try:
        proc.stdin.write("please sleep\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the fake CLI never started"
            time.sleep(0.05)  # the child's start is only visible through its file
        pid = int(pid_file.read_text())
        assert _alive(pid)
        out, err = proc.communicate("/cancel\n", timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "cancelled" in out
    assert not _alive(pid)
