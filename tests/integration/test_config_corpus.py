"""A corpus of malformed and wrongly typed configs.

Each one must give a clear error naming the place (file plus line and column, or file plus
key path), in process and through the real CLI, and no edit may modify the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import InProcessCli

from takopi_core.config.file import ConfigFile
from takopi_core.errors import ConfigError
from takopi_core.plugins.enablement import plan_for_config

#: name -> (config text, what the error must contain besides the file path)
CORPUS: dict[str, tuple[str, list[str]]] = {
    # --- syntax: the place is line:column, and the offending line is shown -------------
    "unterminated_string": ('a = 1\nb = "open\n', [":2:", 'b = "open']),
    "missing_value": ("default_engine =\n", [":1:", "default_engine ="]),
    "duplicate_key": ("a = 1\na = 2\n", [":2:", "a = 2"]),
    "duplicate_table": ("[codex]\nx = 1\n[codex]\ny = 2\n", [":3:", "[codex]"]),
    "unclosed_header": ("[plugins\nenabled = []\n", [":1:", "[plugins"]),
    "bad_escape": ('a = "back\\q"\n', [":1:", 'a = "back\\q"']),
    "bare_word_value": ("default_engine = codex\n", [":1:", "default_engine = codex"]),
    "array_without_comma": ('[plugins]\nenabled = ["a" "b"]\n', [":2:", "enabled ="]),
    "unclosed_array_at_end": ("a = [1,\n", [":1:8:", "at the end of the file", "a = [1,"]),
    "inline_table_newline": ("p = { a = 1,\n b = 2 }\n", [":1:"]),
    "control_character": ('a = "x\x01y"\n', [":1:"]),
    # --- types: the place is the key path ----------------------------------------------
    "plugins_not_table": ('plugins = "all"\n', ["`plugins` must be a table, found a string"]),
    "enabled_not_array": (
        '[plugins]\nenabled = "takopi"\n',
        ["`plugins.enabled` must be an array", "found a string"],
    ),
    "enabled_item_not_string": (
        '[plugins]\nenabled = ["ok", 1]\n',
        ["`plugins.enabled[1]`", "found an integer"],
    ),
    "enabled_item_blank": ('[plugins]\nenabled = ["  "]\n', ["`plugins.enabled[0]` must not"]),
    "plugin_config_not_table": ("[plugins]\nmulti = 3\n", ["`plugins.multi` must be a table"]),
    "default_engine_not_string": ("default_engine = 3\n", ["`default_engine` must be a string"]),
    "transport_empty": ('transport = "  "\n', ["`transport` must not be empty"]),
    "transports_not_table": ("transports = []\n", ["`transports` must be a table"]),
    "transport_config_not_table": (
        "[transports]\nslack = 1\n",
        ["`transports.slack` must be a table, found an integer"],
    ),
    "project_not_table": ('[projects]\nfoo = "x"\n', ["`projects.foo` must be a table"]),
    "project_without_path": ("[projects.foo]\nchat_id = 1\n", ["`projects.foo.path` is required"]),
    "project_chat_id_bool": (
        '[projects.foo]\npath = "."\nchat_id = true\n',
        ["`projects.foo.chat_id` must be an integer, found a boolean"],
    ),
    "project_chat_id_word": (
        '[projects.foo]\npath = "."\nchat_id = "abc"\n',
        ["`projects.foo.chat_id` must be an integer"],
    ),
    "project_alias_with_space": (
        '[projects."my app"]\npath = 3\n',
        ['`projects."my app".path` must be a string'],
    ),
    "watch_config_word": ('watch_config = "yes"\n', ["`watch_config` must be true or false"]),
    "legacy_top_level_token": (
        'bot_token = "1:x"\n',
        ["`bot_token` is not allowed at the top level", "[transports.telegram]"],
    ),
    "default_project_unknown": (
        'default_project = "nope"\n[projects.foo]\npath = "."\n',
        ["`default_project` is 'nope', which names no project (projects: foo)"],
    ),
    "duplicate_alias_by_case": (
        '[projects.Foo]\npath = "a"\n[projects.foo]\npath = "b"\n',
        ["`projects.foo` repeats the project alias 'Foo'"],
    ),
}


def test_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 20


def write(config_path: Path, text: str) -> tuple[bytes, int]:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(text, encoding="utf-8")
    return config_path.read_bytes(), config_path.stat().st_mtime_ns


def assert_untouched(config_path: Path, before: tuple[bytes, int]) -> None:
    assert (config_path.read_bytes(), config_path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in config_path.parent.iterdir()) == [config_path.name]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_config_in_process(name: str, config_path: Path) -> None:
    text, expected = CORPUS[name]
    before = write(config_path, text)
    with pytest.raises(ConfigError) as caught:
        config = ConfigFile.load(config_path)
        config.settings()
    message = str(caught.value)
    assert str(config_path) in message
    for part in expected:
        assert part in message, message
    # An unrelated edit is refused as well, and so is planning an enable: the file stays.
    config = ConfigFile.load(config_path)
    with pytest.raises(ConfigError):
        config.save(config.with_value("codex.model", "o3"))
    with pytest.raises(ConfigError):
        plan_for_config(config, {"takopi-tui": True}, path=[])
    assert_untouched(config_path, before)


def test_bad_configs_through_the_cli(tmp_path: Path, takopi: InProcessCli) -> None:
    """The real `takopi` refuses to edit each one: exit 2, the place on stderr, no write."""
    commands = (("config", "set", "codex.model", "o3"), ("plugins", "enable", "takopi-tui"))
    for name, (text, expected) in sorted(CORPUS.items()):
        path = tmp_path / name / "takopi.toml"
        before = write(path, text)
        for command in commands:  # in process: both edit commands on every config
            result = takopi(*command, env={"TAKOPI_CONFIG": str(path)})
            assert result.returncode == 2, (path, result.stdout, result.stderr)
            assert result.stderr.startswith("error: "), result.stderr
            assert str(path) in result.stderr
            for part in expected:
                assert part in result.stderr, result.stderr
            assert "Traceback" not in result.stderr
            assert_untouched(path, before)
