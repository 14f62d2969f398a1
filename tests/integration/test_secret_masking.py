"""Secrets stay masked in every output (issue 10, points 11 and 12).

The real CLI runs in child processes against real distributions (tests/support/hostile.py):
a transport declaring ``webhook_url`` as a secret field and echoing the whole config in its
setup issues, one that raises at import with the config in its message, and an engine whose
``build_runner`` does the same. The config holds a secret under a secret-named key, in the
declared field, in an array, an array of tables and an inline table.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support.hostile import (
    BROKEN_CONFIG,
    CONFIG,
    SECRET_KEYS,
    SECRETS,
    SYNTAX_SECRET,
    write_hostile_site,
)

from takopi_core.secrets import MASK

DECLARED = SECRETS["declared field"]


@pytest.fixture
def lab(tmp_path: Path, config_path: Path) -> dict[str, Path]:
    site, bin_dir = tmp_path / "site", tmp_path / "bin"
    write_hostile_site(site, bin_dir)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(CONFIG, encoding="utf-8")
    config_path.chmod(0o600)
    return {"site": site, "bin": bin_dir, "config": config_path, "work": tmp_path}


def takopi(lab: dict[str, Path], *args: str, cwd: Path | None = None) -> str:
    """stdout and stderr of the real CLI, with the fake engine's CLI on PATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(lab["site"]), env.get("PYTHONPATH")) if p)
    env["PATH"] = os.pathsep.join([str(lab["bin"]), env.get("PATH", "")])
    env.pop("TAKOPI_LOG_FILE", None)
    done = subprocess.run(
        [sys.executable, "-m", "takopi_core", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or lab["work"],
        input="",
        timeout=120,
    )
    return done.stdout + done.stderr


def leaked(output: str) -> list[str]:
    return [where for where, secret in SECRETS.items() if secret in output]


def test_config_show_get_and_diffs_mask_a_declared_secret_field(lab):
    shown = takopi(lab, "config", "show")
    assert f"transports.leaky.webhook_url = {MASK}" in shown
    assert 'transports.leaky.room = "general"' in shown  # a plain field stays readable
    assert leaked(shown) == []
    assert takopi(lab, "config", "get", SECRET_KEYS["declared field"]).strip() == MASK
    diff = takopi(lab, "config", "unset", SECRET_KEYS["declared field"], "--dry-run")
    assert f'-webhook_url = "{MASK}"' in diff and DECLARED not in diff
    echoed = takopi(lab, "config", "set", SECRET_KEYS["declared field"], "TYPED-S3CRET-9999")
    assert "TYPED-S3CRET-9999" not in echoed and MASK in echoed
    assert "TYPED-S3CRET-9999" in lab["config"].read_text()  # and it was saved


def test_show_secrets_shows_them(lab):
    assert DECLARED in takopi(lab, "config", "get", SECRET_KEYS["declared field"], "--show-secrets")


def test_doctor_masks_secrets_in_arrays_and_declared_fields_echoed_by_plugins(lab):
    for output in (takopi(lab, "doctor"), takopi(lab, "doctor", "--json")):
        assert "cannot start with" in output  # crashy's message, quoting the config
        assert leaked(output) == []
    report = takopi(lab, "doctor")
    assert "no secrets in the config" not in report
    assert "api_keys" in report and "accounts.password" in report


def test_plugin_messages_quoting_secrets_are_masked_in_plugins_and_tui_plain(lab):
    for args in (("plugins", "--load"), ("plugins", "--load", "--json"), ("tui", "--plain")):
        output = takopi(lab, *args)
        assert "cannot start with" in output, args
        assert leaked(output) == [], args


def test_setup_masks_secrets_echoed_in_setup_issues_and_the_diff(lab):
    output = takopi(lab, "setup", "leaky", "--non-interactive", "room=dev", "--no-default")
    assert "config has" in output  # the issue lines that quote the config
    assert leaked(output) == []


def test_run_masks_setup_issues_warnings_and_the_debug_log(lab):
    issues = takopi(lab, "run", "--transport", "leaky")
    assert "is not ready" in issues and "config has" in issues
    assert leaked(issues) == []
    work = lab["work"] / "cwd"
    work.mkdir()
    warnings = takopi(lab, "run", "--transport", "terminal", "--debug", cwd=work)
    assert "leakeng: " in warnings and "rejected" in warnings
    assert leaked(warnings) == []
    # The log goes beside the config, never into the current folder, readable only by us.
    assert not (work / "debug.log").exists()
    log = lab["config"].parent / "debug.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = log.read_text()
    assert "rejected" in text and leaked(text) == []


@pytest.mark.parametrize(
    "args",
    [
        ("config", "show"),
        ("config", "set", "x", "1"),
        ("doctor",),
        ("plugins",),
        ("run",),
        ("tui", "--plain"),
    ],
)
def test_a_syntax_error_on_a_token_line_shows_the_key_not_the_token(lab, args):
    lab["config"].write_text(BROKEN_CONFIG, encoding="utf-8")
    output = takopi(lab, *args)
    assert "invalid TOML" in output
    assert f"bot_token = {MASK}" in output
    assert SYNTAX_SECRET not in output


def test_doctor_does_not_call_an_unreadable_config_free_of_secrets(lab):
    lab["config"].write_text(BROKEN_CONFIG, encoding="utf-8")
    report = takopi(lab, "doctor")
    assert "no secrets in the config" not in report
    assert "secrets: not checked: the config could not be read" in report


def test_plugins_disable_dry_run_masks_a_declared_field_in_the_diff_context(lab):
    lab["config"].write_text(f'[transports.leaky]\nwebhook_url = "{DECLARED}"\n', encoding="utf-8")
    diff = takopi(lab, "plugins", "disable", "takopi-crashy", "--dry-run")
    assert "+[plugins]" in diff and f'webhook_url = "{MASK}"' in diff
    assert DECLARED not in diff
