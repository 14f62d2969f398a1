"""`takopi doctor` and `takopi plugins` on the built-in engines: each CLI's version when it is
on PATH, how to install it when not, unknown and wrong keys in their config tables."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.paths import run_takopi

from takopi_core.config.settings import Settings
from takopi_core.errors import ConfigError
from takopi_core.setup.doctor_config import unknown_keys
from takopi_core.setup.engine_cli import cli_version

CONFIG = """\
default_engine = "codex"

[codex]
profile = "work"
temperature = 1

[claude]
allowed_tools = ["Bash"]
permission_mode = "plan"

[pi]
extra_args = "--fast"
"""


def fake_version_cli(bin_dir: Path, name: str, output: str) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\nprintf '{output}'\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """codex and opencode on PATH (printing versions); claude and pi missing."""
    bin_dir = tmp_path / "bin"
    fake_version_cli(bin_dir, "codex", "codex-cli 0.77.0\\n")
    fake_version_cli(bin_dir, "opencode", "\\n1.0.12\\n")
    # Only our folder and the interpreter's: a real claude or pi elsewhere must not count.
    return {"PATH": os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])}


def test_doctor_shows_versions_install_hints_and_table_problems(
    env: dict[str, str], config_path: Path
) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(CONFIG, encoding="utf-8")
    proc = run_takopi("doctor", "--json", env=env)
    report = json.loads(proc.stdout)
    checks = {check["name"]: check for check in report["checks"]}
    assert checks["engine codex"]["status"] == "ok"
    assert checks["engine codex"]["summary"].endswith("bin/codex (codex-cli 0.77.0)")
    assert checks["engine opencode"]["summary"].endswith("bin/opencode (1.0.12)")
    claude = checks["engine claude"]
    assert (claude["status"], claude["summary"]) == ("warning", "claude is not on PATH")
    assert claude["action"] == "install it: npm install -g @anthropic-ai/claude-code"
    pi = checks["engine pi"]
    assert pi["status"] == "warning"
    assert pi["details"] == [
        f"{config_path}: `pi.extra_args` must be a list of strings, found a string"
    ]
    assert set(checks["unknown keys"]["details"]) == {"codex.temperature", "claude.permission_mode"}


def test_plugins_lists_them_as_built_ins_with_cli_missing(env: dict[str, str]) -> None:
    proc = run_takopi("plugins", env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    start = lines.index("engine backends:") + 1
    assert lines[start : start + 4] == [
        "  claude (takopi-tui) built-in  CLI missing: npm install -g @anthropic-ai/claude-code",
        "  codex (takopi-tui) built-in",
        "  opencode (takopi-tui) built-in",
        "  pi (takopi-tui) built-in  CLI missing: npm install -g @mariozechner/pi-coding-agent",
    ]
    listed = {
        item["id"]: item for item in json.loads(run_takopi("plugins", "--json", env=env).stdout)
    }
    assert listed["claude"]["builtin"] is True
    assert listed["claude"]["cli_missing"] is True
    assert listed["codex"]["cli_missing"] is False


def test_unknown_keys_only_inside_built_in_tables() -> None:
    from takopi_core.plugins.discovery import Discovery, PluginEntry

    entries = [
        PluginEntry("engine", engine, "m:B", "takopi-tui", "0.1", True, True)
        for engine in ("codex", "claude")
    ] + [PluginEntry("engine", "acme", "m:B", "takopi-engine-acme", "1", True, False)]
    data = {
        "codex": {"profile": "w", "extra_args": [], "colour": "x"},
        "claude": {"model": "m"},
        "acme": {"anything": 1},
        "pi": {"model": "m"},  # pi is not installed here: its whole table is unknown
    }
    assert unknown_keys(data, Discovery(entries)) == ["codex.colour", "pi"]


def test_settings_types_the_tables_and_keeps_problems_apart(tmp_path: Path) -> None:
    path = tmp_path / "takopi.toml"
    settings = Settings.from_data(
        {"codex": {"profile": "work", "mode": "exec"}, "pi": {"model": 3}}, path
    )
    codex = settings.builtin_engine("codex")
    assert (codex.profile, codex.mode, codex.extra_args) == ("work", "exec", ("-c", "notify=[]"))
    assert settings.builtin_engine("claude").allowed_tools == ("Bash", "Read", "Edit", "Write")
    with pytest.raises(ConfigError, match=r"`pi.model` must be a string, found an integer"):
        settings.builtin_engine("pi")
    assert settings.engine_config("codex") == {"profile": "work", "mode": "exec"}


def test_cli_version_of_a_failing_or_silent_cli(tmp_path: Path) -> None:
    fake_version_cli(tmp_path, "silent", "")
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\necho oops\nexit 2\n")
    failing.chmod(0o755)
    escape = tmp_path / "escape"
    escape.write_text("#!/bin/sh\nprintf 'v1 \\033]52;c;eA==\\a\\n'\n")
    escape.chmod(0o755)
    assert cli_version(str(tmp_path / "silent")) is None
    assert cli_version(str(failing)) is None
    assert cli_version(str(tmp_path / "nope")) is None
    assert cli_version(str(escape)) == "v1 \\x1b]52;c;eA==\\x07"


def test_tui_rows_and_detail_pane_say_cli_missing(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from takopi_core.plugins.discovery import Discovery, PluginEntry
    from takopi_tui.rows import build_rows
    from takopi_tui.widgets.detail_pane import plain_text

    monkeypatch.setenv("PATH", env["PATH"])
    entries = [
        PluginEntry("engine", engine, "m:B", "takopi-tui", "0.1", True, True)
        for engine in ("claude", "codex")
    ]
    rows = {row.id: row for row in build_rows(Discovery(entries), {})}
    assert rows["claude"].cli_missing == "npm install -g @anthropic-ai/claude-code"
    assert rows["codex"].cli_missing is None
    assert "cli missing" in rows["claude"].search_text()
    text = plain_text(rows["claude"])
    assert "built-in" in text.splitlines()[0]
    assert "missing: not on PATH (install it: npm install -g @anthropic-ai/claude-code)" in text
    assert "missing" not in plain_text(rows["codex"])
