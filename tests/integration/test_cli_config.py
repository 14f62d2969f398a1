"""The real `takopi config ...` and `takopi plugins enable|disable`, run in process (the
plugins still load in the CLI's children); the import check runs in a child of its own."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from support.cli import InProcessCli
from support.config_support import ACME, MULTI, SLACK, write_plugin_site

COMMENTED = """\
# my takopi config
default_engine = "codex"  # quick one
transport = "slack"

[transports.slack]
app_token = "xapp-secret-123"  # from the Slack app page
channel = "general"

[plugins]
enabled = []  # everything
"""


def write(config_path: Path, text: str = COMMENTED) -> str:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(text, encoding="utf-8")
    return text


# --- config path / show / get ------------------------------------------------------------


def test_config_path(config_path: Path, tmp_path: Path, takopi: InProcessCli) -> None:
    assert takopi("config", "path").stdout == f"{config_path}\n"
    other = tmp_path / "other.toml"
    assert takopi("config", "path", "--config", str(other)).stdout == f"{other}\n"
    assert takopi("config", "--config", str(other), "path").stdout == f"{other}\n"


def test_show_masks_secrets_unless_asked(config_path: Path, takopi: InProcessCli) -> None:
    write(config_path)
    shown = takopi("config", "show")
    assert shown.returncode == 0
    assert shown.stdout.splitlines() == [
        'default_engine = "codex"',
        "plugins.enabled = []",
        'transport = "slack"',
        "transports.slack.app_token = ********",
        'transports.slack.channel = "general"',
    ]
    revealed = takopi("config", "list", "--show-secrets")
    assert 'transports.slack.app_token = "xapp-secret-123"' in revealed.stdout


def test_show_without_a_file(config_path: Path, takopi: InProcessCli) -> None:
    result = takopi("config", "show")
    assert result.returncode == 0
    assert result.stdout == ""
    assert "no config file at ~/.takopi/takopi.toml" in result.stderr
    assert not config_path.exists()


def test_get(config_path: Path, takopi: InProcessCli) -> None:
    write(config_path)
    assert takopi("config", "get", "default_engine").stdout == '"codex"\n'
    secret = takopi("config", "get", "transports.slack.app_token")
    assert secret.stdout == "********\n"
    shown = takopi("config", "get", "transports.slack.app_token", "--show-secrets")
    assert shown.stdout == '"xapp-secret-123"\n'

    missing = takopi("config", "get", "transports.slack.nope")
    assert (missing.returncode, missing.stdout) == (1, "")

    table = takopi("config", "get", "transports.slack")
    assert table.returncode == 2
    assert "is a table" in table.stderr

    through = takopi("config", "get", "default_engine.model")
    assert through.returncode == 2
    assert through.stderr == f"error: {config_path}: `default_engine` is a string, not a table\n"

    bad_key = takopi("config", "get", "a..b")
    assert bad_key.returncode == 2 and "empty segment" in bad_key.stderr


def test_reading_commands_do_not_import_tomlkit(config_path: Path) -> None:
    write(config_path)
    code = (
        "import sys\n"
        "from takopi_core.cli import main\n"
        "for argv in (['config', 'show'], ['config', 'get', 'transport'], ['config', 'path']):\n"
        "    main(argv)\n"
        "assert 'tomlkit' not in sys.modules, 'tomlkit imported'\n"
        "assert 'takopi_core.config.edit' not in sys.modules\n"
        "print('clean')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("clean\n")


# --- config set / unset ------------------------------------------------------------------


def test_set_creates_a_private_file(config_path: Path, takopi: InProcessCli) -> None:
    result = takopi("config", "set", "transports.telegram.chat_id", "123")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "updated transports.telegram.chat_id = 123",
        "saved ~/.takopi/takopi.toml",
    ]
    assert config_path.read_text() == "[transports.telegram]\nchat_id = 123\n"
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_path.parent.stat().st_mode) == 0o700


def test_set_parses_values_and_keeps_comments(config_path: Path, takopi: InProcessCli) -> None:
    write(config_path)
    for key, raw in (
        ("default_engine", "claude"),
        ("watch_config", "true"),
        ("plugins.multi.engines", '["codex", "claude"]'),
        ("transports.slack.channel", "  random  "),
    ):
        result = takopi("config", "set", key, raw)
        assert result.returncode == 0, result.stderr
    assert config_path.read_text() == (
        "# my takopi config\n"
        'default_engine = "claude"  # quick one\n'
        'transport = "slack"\n'
        "watch_config = true\n"
        "\n"
        "[transports.slack]\n"
        'app_token = "xapp-secret-123"  # from the Slack app page\n'
        'channel = "random"\n'
        "\n"
        "[plugins]\n"
        "enabled = []  # everything\n"
        "\n"
        "[plugins.multi]\n"
        'engines = ["codex", "claude"]\n'
    )
    assert config_path.with_name("takopi.toml.bak").exists()


def test_set_masks_a_secret_in_its_output(config_path: Path, takopi: InProcessCli) -> None:
    write(config_path)
    result = takopi("config", "set", "transports.slack.bot_token", "xoxb-999")
    assert result.returncode == 0
    assert "xoxb-999" not in result.stdout
    assert "updated transports.slack.bot_token = ********" in result.stdout
    assert 'bot_token = "xoxb-999"' in config_path.read_text()


def test_set_dry_run_prints_a_masked_diff_and_writes_nothing(
    config_path: Path, takopi: InProcessCli
) -> None:
    text = write(config_path)
    result = takopi("config", "set", "transports.slack.channel", "ops", "--dry-run")
    assert result.returncode == 0
    assert '-channel = "general"' in result.stdout
    assert '+channel = "ops"' in result.stdout
    assert ' app_token = "********"  # from the Slack app page' in result.stdout
    assert "xapp-secret-123" not in result.stdout
    assert result.stdout.endswith("dry run: nothing written\n")
    assert config_path.read_text() == text
    assert not config_path.with_name("takopi.toml.bak").exists()


def test_set_refuses_a_value_that_breaks_the_config(
    config_path: Path, takopi: InProcessCli
) -> None:
    text = write(config_path)
    result = takopi("config", "set", "plugins.enabled", "everything")
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {config_path}: `plugins.enabled` must be an array of distribution names, "
        "found a string\n"
    )
    through = takopi("config", "set", "default_engine.model", "x")
    assert through.returncode == 2
    assert "`default_engine` is a string, not a table" in through.stderr
    assert config_path.read_text() == text


def test_unset(config_path: Path, takopi: InProcessCli) -> None:
    write(config_path)
    dry = takopi("config", "unset", "transports.slack.channel", "--dry-run")
    assert '-channel = "general"' in dry.stdout
    assert "channel" in config_path.read_text()

    done = takopi("config", "unset", "transports.slack.channel")
    assert done.returncode == 0
    assert done.stdout.startswith("removed transports.slack.channel\n")
    assert "channel" not in config_path.read_text()
    assert "# from the Slack app page" in config_path.read_text()

    missing = takopi("config", "unset", "transports.slack.channel")
    assert missing.returncode == 1
    assert missing.stdout == ""


# --- plugins enable / disable ------------------------------------------------------------


def test_disable_writes_the_others_and_names_the_distribution(
    config_path: Path, site: Path, takopi: InProcessCli
) -> None:
    write_plugin_site(site, SLACK, ACME, MULTI)
    write(config_path)
    result = takopi("plugins", "disable", "acme", site=site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "engine 'acme' is provided by distribution takopi-engine-acme" in lines
    assert "disabled takopi-engine-acme: engine acme, command acme_stats" in lines
    assert "restart takopi to apply" in lines
    text = config_path.read_text()
    assert (
        "enabled = [\n"
        '    "takopi-command-multi",\n'
        '    "takopi-transport-slack",\n'
        '    "takopi-tui",\n'
        "]  # everything\n"
    ) in text
    assert text.startswith("# my takopi config\n")

    listing = takopi("plugins", site=site)
    assert "acme" in listing.stdout  # still listed, now as disabled
    again = takopi("plugins", "enable", "takopi-engine-acme", site=site)
    assert again.returncode == 0
    assert '    "takopi-engine-acme",\n]  # everything' in config_path.read_text()


def test_dry_run_prints_a_diff_and_writes_nothing(
    config_path: Path, site: Path, takopi: InProcessCli
) -> None:
    write_plugin_site(site, SLACK, ACME)
    text = write(config_path)
    result = takopi("plugins", "disable", "slack", "--dry-run", site=site)
    assert result.returncode == 0
    assert "-enabled = []  # everything" in result.stdout
    assert '+enabled = ["takopi-engine-acme", "takopi-tui"]  # everything' in result.stdout
    assert "dry run: nothing written" in result.stdout
    assert "xapp-secret-123" not in result.stdout
    # The configured transport is the one being hidden: a warning, on stderr.
    assert "warning: this hides the configured transport 'slack'" in result.stderr
    assert config_path.read_text() == text


def test_enable_all_and_the_parent_config_option(
    config_path: Path, site: Path, tmp_path: Path, takopi: InProcessCli
) -> None:
    write_plugin_site(site, SLACK, ACME)
    elsewhere = tmp_path / "elsewhere.toml"
    write(elsewhere, '[plugins]\nenabled = ["takopi-engine-acme"]  # only acme\n')
    result = takopi("plugins", "--config", str(elsewhere), "enable", "--all", site=site)
    assert result.returncode == 0, result.stderr
    assert elsewhere.read_text() == "[plugins]\nenabled = []  # only acme\n"
    assert "enabled takopi-transport-slack: transport slack" in result.stdout
    assert not config_path.exists()


def test_refusals_and_usage_errors_write_nothing(
    config_path: Path, site: Path, takopi: InProcessCli
) -> None:
    write_plugin_site(site, ACME)
    text = write(config_path, '[plugins]\nenabled = ["takopi-engine-acme"]\n')

    last = takopi("plugins", "disable", "takopi-engine-acme", site=site)
    assert last.returncode == 2
    assert "refusing to hide every installed plugin distribution" in last.stderr

    unknown = takopi("plugins", "enable", "nope", site=site)
    assert unknown.returncode == 2
    assert "no installed plugin id or distribution named 'nope'" in unknown.stderr

    nothing = takopi("plugins", "enable", site=site)
    assert nothing.returncode == 2

    assert config_path.read_text() == text
    assert not config_path.with_name("takopi.toml.bak").exists()
