"""`takopi run`, `takopi ENGINE` and `takopi init` as real child processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.distfactory import GUIDE_COMMAND, GUIDE_ENGINE, GUIDE_TRANSPORT, write_dists
from support.paths import run_takopi
from support.run_dists import fake_engine, locking_transport, path_with, write_fake_cli

from takopi_core.run.lock import lock_path_for


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    write_fake_cli(folder, "alpha")
    write_fake_cli(folder, "beta")
    return folder


@pytest.fixture
def world(site: Path, bin_dir: Path) -> dict[str, str]:
    """Engines alpha and beta (CLIs installed), the guide's /multi, a locking transport.
    Returns the env for run_takopi."""
    write_dists(
        site,
        fake_engine("alpha"),
        fake_engine("beta"),
        GUIDE_COMMAND,
        locking_transport("locky"),
        locking_transport("guidelock", config_kw="config_path"),
    )
    return {"PATH": path_with(bin_dir)}


def write_config(config_path: Path, text: str) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(text, encoding="utf-8")


def test_run_chats_through_the_terminal_transport(site: Path, world: dict[str, str]) -> None:
    result = run_takopi(
        "run", "--engine", "beta", site=site, env=world, input="hello\n/alpha second\n"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "default engine: beta" in out
    assert "engines: alpha, beta" in out
    assert "commands: /multi" in out
    assert "beta answered: hello" in out
    assert "alpha answered: second" in out
    assert "`beta resume beta-" in out


def test_engine_shortcut_and_config_default(
    site: Path, world: dict[str, str], config_path: Path
) -> None:
    write_config(config_path, 'default_engine = "beta"\n')
    shortcut = run_takopi("alpha", site=site, env=world, input="hi\n")
    assert shortcut.returncode == 0, shortcut.stderr
    assert "default engine: alpha" in shortcut.stdout
    assert "alpha answered: hi" in shortcut.stdout
    configured = run_takopi(site=site, env=world, input="hi\n")  # bare `takopi` runs too
    assert configured.returncode == 0, configured.stderr
    assert "beta answered: hi" in configured.stdout


def test_resume_line_continues_the_session(site: Path, world: dict[str, str]) -> None:
    """Piped input is one message per line; a pasted resume line continues its session
    (with the prompt "continue"), whatever the default engine."""
    result = run_takopi("alpha", site=site, env=world, input="`beta resume beta-42`\n")
    assert result.returncode == 0, result.stderr
    assert "beta answered: continue (resumed beta-42)" in result.stdout
    assert "`beta resume beta-42`" in result.stdout


def test_missing_default_engine_cli_is_reported_by_check_setup(
    site: Path, world: dict[str, str], bin_dir: Path
) -> None:
    (bin_dir / "beta").unlink()
    result = run_takopi("run", "--engine", "beta", site=site, env=world, input="")
    assert result.returncode == 1
    assert "error: transport 'terminal' (takopi-tui) is not ready:" in result.stderr
    assert "install beta" in result.stderr
    assert "$ pip install beta-cli" in result.stderr
    assert "run `takopi setup terminal`" in result.stderr


def test_unknown_transport_and_engine(site: Path, world: dict[str, str]) -> None:
    transport = run_takopi("run", "--transport", "nope", site=site, env=world, input="")
    assert transport.returncode == 1
    assert transport.stderr.startswith("error: Unknown transport 'nope'. Available: ")
    assert "terminal" in transport.stderr
    engine = run_takopi("run", "--engine", "zeta", site=site, env=world, input="")
    assert engine.returncode == 1
    assert (
        "Unknown default engine 'zeta' (from --engine). "
        "Available: alpha, beta, claude, codex, opencode, pi." in engine.stderr
    )


def test_invalid_config_names_file_and_key(
    site: Path, world: dict[str, str], config_path: Path
) -> None:
    write_config(config_path, 'default_engine = "alpha"\n[alpha]\nmodel = 5\n')
    result = run_takopi("run", site=site, env=world, input="")
    assert result.returncode == 1
    assert f"{config_path}: `alpha`: engine 'alpha' (takopi-engine-alpha)" in result.stderr
    assert "model must be a string" in result.stderr
    write_config(config_path, "transport = 3\n")
    result = run_takopi("run", site=site, env=world, input="")
    assert result.returncode == 1
    assert f"{config_path}: `transport` must be a string" in result.stderr


def test_options_reach_build_and_run(site: Path, world: dict[str, str], config_path: Path) -> None:
    write_config(config_path, "[transports.locky]\nhold = 0\n")
    result = run_takopi(
        "run", "--transport", "locky", "--engine", "beta", "--no-final-notify", site=site, env=world
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ran beta False beta"


def _start_holder(site: Path, env: dict[str, str], transport: str, ready: Path) -> subprocess.Popen:
    child_env = dict(os.environ, **env)
    child_env["PYTHONPATH"] = str(site)
    child = subprocess.Popen(
        [sys.executable, "-m", "takopi_core", "run", "--transport", transport],
        env=child_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        assert time.monotonic() < deadline, "holder did not start"
        time.sleep(0.05)
    return child


@pytest.mark.parametrize("transport", ["locky", "guidelock"])
def test_second_instance_on_the_same_token_is_refused(
    site: Path, world: dict[str, str], config_path: Path, tmp_path: Path, transport: str
) -> None:
    ready = tmp_path / "ready"
    write_config(
        config_path,
        # An engine whose CLI is installed: the built-in default (codex) is not, here.
        'default_engine = "alpha"\n'
        f'[transports.{transport}]\ntoken = "bot-123"\nhold = 60\nready_file = "{ready}"\n',
    )
    holder = _start_holder(site, world, transport, ready)
    try:
        second = run_takopi("run", "--transport", transport, site=site, env=world)
        assert second.returncode == 1
        assert f"error: already running: pid {holder.pid} ({transport}) holds " in second.stderr
        assert f"stop that instance first (pid {holder.pid})" in second.stderr
    finally:
        holder.send_signal(signal.SIGTERM)
        holder.wait(timeout=30)


def test_stale_lock_of_a_crashed_run_is_recovered(
    site: Path, world: dict[str, str], config_path: Path, tmp_path: Path
) -> None:
    ready = tmp_path / "ready"
    write_config(
        config_path,
        'default_engine = "alpha"\n'
        f'[transports.locky]\ntoken = "bot-9"\ncrash = true\nready_file = "{ready}"\n',
    )
    crashed = run_takopi("run", "--transport", "locky", site=site, env=world)
    assert crashed.returncode == 9  # died in build_and_run without releasing anything
    lock_file = lock_path_for(config_path, "bot-9")
    assert json.loads(lock_file.read_text())["pid"] == int(ready.read_text())
    write_config(
        config_path, 'default_engine = "alpha"\n[transports.locky]\ntoken = "bot-9"\nhold = 0\n'
    )
    again = run_takopi("run", "--transport", "locky", site=site, env=world)
    assert again.returncode == 0, again.stderr
    assert f"left behind by pid {ready.read_text()}, which is no longer running" in again.stderr
    assert not lock_file.exists()  # released on a clean exit


def test_the_guide_examples_installed_together(site: Path, bin_dir: Path) -> None:
    """The guide's transport loads, its lock_token(config_path=...) is called, and the
    NotImplementedError of its build_and_run is reported against it; the guide's engine
    (no CLI, a build_runner that raises) is only a warning."""
    write_dists(site, fake_engine("alpha"), GUIDE_ENGINE, GUIDE_TRANSPORT, GUIDE_COMMAND)
    env = {"PATH": path_with(bin_dir)}
    plugins = run_takopi("plugins", "--load", site=site, env=env)
    assert "myengine (takopi-engine-myengine)  ok" in plugins.stdout, plugins.stdout
    result = run_takopi(
        "run", "--transport", "mytransport", "--engine", "alpha", site=site, env=env
    )
    assert result.returncode == 1
    assert "warning: myengine: " in result.stderr
    assert "could not build its runner: NotImplementedError" in result.stderr
    assert (
        "error: transport 'mytransport' (takopi-transport-mytransport) stopped with an error: "
        "NotImplementedError" in result.stderr
    )


def test_onboard_needs_a_terminal(site: Path, world: dict[str, str]) -> None:
    result = run_takopi("run", "--onboard", site=site, env=world, input="")
    assert result.returncode == 1
    assert "error: --onboard requires a terminal" in result.stderr


# --- takopi init ---------------------------------------------------------------------------


def init(cwd: Path, *args: str, site: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    child_env = dict(os.environ, **env)
    child_env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, "-m", "takopi_core", "init", *args],
        cwd=cwd,
        env=child_env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_init_registers_the_repository_root(
    site: Path, world: dict[str, str], config_path: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "My-Repo"
    (repo / "src" / "deep").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write_config(config_path, '# my settings\ndefault_engine = "alpha"  # keep me\n')
    result = init(repo / "src" / "deep", "--default", site=site, env=world)
    assert result.returncode == 0, result.stderr
    assert "saved project 'My-Repo'" in result.stdout
    assert "~/.takopi/takopi.toml" in result.stdout
    text = config_path.read_text()
    assert text.startswith('# my settings\ndefault_engine = "alpha"  # keep me\n')
    assert f'path = "{repo}"' in text
    assert 'default_project = "My-Repo"' in text
    run = run_takopi("run", site=site, env=world, input="hi\n")
    assert "projects: My-Repo" in run.stdout
    assert "`ctx: My-Repo`" in run.stdout  # the default project applies


def test_init_refuses_engine_aliases_and_existing_projects(
    site: Path, world: dict[str, str], config_path: Path, tmp_path: Path
) -> None:
    here = tmp_path / "proj"
    here.mkdir()
    clash = init(here, "Alpha", site=site, env=world)
    assert clash.returncode == 1
    assert "aliases must not match engine ids" in clash.stderr
    assert init(here, "web", site=site, env=world).returncode == 0
    other = tmp_path / "other"
    other.mkdir()
    again = init(other, "WEB", site=site, env=world)
    assert again.returncode == 1
    assert "project 'web' already exists; pass --force to overwrite it" in again.stderr
    forced = init(other, "WEB", "--force", site=site, env=world)
    assert forced.returncode == 0, forced.stderr
    text = config_path.read_text()
    assert f'path = "{other}"' in text and f'path = "{here}"' not in text
    assert "[projects.WEB]" in text and "[projects.web]" not in text
