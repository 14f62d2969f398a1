"""A disabled plugin's error is shown, marked disabled, and is no failure (issue 14, point 5).

A distribution left out of ``[plugins] enabled`` changes nothing a run does, so its broken
entry point must not make `takopi plugins`, `takopi tui --plain` or `takopi doctor` exit 1;
the error is still listed (with how to remove the distribution) so nothing is hidden. The
same error in an enabled distribution still fails them.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

import pytest
from support.cli import InProcessCli
from support.distfactory import ENGINE_GROUP, Dist, write_dists
from support.setup_plugins import make_bin, write_setup_site

PY = shlex.quote(sys.executable)

BAD_ID = Dist(
    name="fx-badid-dist",
    entry_points={ENGINE_GROUP: {"Bad-Id": "fx_badid_mod.backend:BACKEND"}},
    files={"fx_badid_mod/backend.py": "BACKEND = None\n"},
)
GOOD = Dist(
    name="fx-good-dist",
    entry_points={ENGINE_GROUP: {"good": "fx_good_mod.backend:BACKEND"}},
    files={
        "fx_good_mod/backend.py": (
            "from takopi.api import EngineBackend\n"
            "BACKEND = EngineBackend(id='good', build_runner=lambda config, path: None)\n"
        )
    },
)


def write_config(config_path: Path, text: str) -> None:
    config_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(config_path.parent, 0o700)
    config_path.write_text(text, encoding="utf-8")
    os.chmod(config_path, 0o600)


@pytest.fixture
def site_with_bad_id(site: Path) -> Path:
    return write_dists(site, BAD_ID, GOOD)


def test_listing_exits_0_when_only_a_disabled_plugin_is_broken(
    site_with_bad_id: Path, config_path: Path, takopi: InProcessCli
) -> None:
    write_config(config_path, '[plugins]\nenabled = ["fx-good-dist"]\n')
    for args in (("plugins",), ("plugins", "--load")):
        proc = takopi(*args, site=site_with_bad_id)
        assert proc.returncode == 0, proc.stdout
        lines = proc.stdout.splitlines()
        error = next(line for line in lines if "Bad-Id" in line and "invalid" in line)
        assert error.startswith("  engine Bad-Id (fx-badid-dist disabled): invalid plugin id")
        fix = lines[lines.index(error) + 1]
        assert fix == (
            f"      fix: nothing while it stays disabled; to remove it: {PY} -m pip uninstall "
            "fx-badid-dist"
        )


def test_listing_exits_1_when_the_broken_plugin_is_enabled(
    site_with_bad_id: Path, config_path: Path, takopi: InProcessCli
) -> None:
    write_config(config_path, '[plugins]\nenabled = ["fx-good-dist", "fx-badid-dist"]\n')
    proc = takopi("plugins", site=site_with_bad_id)
    assert proc.returncode == 1, proc.stdout
    assert "  engine Bad-Id (fx-badid-dist): invalid plugin id" in proc.stdout
    assert "takopi plugins disable fx-badid-dist" in proc.stdout


def test_json_marks_the_error_disabled(
    site_with_bad_id: Path, config_path: Path, takopi: InProcessCli
) -> None:
    write_config(config_path, '[plugins]\nenabled = ["fx-good-dist"]\n')
    proc = takopi("plugins", "--json", site=site_with_bad_id)
    assert proc.returncode == 0, proc.stdout
    row = next(r for r in json.loads(proc.stdout) if r["id"] == "Bad-Id")
    assert row["status"] == "error" and row["enabled"] is False
    assert row["fix"].endswith(f"{PY} -m pip uninstall fx-badid-dist")


def test_plain_tui_exits_0_when_only_a_disabled_plugin_is_broken(
    site_with_bad_id: Path, config_path: Path, takopi: InProcessCli
) -> None:
    write_config(config_path, '[plugins]\nenabled = ["fx-good-dist"]\n')
    proc = takopi("tui", "--plain", site=site_with_bad_id)
    assert proc.returncode == 0, proc.stdout
    assert "Bad-Id (fx-badid-dist disabled)" in proc.stdout


HEALTHY = """\
transport = "chatty"
default_engine = "fakecli"

[plugins]
enabled = ["takopi-transport-chatty", "takopi-engine-fakecli"{extra}]

[transports.chatty]
bot_token = "ok-sekrit-token"
channel = "#dev"
"""


@pytest.fixture
def doctor_site(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_setup_site(site, BAD_ID)
    bin_dir = make_bin(tmp_path / "bin", "fakecli-bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return site


def test_doctor_passes_with_a_broken_disabled_plugin_and_lists_it(
    doctor_site: Path, config_path: Path, takopi: InProcessCli
) -> None:
    write_config(config_path, HEALTHY.format(extra=""))
    proc = takopi("doctor", site=doctor_site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert (
        "  ok       plugins: all 2 visible plugins load (1 error of disabled plugins, not counted)"
    ) in lines
    error = next(i for i, line in enumerate(lines) if "Bad-Id" in line)
    assert "engine Bad-Id (fx-badid-dist disabled): invalid plugin id" in lines[error]
    assert lines[error + 1].strip() == (
        f"fix: nothing while it stays disabled; to remove it: {PY} -m pip uninstall fx-badid-dist"
    )
    as_json = takopi("doctor", "--json", site=doctor_site)
    assert as_json.returncode == 0, as_json.stdout
    plugins = next(c for c in json.loads(as_json.stdout)["checks"] if c["name"] == "plugins")
    assert plugins["status"] == "ok"
    assert any("Bad-Id" in detail for detail in plugins["details"])


def test_doctor_fails_on_an_enabled_broken_plugin_and_says_what_to_do(
    doctor_site: Path, config_path: Path, takopi: InProcessCli
) -> None:
    write_config(config_path, HEALTHY.format(extra=', "fx-badid-dist"'))
    proc = takopi("doctor", site=doctor_site)
    assert proc.returncode == 1, proc.stdout
    lines = proc.stdout.splitlines()
    assert "  error    plugins: 1 plugin error" in lines
    error = next(i for i, line in enumerate(lines) if "Bad-Id" in line)
    assert lines[error + 1].strip() == (
        f"fix: hide it: takopi plugins disable fx-badid-dist, or remove it: {PY} -m pip "
        "uninstall fx-badid-dist"
    )
