"""The first config read and discovery, in a forked child or on a thread, while Textual starts."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from takopi_core.errors import ConfigError
from takopi_core.plugins import discover
from takopi_tui import initial_read
from takopi_tui.initial_read import InitialRead, can_fork
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


def test_forked_and_threaded_reads_agree(demo_site: Path, demo_config: Path):
    forked = InitialRead(demo_config, [str(demo_site)], use_fork=True)
    threaded = InitialRead(demo_config, [str(demo_site)], use_fork=False)
    forked.start()
    threaded.start()
    (config, found), (config_here, found_here) = forked.result(), threaded.result()
    assert config == config_here
    assert found.entries == found_here.entries and found.entries
    assert found.errors == found_here.errors and found.errors
    assert found.allowlist == found_here.allowlist
    assert forked.read_in_child and not threaded.read_in_child


def test_forked_read_hands_over_a_config_error(demo_site: Path, config_path: Path):
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text("[plugins\nenabled = 3\n")
    read = InitialRead(config_path, [str(demo_site)], use_fork=True)
    read.start()
    with pytest.raises(ConfigError) as caught:
        read.result()
    assert read.read_in_child
    assert config_path.name in str(caught.value)
    assert read.discovery is not None and read.discovery.entries


def test_a_child_that_dies_falls_back_to_reading_here(
    demo_site: Path, demo_config: Path, monkeypatch: pytest.MonkeyPatch
):
    parent = os.getpid()
    real_read = initial_read.read_now

    def dies_in_the_child(*args: object) -> object:
        if os.getpid() != parent:
            os._exit(3)  # the forked child: gone before sending anything
        return real_read(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(initial_read, "read_now", dies_in_the_child)
    read = InitialRead(demo_config, [str(demo_site)], use_fork=True)
    read.start()
    config, discovery = read.result()
    assert not read.read_in_child
    assert config == read_config_view(demo_config)
    assert discovery.entries == discover(config.enabled, path=[str(demo_site)]).entries


def test_no_fork_while_other_threads_run():
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not can_fork()
    finally:
        release.set()
        other.join()
