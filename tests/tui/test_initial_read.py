"""The first config read and discovery, run on a thread while Textual starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from takopi_core.errors import ConfigError
from takopi_core.plugins.discovery import discover
from takopi_tui.initial_read import InitialRead
from takopi_tui.staging import read_config_view

from .tui_support import make_app, settle, static_text


def test_initial_read_matches_a_direct_read(demo_site: Path, demo_config: Path):
    read = InitialRead(demo_config, [str(demo_site)])
    read.start()
    config, discovery = read.result()
    direct = read_config_view(demo_config)
    assert config == direct
    again = discover(direct.enabled, path=[str(demo_site)])
    assert discovery.entries == again.entries
    assert discovery.errors == again.errors
    assert any(not entry.enabled for entry in discovery.entries)  # the list was applied


def test_initial_read_hands_over_a_config_error(demo_site: Path, config_path: Path):
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text("[plugins\nenabled = 3\n")
    read = InitialRead(config_path, [str(demo_site)])
    read.start()
    with pytest.raises(ConfigError) as caught:
        read.result()
    assert str(config_path) in str(caught.value) or config_path.name in str(caught.value)
    assert read.discovery is not None  # everything is listed, as with no list
    assert all(entry.enabled for entry in read.discovery.entries)


async def test_app_shows_the_error_of_an_unreadable_config_read_at_start(
    demo_site: Path, config_path: Path
):
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text("[plugins\nenabled = 3\n")
    app = make_app(demo_site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert "takopi.toml" in static_text(app, "#banner")
        assert app.plugins_screen.rows  # every plugin still listed
