"""QA (issue #14): "Update all" in the TUI upgrades only the distributions with an ↑ mark.

Before, U then a ran ``pip install --upgrade`` on every plugin distribution, so one with an
unresolvable dependency failed the whole run and the one real update never happened. Now
"Update all N" is the N marked rows (as ``takopi plugins update``); with no marks known U says
so and offers to ask the index first; distributions only on PYTHONPATH are never asked about.

Real pip in a fresh venv, offline (``PIP_NO_INDEX`` and ``PIP_FIND_LINKS`` at a wheels folder,
as test_tui_install.py does), real ``pip index versions`` for the marks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from support.demo_plugins import BUILTIN
from support.distfactory import write_dists
from support.templates import engine_source, plugin_dist
from support.tmp_env import TmpEnv, engine_wheel, make_env
from textual.widgets import Button

from takopi_tui.environment import Environment
from takopi_tui.screens.dialogs import ConfirmDialog
from takopi_tui.screens.install import CommandDialog, PipOutputScreen
from takopi_tui.screens.screen_options import real_latest_versions

from .tui_support import (
    RecordingApp,
    go_to,
    notifications,
    row,
    scripted,
    settle,
    static_text,
    wait_for,
)

ZED = "takopi-engine-zed"
BROKEN = "takopi-engine-broken"  # in site-packages; its dependency is nowhere to be had
ONPATH = "takopi-engine-onpath"  # only in a folder on PYTHONPATH


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[TmpEnv, Path]:
    wheels = tmp_path / "wheels"
    engine_wheel(wheels, ZED, "zed", "1.0.0")
    env = make_env(tmp_path / "venv")
    assert env.pip_install(wheels / "takopi_engine_zed-1.0.0-py3-none-any.whl").returncode == 0
    engine_wheel(wheels, ZED, "zed", "1.1.0")  # "published" since
    write_dists(
        env.site_packages,
        plugin_dist(
            BROKEN,
            "engine",
            "broken",
            engine_source("broken"),
            module="broken_mod",
            requires=["takopi-no-such-dependency>=1"],
        ),
    )
    onpath = tmp_path / "onpath"
    onpath_dist = plugin_dist(
        ONPATH, "engine", "onpath", engine_source("onpath"), module="onpath_mod"
    )
    write_dists(onpath, onpath_dist)
    write_dists(tmp_path / "host", BUILTIN)  # the built-ins' rows (claude...)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.setenv("PYTHONPATH", str(onpath))
    return env, onpath


def inspecting(env: TmpEnv, onpath: Path, **options: object) -> RecordingApp:
    return RecordingApp(
        search_path=[str(env.site_packages), str(onpath), str(onpath.parent / "host")],
        probe_factory=scripted(),
        environment=Environment(python=str(env.python), version=sys.version.split()[0]),
        watch_interval=None,
        **options,
    )


async def test_update_all_is_the_marked_rows_only(world):
    env, onpath = world
    asked: list[str] = []

    def index(names, python):
        asked.extend(names)
        return real_latest_versions(names, python)

    app = inspecting(env, onpath, check_updates=index)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: row(app, "zed").latest == "1.1.0", 60, "the mark")
        assert sorted(asked) == [BROKEN, ZED]  # never the one only on PYTHONPATH
        assert row(app, "broken").latest is None

        await go_to(pilot, "claude")  # built-in: U means "update all", i.e. the marked one
        await pilot.press("U")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandDialog))
        assert static_text(app, "#command-line").endswith(f"install --upgrade {ZED}")
        await pilot.press("n")

        await go_to(pilot, "broken")
        await pilot.press("U")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandDialog))
        assert static_text(app, "#command-line").endswith(f"install --upgrade {BROKEN}")
        every = static_text(app, "#command-alternative")
        assert every.startswith("Update all 1 (a) runs instead:")
        assert every.endswith(f"install --upgrade {ZED}")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PipOutputScreen))
        pane = app.screen
        assert isinstance(pane, PipOutputScreen)
        assert pane.command.names == (ZED,)
        await wait_for(pilot, lambda: not pane.running, timeout=60, what="pip to finish")
        assert pane.result is not None and pane.result.ok, pane.result
        await pilot.press("escape")
        await wait_for(pilot, lambda: row(app, "zed").version == "1.1.0", 60, "the new version")


async def test_with_no_marks_known_update_offers_to_ask_the_index_first(world):
    env, onpath = world
    app = inspecting(env, onpath)  # update checks off: the index has not been asked
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go_to(pilot, "claude")
        await pilot.press("U")
        await wait_for(pilot, lambda: app.screen is not app.plugins_screen)
        assert isinstance(app.screen, ConfirmDialog)  # not a pip command for everything
        assert "has not been asked" in static_text(app, "#dialog-body")
        await pilot.press("y")
        await wait_for(pilot, lambda: row(app, "zed").latest == "1.1.0", 60, "the mark")
        await wait_for(pilot, lambda: any("1 with an update" in t for t in notifications(app)))
        assert row(app, "broken").latest is None


async def test_a_selected_row_with_no_marks_known_updates_it_or_asks_first(world):
    env, onpath = world
    app = inspecting(env, onpath)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go_to(pilot, "broken")
        await pilot.press("U")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandDialog))
        assert static_text(app, "#command-line").endswith(f"install --upgrade {BROKEN}")
        assert not app.screen.query("#command-alternative")  # no blind "update all"
        button = app.screen.query_one("#alternative", Button)
        assert "Ask the index first (a)" in str(button.label)
        await pilot.press("a")
        await wait_for(pilot, lambda: row(app, "zed").latest == "1.1.0", 60, "the mark")
        assert os.environ["PYTHONPATH"]  # the on-path one stayed out of it
        assert row(app, "onpath").latest is None
