"""Settings: the typed view of takopi.toml, built from real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from takopi_core.config.settings import (
    ProjectSettings,
    Settings,
    load_settings,
    load_settings_if_exists,
)
from takopi_core.errors import ConfigError

FULL = """
watch_config = true
default_engine = " claude "
default_project = "Gadgets"
transport = "telegram"
some_future_key = "kept"

[transports.telegram]
bot_token = "1:abc"
chat_id = 42
extra_field = [1, 2]

[transports.slack]
app_token = "xapp"

[plugins]
enabled = ["takopi", " takopi-transport-slack "]

[plugins.multi]
engines = ["codex", "claude"]

[codex]
model = "o3"

[myengine]
flags = { fast = true }

[projects.gadgets]
path = "code/gadgets"
worktrees_dir = "~/trees"
default_engine = "codex"
worktree_base = "main"
chat_id = " -100123 "
notes = "unknown keys stay"

[projects.site]
path = "/srv/site"
"""


def write(config_path: Path, text: str) -> Path:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(text, encoding="utf-8")
    return config_path


def test_typed_fields(config_path: Path) -> None:
    settings, path = load_settings(write(config_path, FULL))
    assert path == config_path
    assert settings.path == config_path
    assert settings.watch_config is True
    assert settings.default_engine == "claude"  # stripped
    assert settings.default_project == "Gadgets"
    assert settings.transport == "telegram"
    assert settings.enabled == ["takopi", "takopi-transport-slack"]
    assert set(settings.transports) == {"telegram", "slack"}
    assert settings.transport_config("telegram") == {
        "bot_token": "1:abc",
        "chat_id": 42,
        "extra_field": [1, 2],
    }
    assert settings.transport_config("discord") == {}
    assert settings.plugin_config("multi") == {"engines": ["codex", "claude"]}
    assert settings.plugin_config("absent") == {}
    assert settings.plugin_configs == {"multi": {"engines": ["codex", "claude"]}}


def test_unknown_keys_are_kept(config_path: Path) -> None:
    settings, _ = load_settings(write(config_path, FULL))
    assert settings.extras == {
        "some_future_key": "kept",
        "codex": {"model": "o3"},
        "myengine": {"flags": {"fast": True}},
    }
    assert settings.raw["transports"]["telegram"]["extra_field"] == [1, 2]
    assert settings.projects["gadgets"].extra == {"notes": "unknown keys stay"}


def test_engine_config_is_the_table_itself(config_path: Path) -> None:
    settings, _ = load_settings(write(config_path, FULL))
    table = settings.engine_config("codex", config_path=config_path)
    assert table == {"model": "o3"}
    assert table is settings.raw["codex"]
    assert settings.engine_config("myengine") == {"flags": {"fast": True}}
    assert settings.engine_config("absent") == {}


def test_engine_config_that_is_not_a_table(config_path: Path) -> None:
    settings, _ = load_settings(write(config_path, 'codex = "o3"\n'))
    with pytest.raises(ConfigError) as caught:
        settings.engine_config("codex", config_path=config_path)
    assert str(caught.value) == (
        f"{config_path}: `codex` must be a table of engine settings, found a string"
    )


def test_plugin_and_transport_configs_are_copies(config_path: Path) -> None:
    settings, _ = load_settings(write(config_path, FULL))
    settings.plugin_config("multi")["engines"] = []
    settings.transport_config("slack")["app_token"] = "changed"
    assert settings.plugin_config("multi") == {"engines": ["codex", "claude"]}
    assert settings.transport_config("slack") == {"app_token": "xapp"}


def test_projects(config_path: Path) -> None:
    settings, _ = load_settings(write(config_path, FULL))
    gadgets = settings.projects["gadgets"]
    assert isinstance(gadgets, ProjectSettings)
    assert gadgets.alias == "gadgets"
    assert gadgets.path == config_path.parent / "code" / "gadgets"  # relative to the config
    assert gadgets.worktrees_dir == Path.home() / "trees"
    assert gadgets.worktrees_root == Path.home() / "trees"
    assert gadgets.default_engine == "codex"
    assert gadgets.worktree_base == "main"
    assert gadgets.chat_id == -100123  # a string of digits is accepted
    site = settings.projects["site"]
    assert site.path == Path("/srv/site")
    assert site.worktrees_root == Path("/srv/site/.worktrees")
    assert site.default_engine is None and site.chat_id is None


def test_empty_config() -> None:
    settings = Settings.from_data({}, Path("/x/takopi.toml"))
    assert settings.default_engine is None
    assert settings.transport is None
    assert settings.enabled == []
    assert settings.projects == {}
    assert settings.transports == {}
    assert settings.watch_config is False


def test_every_problem_is_reported_with_its_key_path(config_path: Path) -> None:
    text = (
        "default_engine = 1\nwatch_config = 'yes'\n"
        "[plugins]\nenabled = [1]\nmulti = 2\n"
        "[projects.a]\nchat_id = 1.5\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(write(config_path, text))
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{config_path}: `watch_config` must be true or false, found a string",
        f"{config_path}: `default_engine` must be a string, found an integer",
        f"{config_path}: `plugins.enabled[0]` must be a distribution name (a string), "
        "found an integer",
        f"{config_path}: `plugins.multi` must be a table, found an integer",
        f"{config_path}: `projects.a.path` is required",
        f"{config_path}: `projects.a.chat_id` must be an integer, found a float",
    ]


def test_load_settings_uses_takopi_config(config_path: Path) -> None:
    write(config_path, 'default_engine = "codex"\n')
    settings, path = load_settings()
    assert path == config_path
    assert settings.default_engine == "codex"


def test_load_settings_needs_a_file(config_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing config file"):
        load_settings(config_path)
    assert load_settings_if_exists(config_path) is None
    config_path.mkdir(parents=True)
    with pytest.raises(ConfigError, match="is a directory, not a regular file"):
        load_settings(config_path)


def test_load_settings_reports_malformed_toml(config_path: Path) -> None:
    write(config_path, "a = [1,\n")
    with pytest.raises(ConfigError, match=rf"^{config_path}:\d+:\d+: invalid TOML"):
        load_settings(config_path)
