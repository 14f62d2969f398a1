"""The shared setup flow: surveying transports and engines through the real probe, values,
the planned text (golden file), masked diffs and the check after writing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support.paths import GOLDEN as GOLDEN_ROOT
from support.setup_plugins import make_bin, write_setup_site

from takopi_core.config.file import ConfigFile
from takopi_core.plugins.fields import FieldSpec
from takopi_core.setup.flow import SetupSession, describe_issues, plain
from takopi_core.setup.plan import SetupPlan, plan_diff, plan_text
from takopi_core.setup.values import (
    current_values,
    initial_values,
    is_configured,
    local_errors,
    parse_assignments,
)

GOLDEN = GOLDEN_ROOT / "setup"

SPECS = (
    FieldSpec("bot_token", "Bot token", secret=True, has_validator=True),
    FieldSpec("channel", "Channel", default="#general"),
    FieldSpec("mode", "Mode", choices=("thread", "channel"), default="thread"),
    FieldSpec("retries", "Retries", kind="int", default=3, required=False),
    FieldSpec("webhook_url", "Webhook URL", secret=True, required=False),
    FieldSpec("topics.enabled", "Topics", kind="bool", default=False),
)


@pytest.fixture
def session(
    site: Path, tmp_path: Path, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SetupSession:
    """Setup plugins in ``site``; fakecli's CLI on PATH (here and in the children)."""
    write_setup_site(site)
    bin_dir = make_bin(tmp_path / "bin", "fakecli-bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return SetupSession(config_path, search_path=[str(site)])


def test_survey_lists_transports_and_engines_with_status(
    session: SetupSession, config_path: Path
) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text('default_engine = "fakecli"\n[transports.askme]\nname = "Ann"\n')
    survey = session.survey()
    by_id = {t.id: t for t in survey.transports}
    assert sorted(by_id) == ["askme", "chatty"]
    assert by_id["askme"].status == "ready"
    assert by_id["chatty"].status == "needs setup"
    assert by_id["chatty"].description == "Chatty bot (test transport with declared fields)"
    assert by_id["chatty"].issues == (
        ("configure chatty", ("   [dim]set[/] bot_token in [transports.chatty]",)),
    )
    assert [f.key for f in by_id["chatty"].fields][:2] == ["bot_token", "channel"]
    engines = {e.id: e for e in survey.engines}
    assert engines["fakecli"].installed and engines["fakecli"].status == "installed"
    assert not engines["ghost"].installed
    assert engines["ghost"].status == "ghost-bin not found"
    assert engines["ghost"].install_hint == "$ curl -fsSL ghost.example/install | sh"
    assert survey.default_engine == "fakecli"


def test_check_setup_runs_with_the_chosen_engine(session: SetupSession, config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[transports.chatty]\nbot_token = "ok-1"\n')
    survey = session.survey()
    chatty = survey.transport("chatty")
    assert chatty is not None
    # ghost's CLI is missing, so with ghost chatty is not ready; with fakecli it is.
    with_ghost = session.check(chatty.entry, "ghost")
    assert with_ghost.status == "needs setup"
    assert with_ghost.issues[0][0] == "install ghost-bin"
    assert session.check(chatty.entry, "fakecli").status == "ready"


def test_disabled_transports_are_not_offered(session: SetupSession, config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(
        '[plugins]\nenabled = ["takopi-transport-askme", "takopi-engine-fakecli"]\n'
    )
    survey = session.survey()
    assert [t.id for t in survey.transports] == ["askme"]
    assert [e.id for e in survey.engines] == ["fakecli"]


# --- values ----------------------------------------------------------------------------------


def test_current_and_initial_values() -> None:
    data = {"transports": {"chatty": {"channel": "#old", "topics": {"enabled": True}}}}
    assert current_values(data, "chatty", SPECS) == {"channel": "#old", "topics.enabled": True}
    assert initial_values(data, "chatty", SPECS) == {
        "bot_token": None,
        "channel": "#old",
        "mode": "thread",
        "retries": 3,
        "webhook_url": None,
        "topics.enabled": True,
    }
    assert not is_configured(data, "chatty", SPECS)  # no token, and it has no default
    data["transports"]["chatty"]["bot_token"] = "t"
    assert is_configured(data, "chatty", SPECS)  # mode and retries have defaults
    data["transports"]["chatty"]["mode"] = "dm"
    assert not is_configured(data, "chatty", SPECS)
    assert current_values({"transports": "oops"}, "chatty", SPECS) == {}


def test_local_errors_and_assignments() -> None:
    values, problems = parse_assignments(
        ["bot_token=ok-1", "retries=x", "mode=dm", "nope=1", "novalue", "topics.enabled=yes"],
        SPECS,
    )
    assert values == {"bot_token": "ok-1", "topics.enabled": True}
    assert problems == [
        "retries: must be a whole number",
        "mode: must be one of thread, channel",
        "nope: not a setup field of this transport (fields: bot_token, channel, mode, retries, "
        "webhook_url, topics.enabled)",
        "'novalue': expected KEY=VALUE",
    ]
    assert local_errors(SPECS, {"channel": "#c", "mode": "thread", "topics.enabled": False}) == {
        "bot_token": "is required"
    }


def test_issue_lines_are_plain_and_masked() -> None:
    issues = (("install [bold]x[/bold]", ("   [dim]$[/] pip install x --token sekrit-1",)),)
    assert describe_issues(issues, ["sekrit-1"]) == [
        "- install x",
        "    $ pip install x --token ********",
    ]
    # Square brackets that are not style tags stay: TOML table names, for one.
    assert plain("set [transports.chatty] bot_token") == "set [transports.chatty] bot_token"


# --- the text, the diff ----------------------------------------------------------------------


def _golden_config(config_path: Path, source: str) -> ConfigFile:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(GOLDEN / "inputs" / source, config_path)
    return ConfigFile.load(config_path)


def test_plan_text_golden(config_path: Path) -> None:
    config = _golden_config(config_path, "commented.toml")
    plan = SetupPlan(
        "chatty",
        values={
            "bot_token": "ok-secret-1",
            "channel": "#dev",
            "mode": "thread",
            "retries": None,
            "webhook_url": "https://hooks.example/abc",
            "topics.enabled": True,
        },
        specs=SPECS,
        make_default=True,
        default_engine="fakecli",
    )
    new_text = plan_text(config, plan)
    assert config.save(new_text)
    written = config_path.read_text(encoding="utf-8")
    expected = GOLDEN / "expected" / "plan_text.toml"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(written, encoding="utf-8")
    assert written == expected.read_text(encoding="utf-8")
    original = (GOLDEN / "inputs" / "commented.toml").read_text()
    for line in original.splitlines():
        if "#" in line and "default_engine" not in line and "channel" not in line:
            assert line in written.splitlines(), line


def test_unchanged_values_leave_the_text_alone(config_path: Path) -> None:
    config = _golden_config(config_path, "commented.toml")
    plan = SetupPlan("chatty", values={"channel": "#old"}, specs=SPECS, default_engine="ghost")
    assert plan_text(config, plan) == config.text


def test_diff_masks_declared_and_named_secrets(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(
        '[transports.chatty]\nbot_token = "ok-old"\nwebhook_url = "https://old.example/x"\n'
    )
    config = ConfigFile.load(config_path)
    plan = SetupPlan(
        "chatty",
        values={"bot_token": "ok-new", "webhook_url": "https://old.example/x", "channel": "#c"},
        specs=SPECS,
    )
    new_text = plan_text(config, plan)
    diff = plan_diff(config, new_text, secret_paths=plan.secret_paths())
    assert "ok-old" not in diff and "ok-new" not in diff and "old.example" not in diff
    assert '-bot_token = "********"' in diff
    assert '+bot_token = "******** (new value)"' in diff
    assert 'webhook_url = "********"' in diff  # unchanged: a context line, not a change
    assert "+webhook_url" not in diff
    assert '+channel = "#c"' in diff
    shown = plan_diff(config, new_text, secret_paths=plan.secret_paths(), show_secrets=True)
    assert '+bot_token = "ok-new"' in shown and "https://old.example/x" in shown
