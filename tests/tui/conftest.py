"""Fixtures for the TUI tests: the demo distributions and a commented config in HOME."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.demo_plugins import DEMO_CONFIG, write_demo


@pytest.fixture
def demo_site(isolated_home: Path) -> Path:
    """The demo distributions, in a folder under HOME (so paths show as ``~/site/...``)."""
    return write_demo(isolated_home / "site")


@pytest.fixture
def demo_config(config_path: Path) -> Path:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(DEMO_CONFIG, encoding="utf-8")
    return config_path
