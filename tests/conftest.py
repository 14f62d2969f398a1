"""Shared fixtures. Every test runs with HOME and the config path in a temporary folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from support.cli import InProcessCli

# Child processes (the probe, the CLI) re-import the host on every start: let them use and
# write bytecode caches even where the shell disables them, as an installed tool would.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

# Snapshot stability: these are read when Textual is imported, so set them first.
os.environ.pop("NO_COLOR", None)
os.environ.pop("TEXTUAL_THEME", None)
os.environ["TEXTUAL_ANIMATIONS"] = "none"


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Never touch the real ~/.takopi: HOME and TAKOPI_CONFIG point into a tmp dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TAKOPI_CONFIG", str(home / ".takopi" / "takopi.toml"))
    return home


@pytest.fixture
def config_path(isolated_home: Path) -> Path:
    return isolated_home / ".takopi" / "takopi.toml"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An empty folder for test distributions, to be used as a sys.path entry."""
    folder = tmp_path / "site"
    folder.mkdir()
    return folder


@pytest.fixture
def takopi(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> InProcessCli:
    """`takopi ARGS` run in this process, output captured (see tests/support/cli.py)."""
    from support.cli import InProcessCli

    return InProcessCli(capsys, monkeypatch)
