"""`takopi setup` as users run it: prompts on a real pty, --non-interactive for scripts, the
transport's own interactive setup, golden TOML files, and secrets that never show."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.distfactory import GUIDE_TRANSPORT, write_dists
from support.paths import GOLDEN as GOLDEN_ROOT
from support.paths import run_takopi
from support.pty_session import PtySession
from support.setup_plugins import (
    BADFIELDS,
    PLUGIN_MODULE_PREFIXES,
    TokenService,
    child_env,
    make_bin,
    modules_after,
    write_setup_site,
)

GOLDEN = GOLDEN_ROOT / "setup"


@pytest.fixture
def env(site: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Setup plugins on PYTHONPATH, fakecli's CLI on PATH, the token service running."""
    write_setup_site(site)
    # codex: the built-in engine setup checks against when no default_engine is set.
    bin_dir = make_bin(tmp_path / "bin", "fakecli-bin", "codex")
    with TokenService().running() as service:
        yield child_env(site, bin_dir, CHATTY_SERVICE=service.url)


def _check_golden(config_path: Path, name: str) -> str:
    written = config_path.read_text(encoding="utf-8")
    expected = GOLDEN / "expected" / name
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(written, encoding="utf-8")
    assert written == expected.read_text(encoding="utf-8")
    return written


def _copy_input(config_path: Path, source: str) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(GOLDEN / "inputs" / source, config_path)


def _setup(env: dict[str, str], *args: str) -> PtySession:
    return PtySession([sys.executable, "-m", "takopi_core", "setup", *args], env=env)


# --- --non-interactive -----------------------------------------------------------------------


def test_non_interactive_golden(env: dict[str, str], config_path: Path) -> None:
    _copy_input(config_path, "commented.toml")
    proc = run_takopi(
        "setup",
        "chatty",
        "--non-interactive",
        "bot_token=ok-token-123",
        "mode=channel",
        "retries=5",
        "webhook_url=https://hooks.example/s3cr3t",
        "--engine",
        "fakecli",
        "--default",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    _check_golden(config_path, "cli_non_interactive.toml")
    out = proc.stdout
    assert "ok-token-123" not in out and "s3cr3t" not in out
    assert '+bot_token = "******** (new value)"' in out
    assert "saved ~/.takopi/takopi.toml" in out
    assert "✓ chatty is ready" in out
    assert (config_path.stat().st_mode & 0o777) == 0o600


def test_non_interactive_on_a_fresh_machine_makes_it_the_default(
    env: dict[str, str], config_path: Path
) -> None:
    proc = run_takopi("setup", "chatty", "--non-interactive", "bot_token=ok-1", env=env)
    assert proc.returncode == 0, proc.stderr
    assert config_path.read_text() == (
        'transport = "chatty"\n\n'
        "[transports.chatty]\n"
        'bot_token = "ok-1"\n'
        'channel = "#general"\n'
        'mode = "thread"\n'
        "retries = 3\n"
    )
    assert (config_path.parent.stat().st_mode & 0o777) == 0o700


def test_non_interactive_rejects_bad_values_and_writes_nothing(
    env: dict[str, str], config_path: Path
) -> None:
    _copy_input(config_path, "commented.toml")
    before = config_path.read_bytes()
    proc = run_takopi(
        "setup", "chatty", "--non-interactive", "mode=dm", "retries=x", "colour=red", env=env
    )
    assert proc.returncode == 2
    assert "error: cannot set up chatty:" in proc.stderr
    assert "mode: must be one of thread, channel" in proc.stderr
    assert "retries: must be a whole number" in proc.stderr
    assert "colour: not a setup field of this transport" in proc.stderr
    assert "bot_token: is required" in proc.stderr
    assert config_path.read_bytes() == before


def test_non_interactive_validator_failure_writes_nothing(
    env: dict[str, str], config_path: Path
) -> None:
    proc = run_takopi(
        "setup", "chatty", "--non-interactive", "bot_token=wrong-1234", "channel=x", env=env
    )
    assert proc.returncode == 1
    assert "the values were rejected; nothing was written" in proc.stderr
    assert "bot_token: is not accepted by the service: ******** is an unknown token" in (
        proc.stderr
    )
    assert "channel: must start with #" in proc.stderr
    assert "wrong-1234" not in proc.stderr + proc.stdout
    assert not config_path.exists()


def test_non_interactive_shows_secrets_only_when_asked(
    env: dict[str, str], config_path: Path
) -> None:
    proc = run_takopi(
        "setup", "chatty", "--non-interactive", "bot_token=ok-visible", "--show-secrets", env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert '+bot_token = "ok-visible"' in proc.stdout


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--non-interactive", "a=1"], 2, "--non-interactive needs the transport ID"),
        (["nope", "--non-interactive"], 1, "Unknown transport 'nope'. Available: askme, chatty"),
        (["askme", "--non-interactive"], 2, "transport askme declares no setup fields"),
        (["chatty"], 2, "takopi setup asks questions and needs a terminal"),
    ],
)
def test_usage_errors(env: dict[str, str], args: list[str], status: int, message: str) -> None:
    proc = run_takopi("setup", *args, env=env)
    assert proc.returncode == status
    assert message in proc.stderr


def test_disabled_transport_says_how_to_enable_it(env: dict[str, str], config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[plugins]\nenabled = ["takopi-transport-askme"]\n')
    proc = run_takopi("setup", "chatty", "--non-interactive", "bot_token=ok-1", env=env)
    assert proc.returncode == 1
    assert "transport chatty (takopi-transport-chatty) is disabled by [plugins] enabled" in (
        proc.stderr
    )
    assert "takopi plugins enable takopi-transport-chatty" in proc.stderr


def test_malformed_config_is_named_and_left_alone(env: dict[str, str], config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("transport = \n")
    proc = run_takopi("setup", "chatty", "--non-interactive", "bot_token=ok-1", env=env)
    assert proc.returncode == 2
    assert f"error: {config_path}:1:" in proc.stderr
    assert config_path.read_text() == "transport = \n"


def test_terminal_declares_its_fields(env: dict[str, str], config_path: Path) -> None:
    # (Its validator rejecting a value is in test_declining_the_diff_writes_nothing.)
    good = run_takopi(
        "setup", "terminal", "--non-interactive", "max_actions=8", "--engine", "fakecli", env=env
    )
    assert good.returncode == 0, good.stderr
    assert config_path.read_text() == (
        'transport = "terminal"\ndefault_engine = "fakecli"\n\n'
        "[transports.terminal]\nmax_actions = 8\n"
    )


# --- prompts on a terminal -------------------------------------------------------------------


def test_interactive_prompts_golden(env: dict[str, str], config_path: Path) -> None:
    _copy_input(config_path, "commented.toml")
    term = _setup(env, "chatty")
    try:
        term.expect(r"step 1 of 6: Choose a transport")
        term.expect(r"transport: chatty \(takopi-transport-chatty\), needs setup")
        term.expect(r"step 2 of 6: Setup issues")
        term.expect(r"- configure chatty\n\s+set bot_token in \[transports.chatty\]")
        term.expect(r"step 3 of 6: Settings")
        term.expect(r"Bot token \(bot_token, secret\)\n  From the Chatty dashboard.")
        term.expect(r"  Bot token: ")
        term.send("bad-token\r")
        term.expect(r"✗ Bot token is not accepted by the service: \*{8} is an unknown token")
        term.expect(r"  Bot token: ")
        term.send("\r")
        term.expect(r"✗ Bot token is required")
        term.expect(r"  Bot token: ")  # typed before the prompt, it would echo
        term.send("ok-good-token\r")
        term.expect(r"✓ ok")
        term.expect(r"  Channel \[#old\]: ")
        term.send("dev\r")
        term.expect(r"✗ Channel must start with #")
        term.send("#dev\r")
        term.expect(r"1\) thread  2\) channel")
        term.expect(r"  Reply mode \[thread\]: ")
        term.send("2\r")
        term.expect(r"  Retries \[3\]: ")
        term.send("ten\r")
        term.expect(r"✗ Retries must be a whole number")
        term.send("\r")
        term.expect(r"  Webhook URL \(optional\): ")
        term.send("\r")
        term.expect(r"step 4 of 6: Defaults")
        term.expect(r"make chatty the default transport\? \[Y/n\] ")
        term.send("\r")
        # The built-in engines are listed too, in id order: claude, codex, fakecli, ghost...
        term.expect(r"1\) claude\s+claude not found")
        term.expect(r"4\) ghost\s+ghost-bin not found")
        term.expect(r"install: \$ curl -fsSL ghost.example/install \| sh")
        term.expect(r"default engine \[ghost\]: ")
        term.send("ghost-x\r")
        term.expect(r"'ghost-x' is not an engine that loads")
        term.send("3\r")  # fakecli
        term.expect(r"step 5 of 6: Review changes")
        diff = term.expect(r"write this to ~/.takopi/takopi.toml\? \[Y/n\] ")
        assert '+bot_token = "******** (new value)"' in diff
        assert '+default_engine = "fakecli"  # the old default' in diff
        term.send("y\r")
        term.expect(r"step 6 of 6: Save and check")
        term.expect(r"saved ~/.takopi/takopi.toml")
        term.expect(r"✓ chatty is ready")
        assert term.wait() == 0
    finally:
        term.close()
    assert "bad-token" not in term.text and "ok-good-token" not in term.text
    _check_golden(config_path, "cli_interactive.toml")


def test_interactive_without_an_id_asks_which_transport(
    env: dict[str, str], config_path: Path
) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text('default_engine = "fakecli"\n[transports.chatty]\nbot_token = "ok-1"\n')
    term = _setup(env)
    try:
        listing = term.expect(r"transport \[askme\]: ")
        assert "askme" in listing and "Asks its own questions" in listing
        assert "chatty" in listing and "ready" in listing
        term.send("9\r")
        term.expect(r"no transport '9'")
        term.send("chatty\r")
        term.expect(r"chatty is already set up; keeping its settings")
        term.expect(r"make chatty the default transport\? \[Y/n\] ")
        term.send("n\r")
        term.expect(r"default engine \[fakecli\]: ")
        term.send("\r")
        term.expect(r"nothing to change in the config")
        term.expect(r"✓ chatty is ready")
        assert term.wait() == 0
    finally:
        term.close()
    assert config_path.read_text() == (
        'default_engine = "fakecli"\n[transports.chatty]\nbot_token = "ok-1"\n'
    )


def test_declining_the_diff_writes_nothing(env: dict[str, str], config_path: Path) -> None:
    term = _setup(env, "terminal", "--engine", "fakecli", "--force")
    try:
        term.expect(r"  Progress lines \[5\]: ")
        term.send("0\r")
        term.expect(r"✗ Progress lines must be between 1 and 50")
        term.send("9\r")
        term.expect(r"make terminal the default transport\? \[Y/n\] ")
        term.send("y\r")
        term.expect(r"\+max_actions = 9")
        term.expect(r"\[Y/n\] ")
        term.send("n\r")
        term.expect("nothing was written")
        assert term.wait() == 1
    finally:
        term.close()
    assert not config_path.exists()


def test_ctrl_d_cancels(env: dict[str, str], config_path: Path) -> None:
    term = _setup(env, "chatty")
    try:
        term.expect(r"  Bot token: ")
        term.send("\x03")  # Ctrl+C at the (no-echo) secret prompt
        term.expect(r"setup cancelled; nothing was written")
        assert term.wait() == 1
    finally:
        term.close()
    term = _setup(env, "chatty")
    try:
        term.expect(r"  Bot token: ")
        term.send("ok-1\r")
        term.expect(r"  Channel \[#general\]: ")
        term.send("\x04")  # Ctrl+D at a plain prompt
        term.expect(r"setup cancelled; nothing was written")
        assert term.wait() == 1
    finally:
        term.close()
    assert not config_path.exists()


# --- a transport's own interactive setup ------------------------------------------------------


def test_own_interactive_setup_runs_in_the_cli(env: dict[str, str], config_path: Path) -> None:
    term = _setup(env, "askme", "--engine", "fakecli", "--default", "--yes")
    try:
        term.expect(r"- tell askme your name")
        term.expect(r"running the interactive setup of transport askme")
        term.expect(r"askme setup: this is the transport's own prompt")
        term.expect(r"askme: your name\? ")
        term.send("Ann\r")
        term.expect(r"askme: saved Ann")
        term.expect(r"\+transport = \"askme\"")
        term.expect(r"✓ askme is ready")
        assert term.wait() == 0
    finally:
        term.close()
    text = config_path.read_text()
    assert 'name = "Ann"' in text and 'transport = "askme"' in text
    assert 'default_engine = "fakecli"' in text


def test_own_setup_only_is_what_the_tui_hands_the_terminal_to(
    env: dict[str, str], config_path: Path
) -> None:
    term = _setup(env, "askme", "--own-setup")
    try:
        term.expect(r"askme: your name\? ")
        term.send("Bo\r")
        term.expect(r"askme: saved Bo")
        assert term.wait() == 0
    finally:
        term.close()
    assert "step 4" not in term.text
    assert config_path.read_text() == '[transports.askme]\nname = "Bo"\n'
    # Declining inside the transport's own prompts is a failure the TUI can see.
    term = _setup(env, "askme", "--own-setup")
    try:
        term.expect(r"askme: your name\? ")
        term.send("\r")
        term.expect(r"the setup of askme was not completed")
        assert term.wait() == 1
    finally:
        term.close()


def test_setup_runs_no_plugin_code_in_its_own_process(
    env: dict[str, str], config_path: Path
) -> None:
    argv = ["setup", "chatty", "--non-interactive", "bot_token=ok-1", "--engine", "fakecli"]
    modules, status = modules_after(argv, env)
    assert status == 0
    assert "takopi_core.setup.flow" in modules  # the flow really ran here
    assert not {m for m in modules if m.startswith(PLUGIN_MODULE_PREFIXES)}


def test_a_sync_interactive_setup_and_a_broken_declaration(
    env: dict[str, str], site: Path, config_path: Path
) -> None:
    write_dists(site, GUIDE_TRANSPORT, BADFIELDS)
    term = _setup(env, "mytransport", "--own-setup")  # the plugin guide's: sync, returns True
    try:
        term.expect(r"running the interactive setup of transport mytransport")
        assert term.wait() == 0
    finally:
        term.close()
    term = _setup(env, "badfields", "--engine", "fakecli", "--no-default", "--yes")
    try:
        term.expect(
            r"its declared fields cannot be used: setup_fields\[0\] \('mode'\): default 'c' "
            r"must be one of a, b"
        )
        term.expect(r"running the interactive setup of transport badfields")
        term.expect(r"✓ badfields is ready")
        assert term.wait() == 0
    finally:
        term.close()
    assert config_path.read_text() == 'default_engine = "fakecli"\n'
