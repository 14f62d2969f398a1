"""The run host's part of the plugin API: names, read_config/write_config, setup calls."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import takopi.api as api
from takopi_core.cli.run import run_interactive_setup
from takopi_core.errors import ConfigError

RUN_HOST_NAMES = {
    "TransportRuntime",
    "ResolvedMessage",
    "ResolvedRunner",
    "DirectiveError",
    "CommandContext",
    "CommandExecutor",
    "CommandResult",
    "RunMode",
    "RunRequest",
    "RunResult",
    "ThreadJob",
    "ThreadScheduler",
    "get_command",
    "list_command_ids",
    "list_backends",
    "load_settings",
    "read_config",
    "write_config",
    "HOME_CONFIG_PATH",
}


def test_run_host_names_are_exported() -> None:
    assert set(api.__all__) >= RUN_HOST_NAMES
    for name in RUN_HOST_NAMES:
        assert getattr(api, name) is not None
    assert api.HOME_CONFIG_PATH.parts[-2:] == (".takopi", "takopi.toml")


def test_read_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^Missing config file .*missing\.toml\.$"):
        api.read_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match=r"exists but is not a file\.$"):
        api.read_config(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("a = [1\n")
    with pytest.raises(ConfigError, match=r"^Malformed TOML in .*bad\.toml: "):
        api.read_config(bad)


def test_write_config_round_trip_is_atomic_and_private(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "takopi.toml"
    config = {"default_engine": "codex", "transports": {"slack": {"token": "x"}}}
    api.write_config(config, path)
    assert api.read_config(path) == config
    assert os.stat(path).st_mode & 0o777 == 0o600
    config["default_engine"] = "claude"
    api.write_config(config, path)
    assert api.read_config(path)["default_engine"] == "claude"
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
    with pytest.raises(ConfigError, match="Unsupported config value"):
        api.write_config({"a": None}, path)
    assert api.read_config(path)["default_engine"] == "claude"  # untouched


class SyncSetup:
    def interactive_setup(self, *, force: bool) -> bool:
        return force


class AsyncSetup:
    async def interactive_setup(self, *, force: bool) -> bool:
        import anyio

        await anyio.sleep(0)
        return not force


def test_interactive_setup_may_be_sync_or_async() -> None:
    assert run_interactive_setup(SyncSetup(), force=True) is True
    assert run_interactive_setup(SyncSetup(), force=False) is False
    assert run_interactive_setup(AsyncSetup(), force=False) is True
    assert run_interactive_setup(AsyncSetup(), force=True) is False
