"""Hostile config files and situations (issue 10, points 8-10), through the real CLI.

Every case runs real `takopi` children with a time limit (a hang fails the test, not the
suite), asserts the exact message, that no traceback was printed, and that nothing was
damaged: the file's bytes, a link and its target are as they were.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from support.paths import run_takopi

from takopi_core.config.compat import read_config
from takopi_core.config.file import ConfigFile
from takopi_core.config.settings import load_settings
from takopi_core.config.toml import MAX_CONFIG_BYTES, read_config_data
from takopi_core.errors import ConfigError

#: A hang shows up as a timeout well before the suite's own patience runs out.
CHILD_TIMEOUT = 30

NESTED = "nest more than 100 levels deep"


def takopi(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    try:
        return run_takopi(*args, input=stdin, timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`takopi {' '.join(args)}` hung for {CHILD_TIMEOUT} s")


def refused_everywhere(message: str, *, commands: tuple[tuple[str, ...], ...] = ()) -> None:
    """`config show`, `config set`, `plugins` and `run` each fail with ``message``."""
    for args in commands or (
        ("config", "show"),
        ("config", "set", "default_engine", "claude"),
        ("plugins",),
        ("run", "--transport", "terminal"),
    ):
        result = takopi(*args)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout, args


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), os.lstat(path).st_mtime_ns


# --- point 9: deep nesting, FIFOs, devices, size ---------------------------------------------


def test_100000_nested_arrays_are_refused_with_the_place(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    before = snapshot(config_path)
    refused_everywhere(f"{config_path}:1:105: invalid config: tables and arrays {NESTED}")
    assert snapshot(config_path) == before


def test_3000_nested_tables_are_refused_with_the_key_path(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("[" + ".".join(["t"] * 3000) + "]\nx = 1\n")
    before = snapshot(config_path)
    refused_everywhere(f"tables and arrays {NESTED} (at `t.t.t.t.")
    assert snapshot(config_path) == before
    with pytest.raises(ConfigError, match=f"^{config_path}:1:201: invalid config"):
        read_config_data(config_path)


def test_a_fifo_as_config_is_refused_without_hanging(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    os.mkfifo(config_path)
    refused_everywhere(
        f"{config_path}: is a FIFO (named pipe), not a regular file; the config must be a TOML file"
    )
    assert stat.S_ISFIFO(os.lstat(config_path).st_mode)


def test_a_link_to_dev_zero_is_refused_without_reading(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.symlink_to("/dev/zero")
    refused_everywhere(
        f"{config_path} (a symlink to /dev/zero): is a character device, not a regular "
        "file; the config must be a TOML file"
    )
    assert os.readlink(config_path) == "/dev/zero"


def test_a_directory_as_config_is_refused(config_path: Path) -> None:
    config_path.mkdir(parents=True)
    refused_everywhere(f"{config_path}: is a directory, not a regular file")
    assert list(config_path.iterdir()) == []


def test_a_file_over_the_cap_is_refused_naming_size_and_limit(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    size = MAX_CONFIG_BYTES + 1024
    config_path.write_bytes(b"# padding\n" * (size // 10) + b"\n" * (size % 10))
    before = snapshot(config_path)
    refused_everywhere(
        f"{config_path}: is too big for a config file ({size:,} bytes; the limit is 8 MiB "
        f"= {MAX_CONFIG_BYTES:,} bytes); nothing was read",
        commands=(("config", "show"), ("config", "set", "a", "1"), ("plugins",)),
    )
    assert snapshot(config_path) == before


# --- point 10: one reader; checks before writing -----------------------------------------------


def test_lone_cr_is_refused_by_every_reader_alike(config_path: Path) -> None:
    # `run` read the file in text mode (universal newlines) and took the CR as a line end.
    config_path.parent.mkdir(parents=True)
    config_path.write_bytes(b'transport = "terminal"\rdefault_engine = "codex"\n')
    message = (
        f"{config_path}:1:23: invalid TOML: Expected newline or end of document after a "
        "statement (a carriage return without a newline: use \\n or \\r\\n line ends)"
    )
    for read in (read_config_data, lambda p: ConfigFile.load(p).data, load_settings):
        with pytest.raises(ConfigError) as caught:
            read(config_path)
        assert str(caught.value).splitlines()[0] == message, read
    # The plugins' read_config (upstream's message format) refuses it too.
    with pytest.raises(ConfigError, match=r"^Malformed TOML in .*\(at line 1, column 23\)$"):
        read_config(config_path)
    refused_everywhere(message)


def test_bom_and_invalid_utf8_name_file_and_place(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_bytes(b"\xef\xbb\xbfa = 1\n")
    refused_everywhere(
        f"{config_path}:1:1: starts with a UTF-8 byte order mark (BOM), which TOML does not "
        "allow; save the file as UTF-8 without BOM"
    )
    config_path.write_bytes(b'a = 1\nb = "\xff"\n')
    refused_everywhere(
        f"{config_path}:2:6: not UTF-8 text (invalid start byte at byte 11); save the file as UTF-8"
    )
    assert config_path.read_bytes() == b'a = 1\nb = "\xff"\n'


def test_set_refuses_a_value_the_transport_validator_rejects(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text('transport = "terminal"\n')
    before = snapshot(config_path)
    result = takopi("config", "set", "transports.terminal.max_actions", "999")
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {config_path}: `transports.terminal.max_actions` must be between 1 and 50\n"
        "nothing was written\n"
    )
    assert snapshot(config_path) == before
    assert sorted(p.name for p in config_path.parent.iterdir()) == ["takopi.toml"]
    # The type check of the declared field (kind "int") comes first.
    result = takopi("config", "set", "transports.terminal.max_actions", "many")
    assert result.returncode == 2
    assert "`transports.terminal.max_actions` must be an integer" in result.stderr
    assert snapshot(config_path) == before
    # A good value is written.
    result = takopi("config", "set", "transports.terminal.max_actions", "12")
    assert result.returncode == 0, result.stderr
    assert "max_actions = 12" in config_path.read_text()


def test_set_refuses_what_the_typed_checks_refuse(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("# mine\n")
    result = takopi("config", "set", "watch_config", "3")
    assert result.returncode == 2
    assert f"{config_path}: `watch_config` must be true or false, found an integer" in (
        result.stderr
    )
    assert config_path.read_text() == "# mine\n"


# --- point 8: symlinks -------------------------------------------------------------------------


def test_a_bak_symlink_is_replaced_never_followed(tmp_path: Path, config_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    os.chmod(victim, 0o644)
    config_path.parent.mkdir(parents=True)
    config_path.write_text("a = 1\n")
    backup = config_path.with_name("takopi.toml.bak")
    backup.symlink_to(victim)

    doctor = takopi("doctor", "--fix")
    assert "Traceback" not in doctor.stderr + doctor.stdout
    assert f"~/.takopi/takopi.toml.bak is a symlink (to {victim}); takopi does not follow it" in (
        doctor.stdout
    )
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644  # --fix did not chmod through it

    result = takopi("config", "set", "b", "2")
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert not backup.is_symlink()
    assert backup.read_text() == "a = 1\n"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_a_lock_file_symlink_is_replaced_never_truncated(tmp_path: Path, config_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    config_path.parent.mkdir(parents=True)
    config_path.write_text("a = 1\n")
    lock = config_path.with_name("takopi.toml.lock")
    lock.symlink_to(victim)
    result = takopi("config", "set", "b", "2")
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert not lock.is_symlink()
    assert config_path.read_text() == "a = 1\nb = 2\n"


def test_a_dangling_config_link_is_named_and_nothing_is_created(
    tmp_path: Path, config_path: Path
) -> None:
    target = tmp_path / "nowhere" / "deeper" / "takopi.toml"
    config_path.parent.mkdir(parents=True)
    config_path.symlink_to(target)
    result = takopi("config", "set", "a", "1")
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {config_path}: is a symlink to {target}, which does not exist; create the "
        "target or remove the link (nothing is created through a dangling link)\n"
    )
    assert not (tmp_path / "nowhere").exists()
    assert os.readlink(config_path) == str(target)
    assert sorted(p.name for p in config_path.parent.iterdir()) == ["takopi.toml"]


def test_a_symlinked_config_is_still_written_through(tmp_path: Path, config_path: Path) -> None:
    target = tmp_path / "dotfiles" / "takopi.toml"
    target.parent.mkdir()
    target.write_text("a = 1\n")
    config_path.parent.mkdir(parents=True)
    config_path.symlink_to(target)
    result = takopi("config", "set", "b", "2")
    assert result.returncode == 0, result.stderr
    assert target.read_text() == "a = 1\nb = 2\n"
    assert os.readlink(config_path) == str(target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["takopi.toml"]
