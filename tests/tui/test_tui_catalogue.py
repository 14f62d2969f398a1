"""The catalogue screen (i): searching the shipped catalogue, the installed mark, its keys, and
which command each choice leads to (nothing runs: the command dialog is only looked at)."""

from __future__ import annotations

from pathlib import Path

from support.distfactory import ENGINE_GROUP, Dist, write_dists
from textual.widgets import DataTable, Input

from takopi_tui.screens.catalogue import TYPED, CatalogueScreen
from takopi_tui.screens.install import CommandDialog

from .tui_support import FIXED_ENV, make_app, notifications, settle, static_text, wait_for


async def open_catalogue(pilot) -> CatalogueScreen:
    await pilot.press("i")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CatalogueScreen))
    screen = pilot.app.screen
    assert isinstance(screen, CatalogueScreen)
    return screen


async def search(pilot, screen: CatalogueScreen, text: str) -> None:
    """Put ``text`` in the search box (a key press per letter costs 0.1 s each)."""
    screen.query_one(Input).value = text
    await pilot.pause()


async def test_search_as_you_type_and_escape_clears_then_closes(demo_site: Path):
    app = make_app(demo_site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_catalogue(pilot)
        everything = list(screen.shown)
        assert "takopi-discord" in everything and TYPED not in everything
        await pilot.press(*"cron")
        assert screen.shown[0] == "takopi-cron"
        assert screen.shown[-1] == TYPED  # "cron" is not a catalogue name: installable as typed
        await pilot.press("escape")  # clears the search
        assert screen.query_one(Input).value == ""
        assert screen.shown == everything
        await pilot.press("escape")  # closes
        await pilot.pause()
        assert app.screen is app.plugins_screen


async def test_a_kind_word_finds_by_kind(demo_site: Path):
    app = make_app(demo_site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_catalogue(pilot)
        await search(pilot, screen, "engine")
        entries = [name for name in screen.shown if name != TYPED]
        assert entries and all("engine" in screen._by_name[n].entry.kinds for n in entries[:3])


async def test_enter_on_an_entry_shows_the_install_command(demo_site: Path):
    app = make_app(demo_site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await search(pilot, await open_catalogue(pilot), "takopi-ralph")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandDialog))
        assert static_text(app, "#command-line") == (
            f"{FIXED_ENV.python} -m pip install takopi-ralph"
        )
        where = static_text(app, "#command-where")
        assert FIXED_ENV.python in where and FIXED_ENV.version in where
        # takopi-ralph needs Python >= 3.14 (the shipped catalogue says so): said up front.
        note = static_text(app, ".note")
        assert "needs Python >=3.14; this environment has 3.11.7" in note


async def test_an_installed_entry_is_marked_and_enter_updates_it(tmp_path: Path):
    site = write_dists(
        tmp_path / "site",
        Dist("takopi-cron", "0.1.0", {"takopi.command_backends": {"cron": "cron:BACKEND"}}),
        Dist("takopi-x", "1.0", {ENGINE_GROUP: {"x": "x:BACKEND"}}),
    )
    app = make_app(site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_catalogue(pilot)
        table = screen.query_one(DataTable)
        installed = table.get_cell("takopi-cron", "installed")
        assert installed.plain == "✓ 0.1.0"
        await search(pilot, screen, "takopi-cron")
        assert screen.shown == ["takopi-cron"]  # an exact name: no as-typed line
        assert "Installed here" in static_text(app, "#catalogue-detail")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandDialog))
        assert "-m pip install --upgrade takopi-cron" in static_text(app, "#command-line")


async def test_an_unpublished_entry_is_not_offered(demo_site: Path):
    app = make_app(demo_site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_catalogue(pilot)
        await search(pilot, screen, "takopi-smithers")
        assert screen.shown[0] == "takopi-smithers"
        assert "Not on the package index" in static_text(app, "#catalogue-detail")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.plugins_screen
        assert any("is not on the package index" in text for text in notifications(app))


async def test_keys_in_the_list(demo_site: Path):
    app = make_app(demo_site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_catalogue(pilot)
        await pilot.press("down")  # from the search box into the list
        assert isinstance(app.focused, DataTable)
        await pilot.press("down")
        second = screen.shown[1]
        await pilot.press("slash")  # back to the search box
        assert isinstance(app.focused, Input)
        await pilot.press("down", "i")  # into the list again (same row); i installs from it
        await wait_for(pilot, lambda: isinstance(app.screen, CommandDialog))
        assert static_text(app, "#command-line").endswith(f"install {second}")
