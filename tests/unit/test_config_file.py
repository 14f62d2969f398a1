"""ConfigFile: locating, reading, saving (modes, symlinks, backups, conflicts), diffs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from takopi_core.config.file import ConfigFile
from takopi_core.config.keys import parse_key, parse_value, toml_literal
from takopi_core.config.toml import resolve_config_path
from takopi_core.errors import ConfigConflictError, ConfigError
from takopi_core.secrets import MASK

SAMPLE = '# mine\ndefault_engine = "codex"  # fast\n\n[transports.telegram]\nchat_id = 1\n'


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- location and reading ---------------------------------------------------------------


def test_location_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAKOPI_CONFIG", str(tmp_path / "env.toml"))
    assert resolve_config_path(tmp_path / "given.toml") == tmp_path / "given.toml"
    assert resolve_config_path() == tmp_path / "env.toml"
    monkeypatch.delenv("TAKOPI_CONFIG")
    assert resolve_config_path() == Path.home() / ".takopi" / "takopi.toml"


def test_missing_file_is_an_empty_config(config_path: Path) -> None:
    config = ConfigFile.load(config_path)
    assert not config.exists
    assert config.text == ""
    assert config.data == {}
    assert config.settings().enabled == []
    assert not config_path.parent.exists()  # reading creates nothing


def test_malformed_toml_names_path_line_column_and_line(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text('a = 1\nb = "unterminated\nc = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        _ = ConfigFile.load(config_path).data
    message = str(caught.value)
    assert message.startswith(f"{config_path}:2:")
    assert 'b = "unterminated' in message
    assert "^" in message


def test_a_folder_where_the_file_should_be(config_path: Path) -> None:
    config_path.mkdir(parents=True)
    with pytest.raises(ConfigError, match="is a directory"):
        ConfigFile.load(config_path)


def test_not_utf8(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_bytes(b'a = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        ConfigFile.load(config_path)


def test_crlf_is_kept_when_editing(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_bytes(b"a = 1 # one\r\n\r\n[t]\r\nb = 2\r\n")
    config = ConfigFile.load(config_path)
    config.save(config.with_value("t.c", 3))
    assert config_path.read_bytes() == b"a = 1 # one\r\n\r\n[t]\r\nb = 2\r\nc = 3\r\n"


# --- saving -----------------------------------------------------------------------------


def test_new_file_is_0600_in_a_new_0700_folder(config_path: Path) -> None:
    deep = config_path.parent / "nested" / "takopi.toml"
    config = ConfigFile.load(deep)
    assert config.save(config.with_value("default_engine", "codex"))
    assert deep.read_text() == 'default_engine = "codex"\n'
    assert mode_of(deep) == 0o600
    assert mode_of(deep.parent) == 0o700
    assert mode_of(config_path.parent) == 0o700
    assert not config.backup_path.exists()  # nothing to back up


def test_existing_mode_and_folder_mode_are_kept(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    os.chmod(config_path.parent, 0o750)
    config_path.write_text(SAMPLE)
    os.chmod(config_path, 0o640)
    config = ConfigFile.load(config_path)
    config.save(config.with_value("default_engine", "claude"))
    assert mode_of(config_path) == 0o640
    assert mode_of(config_path.parent) == 0o750
    assert mode_of(config.backup_path) == 0o600
    assert config.backup_path.read_text() == SAMPLE
    assert config.backup_path.name == "takopi.toml.bak"


def test_backup_holds_the_previous_content_each_time(config_path: Path) -> None:
    config = ConfigFile.load(config_path)
    config.save(config.with_value("a", 1))
    config.save(config.with_value("a", 2))
    assert config.backup_path.read_text() == "a = 1\n"
    config.save(config.with_value("a", 3))
    assert config.backup_path.read_text() == "a = 2\n"
    assert config_path.read_text() == "a = 3\n"


def test_symlinked_config_writes_through_to_its_target(tmp_path: Path, config_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "takopi.toml"
    target.write_text(SAMPLE)
    os.chmod(target, 0o644)
    config_path.parent.mkdir(parents=True)
    config_path.symlink_to(target)

    config = ConfigFile.load(config_path)
    config.save(config.with_value("default_engine", "claude"))
    assert config_path.is_symlink()
    assert os.readlink(config_path) == str(target)
    assert 'default_engine = "claude"  # fast' in target.read_text()
    assert mode_of(target) == 0o644
    # The backup sits beside the path the user uses, not in the dotfiles folder.
    assert config.backup_path == config_path.with_name("takopi.toml.bak")
    assert config.backup_path.read_text() == SAMPLE
    assert sorted(p.name for p in dotfiles.iterdir()) == ["takopi.toml"]


def test_dangling_symlink_is_refused_and_nothing_is_created(
    tmp_path: Path, config_path: Path
) -> None:
    # Issue 10.8: writing through a dangling link created folders wherever it pointed.
    target = tmp_path / "elsewhere" / "takopi.toml"
    config_path.parent.mkdir(parents=True)
    config_path.symlink_to(target)
    with pytest.raises(ConfigError) as caught:
        ConfigFile.load(config_path)
    assert str(caught.value) == (
        f"{config_path}: is a symlink to {target}, which does not exist; create the target "
        "or remove the link (nothing is created through a dangling link)"
    )
    assert not target.parent.exists()
    assert os.readlink(config_path) == str(target)


def test_no_temporary_files_are_left_behind(config_path: Path) -> None:
    config = ConfigFile.load(config_path)
    for value in range(5):
        config.save(config.with_value("n", value))
    # The lock file stays (waiting writers must share its inode); it is empty.
    assert sorted(p.name for p in config_path.parent.iterdir()) == [
        "takopi.toml",
        "takopi.toml.bak",
        "takopi.toml.lock",
    ]
    assert config_path.with_name("takopi.toml.lock").read_bytes() == b""


def test_text_that_does_not_parse_is_never_written(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(SAMPLE)
    config = ConfigFile.load(config_path)
    with pytest.raises(ConfigError, match=r":1:"):
        config.save("this is = = not toml\n")
    assert config_path.read_text() == SAMPLE
    assert not config.backup_path.exists()


def test_text_that_fails_the_settings_checks_is_not_written(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(SAMPLE)
    config = ConfigFile.load(config_path)
    with pytest.raises(ConfigError, match=r"`transports\.telegram` must be a table"):
        config.save(config.with_value("transports.telegram", "nope"))
    assert config_path.read_text() == SAMPLE


# --- conflicts --------------------------------------------------------------------------


def test_external_edit_between_read_and_save_is_a_conflict(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(SAMPLE)
    config = ConfigFile.load(config_path)
    ours = config.with_value("default_engine", "claude")

    theirs = SAMPLE + '\n[codex]\nmodel = "o3"  # added in an editor\n'
    config_path.write_text(theirs)
    assert config.changed_on_disk()
    with pytest.raises(ConfigConflictError, match="changed on disk after it was read"):
        config.save(ours)
    assert config_path.read_text() == theirs  # their edit is intact
    assert not config.backup_path.exists()

    config.reload()  # the caller can reload and redo the change
    assert config.save(config.with_value("default_engine", "claude"))
    final = config_path.read_text()
    assert 'default_engine = "claude"' in final
    assert "# added in an editor" in final


def test_file_created_after_reading_a_missing_one_is_a_conflict(config_path: Path) -> None:
    config = ConfigFile.load(config_path)
    new_text = config.with_value("a", 1)
    config_path.parent.mkdir(parents=True)
    config_path.write_text("b = 2\n")
    with pytest.raises(ConfigConflictError, match="created on disk"):
        config.save(new_text)
    assert config_path.read_text() == "b = 2\n"


def test_file_deleted_after_reading_is_a_conflict(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(SAMPLE)
    config = ConfigFile.load(config_path)
    config_path.unlink()
    with pytest.raises(ConfigConflictError):
        config.save(config.with_value("a", 1))
    assert not config_path.exists()


def test_the_same_object_saves_twice_without_a_conflict(config_path: Path) -> None:
    config = ConfigFile.load(config_path)
    config.save(config.with_value("a", 1))
    config.save(config.with_value("b", 2))
    assert config_path.read_text() == "a = 1\nb = 2\n"


# --- diffs and values -------------------------------------------------------------------


def test_diff_masks_secrets_but_shows_that_they_changed(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[transports.telegram]\nbot_token = "111:old"  # bot\nchat_id = 1\n')
    config = ConfigFile.load(config_path)
    new_text = config.with_value("transports.telegram.bot_token", "222:new")
    masked = config.diff(new_text)
    assert "111:old" not in masked and "222:new" not in masked
    assert f'-bot_token = "{MASK}"  # bot' in masked
    assert f'+bot_token = "{MASK} (new value)"  # bot' in masked
    shown = config.diff(new_text, show_secrets=True)
    assert '-bot_token = "111:old"  # bot' in shown
    assert '+bot_token = "222:new"  # bot' in shown


def test_diff_of_unrelated_change_masks_context_secrets(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[slack]\napp_token = "xapp-1"\nbot_password = "hunter2"\n')
    config = ConfigFile.load(config_path)
    diff = config.diff(config.with_value("slack.channel", "general"))
    assert "xapp-1" not in diff and "hunter2" not in diff
    assert '+channel = "general"' in diff
    assert f' app_token = "{MASK}"' in diff


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123", 123),
        ("true", True),
        ('["a", "b"]', ["a", "b"]),
        ("claude", "claude"),
        ("False", "False"),  # not TOML: kept as a string
        ("  spaced  ", "spaced"),
        ("", ""),
        ("'quoted'", "quoted"),
        ("1\nx = 2", "1\nx = 2"),  # smuggling a second key in keeps it a string
        ("{ a = 1 }", {"a": 1}),
        ("3.5", 3.5),
    ],
)
def test_parse_value(raw: str, expected: object) -> None:
    assert parse_value(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("", "non-empty"), ("a..b", "empty segment"), ("a.b c", "invalid key segment")],
)
def test_parse_key_errors(raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_key(raw)


def test_toml_literal_round_trips() -> None:
    import tomllib

    value = {"s": 'quote " back \\ tab\t nl\n del\x7f', "n": [1, 2.5, True], "t": {"k y": 1}}
    assert tomllib.loads(f"v = {toml_literal(value)}")["v"] == value
