"""`takopi setup` says how to start the transport it set up (issue 14, defect 12): with
``--transport ID`` when it is not the default, plain `takopi run` when it is. A real child
process on real dist-infos."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.paths import run_takopi
from support.setup_plugins import child_env, make_bin, write_setup_site


@pytest.fixture
def env(site: Path, tmp_path: Path) -> dict[str, str]:
    write_setup_site(site)
    return child_env(site, make_bin(tmp_path / "bin", "fakecli-bin"))


def test_not_the_default_names_the_transport(env: dict[str, str], config_path: Path) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('transport = "askme"\n\n[transports.askme]\nname = "Ann"\n')
    proc = run_takopi(
        "setup", "chatty", "--non-interactive", "bot_token=ok-1", "--engine", "fakecli", env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert 'transport = "askme"' in config_path.read_text()
    assert "✓ chatty is ready: start it with `takopi run --transport chatty`" in proc.stdout


def test_the_default_is_started_with_takopi_run(env: dict[str, str], config_path: Path) -> None:
    proc = run_takopi(
        "setup", "chatty", "--non-interactive", "bot_token=ok-1", "--engine", "fakecli", env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert 'transport = "chatty"' in config_path.read_text()  # a fresh machine: the default
    assert "✓ chatty is ready: start it with `takopi run`\n" in proc.stdout
