"""Install, update and remove from the TUI, for real: pip runs in a fresh venv (the inspected
environment), installing a real wheel of a test plugin; the table then lists the plugin and
the real probe checks it.

Offline: ``PIP_NO_INDEX`` keeps pip off the network and ``PIP_FIND_LINKS`` points it at the
folder of test wheels, so ``install --upgrade NAME`` and ``pip index versions NAME`` find the
newer wheel there as they would on the package index.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support.tmp_env import TmpEnv, engine_wheel, make_env
from textual.widgets import Input, Log

from takopi_tui.app import TakopiApp
from takopi_tui.environment import Environment
from takopi_tui.rows import Status
from takopi_tui.screens.catalogue import CatalogueScreen
from takopi_tui.screens.dialogs import ConfirmDialog
from takopi_tui.screens.install import CommandDialog, PipOutputScreen

from .tui_support import go_to, make_app, notifications, row, settle, static_text, wait_for

DIST = "takopi-engine-zed"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TmpEnv:
    """A fresh venv to install into, and pip kept offline, finding our wheels only."""
    wheels = tmp_path / "wheels"
    engine_wheel(wheels, DIST, "zed", "1.0.0")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    return make_env(tmp_path / "venv")


def inspecting(env: TmpEnv, **options: object) -> TakopiApp:
    """The app inspecting ``env``: its interpreter in the summary, its site-packages listed."""
    version = sys.version.split()[0]  # the venv is made from this interpreter
    return make_app(
        env.site_packages,
        real=True,
        environment=Environment(python=str(env.python), version=version),
        **options,
    )


async def confirm_and_run(pilot, *, expect: list[str]) -> PipOutputScreen:
    """The command dialog is up: check it shows ``expect``, run it, wait for pip to end."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, CommandDialog), what="the dialog")
    shown = static_text(app, "#command-line")
    for part in expect:
        assert part in shown, shown
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, PipOutputScreen), what="the pane")
    pane = app.screen
    assert isinstance(pane, PipOutputScreen)
    await wait_for(pilot, lambda: not pane.running, timeout=60, what="pip to finish")
    return pane


async def install_from_wheel_path(pilot, wheel: Path) -> PipOutputScreen:
    app = pilot.app
    await pilot.press("i")
    await wait_for(pilot, lambda: isinstance(app.screen, CatalogueScreen), what="the catalogue")
    search = app.screen.query_one("#catalogue-search", Input)
    search.value = str(wheel)  # typing 80 characters one by one costs 8 s
    await pilot.pause()
    await pilot.press("enter")
    return await confirm_and_run(pilot, expect=["-m pip install", str(wheel)])


async def test_install_a_wheel_then_the_plugin_is_listed_and_checked(env: TmpEnv, tmp_path):
    wheel = tmp_path / "wheels" / "takopi_engine_zed-1.0.0-py3-none-any.whl"
    app = inspecting(env)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert not [r for r in app.plugins_screen.rows if r.id == "zed"]
        pane = await install_from_wheel_path(pilot, wheel)
        assert pane.result is not None and pane.result.ok, pane.result
        log = "\n".join(pane.query_one(Log).lines)
        assert f"Successfully installed {DIST}-1.0.0" in log
        assert env.has_distribution(DIST)  # into the inspected venv, not ours
        await pilot.press("escape")
        await wait_for(pilot, lambda: any(r.id == "zed" for r in app.plugins_screen.rows), 60)
        await settle(pilot)
        zed = row(app, "zed")
        assert zed.status is Status.OK, zed
        assert zed.version == "1.0.0"
        assert any(f"Installed {DIST} 1.0.0" in text for text in notifications(app))


async def test_with_an_enabled_list_the_new_plugin_is_checked_and_offered(
    env: TmpEnv, tmp_path, config_path: Path
):
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('[plugins]\nenabled = ["takopi-engine-other"]  # only this\n')
    wheel = tmp_path / "wheels" / "takopi_engine_zed-1.0.0-py3-none-any.whl"
    app = inspecting(env)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await install_from_wheel_path(pilot, wheel)
        await pilot.press("escape")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=60, what="the offer"
        )
        body = static_text(app, "#dialog-body")
        assert "engine zed: ✓ loads" in body, body
        assert "[plugins] enabled is set and does not list it" in body
        await pilot.press("y")
        await pilot.pause()
        zed = row(app, "zed")
        assert not zed.enabled and zed.enabled_after  # staged, as space would; not saved
        assert app.plugins_screen.has_staged
        assert "takopi-engine-zed" not in config_path.read_text()


async def test_update_mark_then_update_then_remove(env: TmpEnv, tmp_path):
    wheels = tmp_path / "wheels"
    assert env.pip_install(wheels / "takopi_engine_zed-1.0.0-py3-none-any.whl").returncode == 0
    engine_wheel(wheels, DIST, "zed", "1.1.0")  # "published" since
    app = inspecting(env, check_updates=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        # pip index versions (real, offline: it finds the wheels folder) -> the mark
        await wait_for(pilot, lambda: row(app, "zed").latest == "1.1.0", timeout=60)
        await go_to(pilot, "zed")
        await pilot.press("U")
        pane = await confirm_and_run(pilot, expect=["-m pip install --upgrade", DIST])
        assert pane.result is not None and pane.result.ok
        await pilot.press("escape")
        await wait_for(pilot, lambda: row(app, "zed").version == "1.1.0", 60, "the new version")
        await wait_for(pilot, lambda: row(app, "zed").latest is None, timeout=60, what="no mark")
        await go_to(pilot, "zed")
        await pilot.press("x")
        pane = await confirm_and_run(pilot, expect=["-m pip uninstall -y", DIST])
        assert pane.result is not None and pane.result.ok
        await pilot.press("escape")
        await wait_for(pilot, lambda: not any(r.id == "zed" for r in app.plugins_screen.rows), 60)
        assert not env.has_distribution(DIST)


async def test_cancel_in_the_dialog_runs_nothing(env: TmpEnv, tmp_path):
    wheel = tmp_path / "wheels" / "takopi_engine_zed-1.0.0-py3-none-any.whl"
    app = inspecting(env)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.screen.query_one("#catalogue-search", Input).value = str(wheel)
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandDialog))
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is app.plugins_screen
        assert not env.has_distribution(DIST)


async def test_a_refused_name_is_said_not_run(env: TmpEnv):
    app = inspecting(env)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.screen.query_one("#catalogue-search", Input).value = "--index-url=http://evil"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.plugins_screen
        assert any("looks like an option" in text for text in notifications(app))


async def test_update_offers_the_marked_distributions_and_a_failing_pip_is_said(
    env: TmpEnv, demo_site: Path
):
    version = sys.version.split()[0]

    def index(names, python):  # two of the six have a newer release
        newer = {"takopi-tools": "9.0.0", "takopi-transport-discord": "9.0.0"}
        return {name: newer.get(name) for name in names}

    app = make_app(
        demo_site,
        environment=Environment(python=str(env.python), version=version),
        check_updates=index,
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: len(app.plugins_screen.newer) == 2, what="the marks")
        await go_to(pilot, "claude")  # built-in: nothing to remove
        assert not app.plugins_screen.check_action("remove", ())
        await go_to(pilot, "acme")
        assert app.plugins_screen.check_action("remove", ())
        await pilot.press("U")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandDialog))
        assert static_text(app, "#command-line").endswith("install --upgrade takopi-engine-acme")
        every = static_text(app, "#command-alternative")
        assert every.startswith("Update all 2 (a) runs instead:")
        assert every.endswith("install --upgrade takopi-tools takopi-transport-discord")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PipOutputScreen))
        pane = app.screen
        assert isinstance(pane, PipOutputScreen)
        assert pane.command.names == ("takopi-tools", "takopi-transport-discord")
        # Offline, and the demo distributions are not in the venv's index: pip fails.
        await wait_for(pilot, lambda: not pane.running, timeout=60, what="pip to fail")
        assert pane.result is not None and pane.result.returncode != 0
        assert "failed (exit" in static_text(app, "#pip-status")
        await pilot.press("escape")
        await wait_for(pilot, lambda: any("pip failed" in t for t in notifications(app)))


async def test_a_uv_made_environment_gets_the_uv_command(tmp_path: Path, monkeypatch):
    uv_env = make_env(tmp_path / "uv-venv", uv_marker=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    uv = bin_dir / "uv"
    uv.write_text("#!/bin/sh\nexit 0\n")  # only looked up on PATH here, never run
    uv.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(sys.executable).parent}:/usr/bin:/bin")
    app = inspecting(uv_env)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.screen.query_one("#catalogue-search", Input).value = "takopi-ralph"
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandDialog))
        assert static_text(app, "#command-line") == (
            f"{uv} pip install --python {uv_env.python} takopi-ralph"
        )
        assert static_text(app, "#command-where").startswith("This runs uv for ")


async def test_a_config_broken_meanwhile_is_said_after_pip(
    env: TmpEnv, tmp_path, config_path: Path
):
    wheel = tmp_path / "wheels" / "takopi_engine_zed-1.0.0-py3-none-any.whl"
    app = inspecting(env)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await install_from_wheel_path(pilot, wheel)
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text("[plugins\n")  # an edit elsewhere, half done
        await pilot.press("escape")
        await wait_for(pilot, lambda: any("cannot be read" in t for t in notifications(app)))
        assert not any(r.id == "zed" for r in app.plugins_screen.rows)
        assert not any(t.startswith("Installed") for t in notifications(app))
