"""`takopi doctor`: a healthy setup, each failing check, --fix on bad modes and stale locks,
--json, and secrets masked in every line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.cli import InProcessCli
from support.distfactory import TRANSPORT_GROUP, Dist, write_dists
from support.setup_plugins import (
    PLUGIN_MODULE_PREFIXES,
    child_env,
    make_bin,
    modules_after,
    write_setup_site,
)

from takopi_core.cli.doctor import _masked, print_report
from takopi_core.setup.doctor import DoctorReport, run_doctor
from takopi_core.setup.doctor_config import unknown_keys

HEALTHY = """\
transport = "chatty"
default_engine = "fakecli"

[plugins]
enabled = ["takopi-transport-chatty", "takopi-engine-fakecli"]

[transports.chatty]
bot_token = "ok-sekrit-token"
channel = "#dev"
"""

LEAKY = Dist(
    name="takopi-transport-leaky",
    entry_points={TRANSPORT_GROUP: {"leaky": "leaky_transport.backend:BACKEND"}},
    files={
        "leaky_transport/backend.py": """
            import os
            # A careless plugin that quotes the config in its error.
            raise RuntimeError(open(os.environ["TAKOPI_CONFIG"]).read().strip())
        """
    },
)


@pytest.fixture
def env(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Setup plugins in ``site``; fakecli's CLI on PATH here and in children."""
    write_setup_site(site)
    bin_dir = make_bin(tmp_path / "bin", "fakecli-bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return child_env(site)


def write_config(config_path: Path, text: str, *, mode: int = 0o600) -> Path:
    config_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(config_path.parent, 0o700)
    config_path.write_text(text, encoding="utf-8")
    os.chmod(config_path, mode)
    return config_path


def doctor(config_path: Path, site: Path, **options: Any) -> DoctorReport:
    return run_doctor(config_path, search_path=[str(site)], **options)


def statuses(report: DoctorReport) -> dict[str, str]:
    return {check.name: check.status for check in report.checks}


# --- healthy ---------------------------------------------------------------------------------


def test_healthy_setup_passes_every_check(
    env: dict[str, str], config_path: Path, site: Path, takopi: InProcessCli
) -> None:
    write_config(config_path, HEALTHY)
    proc = takopi("doctor", site=site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "takopi doctor: ~/.takopi/takopi.toml"
    assert lines[-1] == "all checks passed"
    for expected in (
        "  ok       config: ~/.takopi/takopi.toml parses and its values have the right types",
        "  ok       unknown keys: every key is one takopi or an installed plugin uses",
        "  ok       config file mode: ~/.takopi/takopi.toml is 0600",
        "  ok       config folder mode: ~/.takopi is 0700",
        "  ok       secrets: 1 secret (transports.chatty.bot_token), readable only by you",
        "  ok       transport chatty: chatty (takopi-transport-chatty) is set up",
        "  ok       plugins: all 2 visible plugins load",
        "  ok       instance lock: free (no takopi run holds it)",
    ):
        assert expected in lines
    assert any(
        line.startswith("  ok       engine fakecli: fakecli-bin found at ") for line in lines
    )
    assert "ok-sekrit-token" not in proc.stdout


def test_json_output(
    env: dict[str, str], config_path: Path, site: Path, takopi: InProcessCli
) -> None:
    write_config(config_path, HEALTHY.replace('"#dev"', '"#dev"\ncolour = "red"'))
    proc = takopi("doctor", "--json", site=site)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is True and data["errors"] == 0 and data["warnings"] == 1
    unknown = next(c for c in data["checks"] if c["name"] == "unknown keys")
    assert unknown == {
        "name": "unknown keys",
        "status": "warning",
        "summary": "1 key nothing uses (a typo, or a plugin that is not installed?)",
        "details": ["transports.chatty.colour"],
        "action": "fix the spelling, or remove them: takopi config unset KEY",
        "fixable": False,
        "fixed": False,
    }


# --- the config ------------------------------------------------------------------------------


def test_malformed_config(env: dict[str, str], config_path: Path, site: Path) -> None:
    write_config(config_path, 'transport = "chatty"\ndefault_engine = \n')
    report = doctor(config_path, site)
    check = report.find("config")
    assert check is not None and check.status == "error"
    assert check.summary == "~/.takopi/takopi.toml is not valid TOML"
    assert check.details[0].startswith(f"{config_path}:2:")
    assert not report.ok


def test_wrong_types_are_listed_with_key_paths(
    env: dict[str, str], config_path: Path, site: Path
) -> None:
    write_config(config_path, 'transport = 3\nwatch_config = "yes"\n[plugins]\nenabled = "x"\n')
    report = doctor(config_path, site)
    check = report.find("config")
    assert check is not None and check.status == "error"
    assert check.summary == "~/.takopi/takopi.toml has 3 wrong values"
    assert f"{config_path}: `transport` must be a string, found an integer" in check.details
    assert any("`plugins.enabled` must be an array" in line for line in check.details)


def test_missing_config_is_a_warning(env: dict[str, str], config_path: Path, site: Path) -> None:
    report = doctor(config_path, site)
    check = report.find("config")
    assert check is not None and check.status == "warning"
    assert check.action == "create one with `takopi setup`"


def test_unknown_keys(env: dict[str, str], config_path: Path, site: Path) -> None:
    write_config(
        config_path,
        HEALTHY.replace("[plugins]", "[plugins.nobody]\nx = 1\n\n[plugins]")
        + 'colour = "red"\n\n[fakecli]\nmodel = "m"\n[ghostly]\nx = 1\n'
        "[transports.slack]\ntoken = 1\n[projects.site]\npath = '/srv'\nbranch = 'x'\n",
    )
    report = doctor(config_path, site)
    check = report.find("unknown keys")
    assert check is not None and check.status == "warning"
    assert check.details == (
        "ghostly",
        "transports.chatty.colour",
        "transports.slack",
        "plugins.nobody",
        "projects.site.branch",
    )
    # An engine's table is known even when that engine is disabled.
    assert unknown_keys({"ghost": {"m": 1}}, report_discovery(site)) == []


def report_discovery(site: Path):
    from takopi_core.plugins.discovery import discover

    return discover(["takopi-engine-fakecli"], path=[str(site)])


# --- file modes and secrets --------------------------------------------------------------------


def test_bad_modes_and_exposed_secrets_then_fix(
    env: dict[str, str], config_path: Path, site: Path, takopi: InProcessCli
) -> None:
    write_config(config_path, HEALTHY, mode=0o644)
    backup = config_path.with_name("takopi.toml.bak")
    backup.write_text(HEALTHY)
    os.chmod(backup, 0o640)
    os.chmod(config_path.parent, 0o755)
    proc = takopi("doctor", site=site)
    assert proc.returncode == 1
    out = proc.stdout
    assert "  warning  config file mode: ~/.takopi/takopi.toml is 0644; it should be 0600" in out
    assert (
        "  warning  backup file mode: ~/.takopi/takopi.toml.bak is 0640; it should be 0600" in out
    )
    assert "  warning  config folder mode: ~/.takopi is 0755; it should be 0700" in out
    assert (
        "  error    secrets: 1 secret (transports.chatty.bot_token) readable by other users"
    ) in out
    assert "~/.takopi/takopi.toml (0644) is readable by group and others" in out
    assert "~/.takopi/takopi.toml.bak (0640) is readable by the group" in out
    assert "→ takopi doctor --fix (or: chmod 600 ~/.takopi/takopi.toml)" in out
    assert out.rstrip().endswith("1 error, 3 warnings")

    fixed = takopi("doctor", "--fix", site=site)
    assert fixed.returncode == 0, fixed.stdout
    assert "config file mode: ~/.takopi/takopi.toml was 0644, now 0600 (fixed)" in fixed.stdout
    assert "config folder mode: ~/.takopi was 0755, now 0700 (fixed)" in fixed.stdout
    assert (config_path.stat().st_mode & 0o777) == 0o600
    assert (backup.stat().st_mode & 0o777) == 0o600
    assert (config_path.parent.stat().st_mode & 0o777) == 0o700
    assert takopi("doctor", site=site).returncode == 0


def test_declared_secret_fields_count_as_secrets(
    env: dict[str, str], config_path: Path, site: Path
) -> None:
    text = HEALTHY.replace('bot_token = "ok-sekrit-token"\n', "") + (
        'webhook_url = "https://hooks.example/abc"\n'
    )
    write_config(config_path, text, mode=0o604)
    report = doctor(config_path, site)
    check = report.find("secrets")
    assert check is not None and check.status == "error"
    assert "transports.chatty.webhook_url" in check.summary
    assert "https://hooks.example/abc" in report.secrets


def test_secrets_are_masked_unless_asked(
    env: dict[str, str], config_path: Path, site: Path, takopi: InProcessCli
) -> None:
    write_dists(site, LEAKY)
    enabled = '"takopi-engine-fakecli", "takopi-transport-leaky"]'
    write_config(config_path, HEALTHY.replace('"takopi-engine-fakecli"]', enabled))
    proc = takopi("doctor", site=site)
    assert proc.returncode == 1
    assert "transport leaky (takopi-transport-leaky):" in proc.stdout
    assert 'bot_token = "********"' in proc.stdout
    assert "ok-sekrit-token" not in proc.stdout
    # The same report as JSON, and with --show-secrets (printed in-process: same code).
    report = doctor(config_path, site)
    assert "ok-sekrit-token" not in json.dumps(_masked(report.to_json(), report.secrets))
    shown = io.StringIO()
    print_report(report, shown, secrets=[])
    assert 'bot_token = "ok-sekrit-token"' in shown.getvalue()


# --- transport, engines, plugins ----------------------------------------------------------------


def test_transport_setup_issues(env: dict[str, str], config_path: Path, site: Path) -> None:
    write_config(config_path, HEALTHY.replace('bot_token = "ok-sekrit-token"\n', ""))
    report = doctor(config_path, site)
    check = report.find("transport chatty")
    assert check is not None and check.status == "error"
    assert check.summary == "chatty (takopi-transport-chatty) reports 1 setup issue"
    assert check.details == ("- configure chatty", "    set bot_token in [transports.chatty]")
    assert check.action == "takopi setup chatty"


def test_transport_missing_disabled_or_broken(
    env: dict[str, str], config_path: Path, site: Path
) -> None:
    write_config(config_path, HEALTHY.replace('transport = "chatty"', 'transport = "slack"'))
    check = doctor(config_path, site).find("transport slack")
    assert check is not None and check.status == "error"
    assert check.summary == "transport 'slack' is not installed"

    write_config(config_path, HEALTHY.replace('transport = "chatty"', 'transport = "askme"'))
    check = doctor(config_path, site).find("transport askme")
    assert check is not None and check.status == "error"
    assert check.summary == "askme (takopi-transport-askme) is disabled by [plugins] enabled"
    assert check.action == "takopi plugins enable takopi-transport-askme"

    (site / "chatty_transport" / "backend.py").write_text("import not_installed_module\n")
    write_config(config_path, HEALTHY)
    report = doctor(config_path, site)
    check = report.find("transport chatty")
    assert check is not None and check.status == "error"
    assert "failed to load: No module named 'not_installed_module'" in check.summary
    plugins = report.find("plugins")
    assert plugins is not None and plugins.status == "error"
    assert plugins.details[0].startswith(
        "transport chatty (takopi-transport-chatty): No module named 'not_installed_module'"
    )


def test_engines_on_path(env: dict[str, str], config_path: Path, site: Path) -> None:
    text = HEALTHY.replace(
        '"takopi-engine-fakecli"]', '"takopi-engine-fakecli", "takopi-engine-ghost"]'
    )
    write_config(config_path, text)
    report = doctor(config_path, site)
    ghost = report.find("engine ghost")
    assert ghost is not None and ghost.status == "warning"
    assert ghost.summary == "ghost-bin is not on PATH"
    assert ghost.action == "install it: curl -fsSL ghost.example/install | sh"
    assert report.ok  # a missing CLI of another engine is only a warning

    write_config(
        config_path, text.replace('default_engine = "fakecli"', 'default_engine = "ghost"')
    )
    report = doctor(config_path, site)
    ghost = report.find("engine ghost")
    assert ghost is not None and ghost.status == "error"
    assert "(the default engine: runs cannot start)" in ghost.summary
    assert not report.ok

    write_config(config_path, text.replace('default_engine = "fakecli"', 'default_engine = "nope"'))
    check = doctor(config_path, site).find("default engine")
    assert check is not None and check.status == "error"
    assert check.summary == "default_engine 'nope' is not an installed engine"
    assert check.details == ("installed: fakecli, ghost",)


def test_no_engine_at_all(env: dict[str, str], config_path: Path, site: Path) -> None:
    write_config(config_path, HEALTHY.replace(', "takopi-engine-fakecli"', ""))
    report = doctor(config_path, site)
    assert statuses(report)["engines"] == "error"
    assert statuses(report)["transport chatty"] == "warning"  # nothing to check it with


# --- the instance lock -------------------------------------------------------------------------

HOLD_LOCK = """
import sys, time
from pathlib import Path
from takopi_core.run.lock import acquire_lock
lock = acquire_lock(Path(sys.argv[1]), "tok", transport="chatty")
print("locked", flush=True)
time.sleep(120)
"""


@pytest.fixture
def lock_holder(config_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A real process holding the instance lock of ``config_path``."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(config_path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked"
    try:
        yield child
    finally:
        child.kill()
        child.wait()


def test_lock_held_by_a_live_run(
    env: dict[str, str], config_path: Path, site: Path, lock_holder: subprocess.Popen[str]
) -> None:
    write_config(config_path, HEALTHY)
    report = doctor(config_path, site)
    check = report.find("instance lock")
    assert check is not None and check.status == "ok"
    assert check.summary.startswith(f"held: pid {lock_holder.pid} (chatty) since ")
    assert report.ok


def test_stale_lock_then_fix(
    env: dict[str, str], config_path: Path, site: Path, lock_holder: subprocess.Popen[str]
) -> None:
    write_config(config_path, HEALTHY)
    lock_holder.kill()  # killed: the OS drops its flock, the file stays behind
    lock_holder.wait()
    [lock_file] = list(config_path.parent.glob("takopi-*.lock"))
    report = doctor(config_path, site)
    check = report.find("instance lock")
    assert check is not None and check.status == "warning"
    assert check.summary == "1 stale lock file (harmless: the next run takes it over)"
    assert check.details == (
        f"~/.takopi/{lock_file.name}: left by pid {lock_holder.pid} (gone), which no longer "
        "holds it",
    )
    assert check.fixable and check.action == "takopi doctor --fix removes it"
    fixed = doctor(config_path, site, fix=True).find("instance lock")
    assert fixed is not None and fixed.status == "ok" and fixed.fixed
    assert not lock_file.exists()


def test_doctor_runs_no_plugin_code_in_its_own_process(
    env: dict[str, str], config_path: Path
) -> None:
    write_config(config_path, HEALTHY)
    modules, status = modules_after(["doctor"], env)
    assert status == 0
    assert "takopi_core.setup.doctor" in modules
    assert not {m for m in modules if m.startswith(PLUGIN_MODULE_PREFIXES)}
