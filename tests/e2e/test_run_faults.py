"""One plugin's fault is that plugin's problem: real `takopi run --transport terminal`
children, real faulty distributions beside two healthy engines, real fake CLIs on PATH.

Healthy engines ``alpha`` (the default) and ``beta`` must keep answering whatever engine
``evil``, command ``/cmd`` or transport ``evilt`` does (see ``support.faulty_plugins``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.distfactory import ENGINE_GROUP, Dist, write_dists
from support.faulty_plugins import (
    command,
    evil_engine,
    method_patch,
    transport,
    write_grandchild_cli,
)
from support.paths import run_takopi
from support.run_dists import fake_engine, path_with, write_fake_cli

CHAT = "first\n/evil hi\n/beta second\nthird\n"
HEALTHY = ("alpha answered: first", "beta answered: second", "alpha answered: third")


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    write_fake_cli(folder, "alpha")
    write_fake_cli(folder, "beta")
    return folder


@pytest.fixture
def env(bin_dir: Path, config_path: Path) -> dict[str, str]:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('default_engine = "alpha"\n')
    return {"PATH": path_with(bin_dir), "NO_COLOR": "1"}


def chat(
    site: Path, env: dict[str, str], *dists: Dist, text: str = CHAT, transport_id: str = "terminal"
) -> subprocess.CompletedProcess[str]:
    write_dists(site, fake_engine("alpha"), fake_engine("beta"), *dists)
    return run_takopi("run", "--transport", transport_id, site=site, env=env, input=text)


def assert_survived(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    assert "never awaited" not in output
    for answer in HEALTHY:
        assert answer in result.stdout, output


# --- point 1: a faulty engine, used or not ---------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ("del Evil.extract_resume\n", "its runner (Evil) has no extract_resume"),
        ("del Evil.is_resume_line\n", "its runner (Evil) has no is_resume_line"),
        ("def _build(config, config_path):\n    return None\n", "build_runner returned None"),
        ("def _build(config, config_path):\n    return 'x'\n", "build_runner returned a str"),
    ],
)
def test_an_unusable_runner_makes_its_engine_unavailable_not_the_chat(
    site: Path, env: dict[str, str], patch: str, reason: str
) -> None:
    """The engine is not in use and its CLI is not installed: still checked when built."""
    result = chat(site, env, evil_engine(patch), text="first\n/beta second\nthird\n")
    assert_survived(result)
    assert f"engine 'evil' (takopi-engine-evil) cannot run: {reason}" in result.stderr


@pytest.mark.parametrize(
    ("method", "body", "reason"),
    [
        (
            "extract_resume",
            "raise RuntimeError('evil fault')",
            "extract_resume() raised RuntimeError: evil fault",
        ),
        ("is_resume_line", "return 42", "is_resume_line() returned an int, not a bool"),
        ("extract_resume", "raise SystemExit(7)", "extract_resume() raised SystemExit(7)"),
        ("is_resume_line", "raise KeyboardInterrupt", "is_resume_line() raised KeyboardInterrupt"),
    ],
)
def test_a_resume_helper_fault_disables_that_engine_with_one_line(
    site: Path, env: dict[str, str], method: str, body: str, reason: str
) -> None:
    result = chat(site, env, evil_engine(method_patch(method, body)))
    assert_survived(result)
    line = f"engine 'evil' (takopi-engine-evil) is disabled for this session: {reason}"
    # Reported once as it happens; then the user asking for evil gets it as the error.
    assert (result.stdout + result.stderr).count(f"warning: {line}") == 1
    assert line in result.stdout


def test_a_runner_claiming_another_engines_token_does_not_break_every_message(
    site: Path, env: dict[str, str]
) -> None:
    """Point 2: extract_resume returns beta's token for every text."""
    result = chat(
        site,
        env,
        evil_engine(method_patch("extract_resume", "return ResumeToken('beta', 'stolen')")),
    )
    assert_survived(result)
    assert "(resumed stolen)" not in result.stdout
    assert "what extract_resume() returned is a resume token for engine 'beta'" in result.stdout


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("raise SystemExit(7)", "run() raised SystemExit(7)"),
        ("raise KeyboardInterrupt", "run() raised KeyboardInterrupt"),
        (
            "async def gen():\n        yield 'x'\n    return gen()",
            "run() yielded a str, not an event",
        ),
        ("async def co():\n        return 1\n    return co()", "run() is a coroutine function"),
    ],
)
def test_a_run_fault_ends_that_run_and_disables_the_engine(
    site: Path, env: dict[str, str], bin_dir: Path, body: str, reason: str
) -> None:
    write_fake_cli(bin_dir, "evil")
    result = chat(site, env, evil_engine(method_patch("run", body)))
    assert_survived(result)
    assert f"engine 'evil' (takopi-engine-evil) is disabled for this session: {reason}" in (
        result.stdout
    )


def test_build_runner_raising_systemexit_is_that_engines_fault(
    site: Path, env: dict[str, str]
) -> None:
    patch = "def _build(config, config_path):\n    raise SystemExit(4)\n"
    result = chat(site, env, evil_engine(patch), text="first\n/beta second\nthird\n")
    assert_survived(result)
    assert "could not build its runner: build_runner() raised SystemExit(4)" in result.stderr


# --- point 3: commands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("return 'plain text'", "handle() returned a str, not a CommandResult (or None)"),
        ("return {'text': 'hi'}", "handle() returned a dict, not a CommandResult (or None)"),
        ("return CommandResult(text=None)", "its CommandResult's text is None, not a str"),
        ("return CommandResult(text=42)", "its CommandResult's text is an int, not a str"),
        ("raise SystemExit(6)", "handle() raised SystemExit(6)"),
        ("raise KeyboardInterrupt", "handle() raised KeyboardInterrupt"),
    ],
)
def test_a_faulty_command_gets_an_error_reply_and_the_chat_goes_on(
    site: Path, env: dict[str, str], body: str, reason: str
) -> None:
    result = chat(site, env, command(body), text="first\n/cmd go\n/beta second\nthird\n")
    assert_survived(result)
    assert f"error:\ncommand /cmd (takopi-command-cmd) failed: {reason}" in result.stdout


def test_a_command_that_swallows_cancellation_does_not_keep_the_chat_open(
    site: Path, env: dict[str, str], tmp_path: Path
) -> None:
    started = tmp_path / "started"
    swallow = (
        "import asyncio, os\nopen(os.environ['CMD_STARTED'], 'w').close()\nwhile True:\n"
        "    try:\n        await asyncio.sleep(3600)\n    except BaseException:\n        pass\n"
    )
    write_dists(site, fake_engine("alpha"), fake_engine("beta"), command(swallow))
    proc = _start(site, env, CMD_STARTED=str(started))
    assert proc.stdin is not None
    proc.stdin.write("/cmd go\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "the command never started"
    out, err = proc.communicate("/cancel\n", timeout=30)
    assert proc.returncode == 0, err
    assert "/cmd ignored cancellation for 2 s; left behind" in out
    assert "note: 1 command(s) ignored cancellation; exiting anyway" in err
    assert "Traceback" not in out + err


# --- point 4: plugins are checked (probe) before they are imported -------------------------------


def test_plugins_that_hang_exit_or_crash_at_import_are_skipped(
    site: Path, env: dict[str, str]
) -> None:
    def engine(name: str, code: str) -> Dist:
        return Dist(
            name=f"takopi-engine-{name}",
            entry_points={ENGINE_GROUP: {name: f"fake_{name}_mod:BACKEND"}},
            files={f"fake_{name}_mod.py": code},
        )

    result = chat(
        site,
        env,
        engine("hangs", "import time\ntime.sleep(3600)\n"),
        engine("segv", "import ctypes\nctypes.string_at(0)\n"),
        engine("quits", "import os\nos._exit(9)\n"),
        text="first\n/beta second\nthird\n",
    )
    assert_survived(result)
    assert "Engine 'hangs' (takopi-engine-hangs) skipped: its check failed: timed out" in (
        result.stderr
    )
    assert "Engine 'segv' (takopi-engine-segv) skipped: its check failed: crashed" in (
        result.stderr
    )
    assert "Engine 'quits' (takopi-engine-quits) skipped: its check failed: exited" in (
        result.stderr
    )


def test_a_command_that_exits_at_import_is_skipped(site: Path, env: dict[str, str]) -> None:
    faulty = command("return None", module_code="raise SystemExit(2)\n")
    result = chat(site, env, faulty, text="first\n/cmd go\n/beta second\nthird\n")
    assert_survived(result)
    assert "commands: none (skipped: cmd; see /help)" in result.stdout
    assert (
        "error:\ncommand /cmd (takopi-command-cmd) is skipped: its check failed: SystemExit: "
        "exited the interpreter with status 2 while importing"
    ) in result.stdout
    assert "alpha answered: /cmd go" not in result.stdout


# --- point 5: transports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"check_setup": "return None"}, "check_setup returned None, not a SetupResult"),
        (
            {"check_setup": "return SetupResult(issues=['fix it'], config_path=Path('x'))"},
            "check_setup returned an issue that is a str, not a SetupIssue",
        ),
        (
            {
                "check_setup": "return SetupResult(issues=[SetupIssue('t', None)], "
                "config_path=Path('x'))"
            },
            "check_setup returned issue 't' whose lines are not a list of str",
        ),
        (
            {"check_setup": "raise SystemExit(8)"},
            "check_setup failed: check_setup() raised SystemExit(8)",
        ),
        ({"build_and_run": "raise SystemExit(11)"}, "stopped with an error: SystemExit(11)"),
        ({"build_and_run": "raise KeyboardInterrupt"}, "stopped with an error: KeyboardInterrupt"),
    ],
)
def test_a_faulty_transport_gets_a_clear_error(
    site: Path, env: dict[str, str], parts: dict[str, str], message: str
) -> None:
    result = chat(site, env, transport(**parts), text="", transport_id="evilt")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"error: transport 'evilt' (takopi-transport-evilt): {message}" in result.stderr or (
        f"error: transport 'evilt' (takopi-transport-evilt) {message}" in result.stderr
    )


def test_an_async_build_and_run_is_awaited(site: Path, env: dict[str, str]) -> None:
    result = chat(site, env, transport(run_def="async def"), text="", transport_id="evilt")
    assert result.returncode == 0, result.stderr
    assert "TRANSPORT RAN alpha" in result.stdout
    assert "never awaited" not in result.stderr


# --- point 6: no orphans, no stale lock ---------------------------------------------------------


def _start(site: Path, env: dict[str, str], **extra: str) -> subprocess.Popen[str]:
    child_env = dict(os.environ)
    child_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(site), child_env.get("PYTHONPATH", "")) if p
    )
    child_env.update(env)
    child_env.update(extra)
    return subprocess.Popen(
        [sys.executable, "-m", "takopi_core", "run", "--transport", "terminal"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env,
    )


def _wait_pid(path: Path) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError("the engine's helper never started")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _gone_soon(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _running(pid)


@pytest.mark.parametrize("mode", ["exit", "stay"])
def test_cancel_kills_a_helper_that_ignores_sigterm(
    site: Path, env: dict[str, str], bin_dir: Path, tmp_path: Path, mode: str
) -> None:
    """/cancel: the group is SIGKILLed after the grace, whether or not its leader exited."""
    write_grandchild_cli(bin_dir, mode)
    write_dists(site, fake_engine("alpha"), fake_engine("beta"), evil_engine())
    pidfile = tmp_path / "helper.pid"
    proc = _start(site, env, ATTACK_PIDFILE=str(pidfile))
    assert proc.stdin is not None
    proc.stdin.write("/evil go\n")
    proc.stdin.flush()
    helper = _wait_pid(pidfile)
    try:
        time.sleep(0.5)
        _, err = proc.communicate("/cancel\n", timeout=30)
        assert proc.returncode == 0, err
        assert _gone_soon(helper), f"helper {helper} outlived /cancel"
    finally:
        if _running(helper):
            os.kill(helper, signal.SIGKILL)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_the_bridge_like_ctrl_c(
    site: Path, env: dict[str, str], bin_dir: Path, tmp_path: Path, config_path: Path, signame: str
) -> None:
    write_grandchild_cli(bin_dir, "stay")
    write_dists(site, fake_engine("alpha"), fake_engine("beta"), evil_engine())
    pidfile = tmp_path / "helper.pid"
    proc = _start(site, env, ATTACK_PIDFILE=str(pidfile))
    assert proc.stdin is not None
    proc.stdin.write("/evil go\n")
    proc.stdin.flush()
    helper = _wait_pid(pidfile)
    try:
        sig = getattr(signal, signame)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 128 + sig, err
        assert "Traceback" not in err
        assert _gone_soon(helper), f"helper {helper} orphaned"
        assert not list(config_path.parent.glob("*.lock")), "stale lock left behind"
    finally:
        if _running(helper):
            os.kill(helper, signal.SIGKILL)


def test_a_real_ctrl_c_still_cancels_then_quits(site: Path, env: dict[str, str]) -> None:
    """The guards take a plugin's KeyboardInterrupt for a fault, never the user's Ctrl+C."""
    from support.pty_session import PtySession

    write_dists(site, fake_engine("alpha"), fake_engine("beta"))
    child_env = dict(os.environ)
    child_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(site), child_env.get("PYTHONPATH", "")) if p
    )
    child_env.update(env)
    session = PtySession([sys.executable, "-m", "takopi_core", "run"], env=child_env)
    try:
        session.expect("Type a prompt")
        session.send("please sleep\r")
        session.expect("think hard")
        session.send("\x03")  # busy: cancels the run
        session.expect("cancelled")
        session.send("\x03")  # idle: quits
        assert session.wait(timeout=30) == 0
        assert "Traceback" not in session.text
    finally:
        session.close()
