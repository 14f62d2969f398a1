"""The command palette's per-plugin actions: "Disable acme", "Enable discord", "Go to slack",
"Set up slack" (transports), "Check gemini again", and "Sort by Load ms"; each once, labelled
with the kind (then the distribution) where two rows share an id; untrusted ids shown as text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, cast

from support.demo_plugins import command_code, engine_code, write_demo
from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, Dist
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from takopi_core.plugins.discovery import discover
from takopi_tui.app import TakopiApp
from takopi_tui.palette import plugin_commands
from takopi_tui.probing import ProbeRequest
from takopi_tui.rows import build_rows

from .test_tui_snapshots import SCRIPT as SNAPSHOT_SCRIPT
from .test_tui_untrusted import write_evil_site
from .tui_support import make_app, row, scripted, settle, wait_for

SIZE = (120, 36)

#: One distribution with an engine and a command both called ralph.
RALPH = Dist(
    name="takopi-ralph",
    version="1.0.0",
    entry_points={
        ENGINE_GROUP: {"ralph": "ralph_pkg.engine:BACKEND"},
        COMMAND_GROUP: {"ralph": "ralph_pkg.command:BACKEND"},
    },
    files={
        "ralph_pkg/__init__.py": "",
        "ralph_pkg/engine.py": engine_code("ralph"),
        "ralph_pkg/command.py": command_code("ralph", "ralph's command"),
    },
)

#: The snapshot tests' load times and results (typed for the scripted probe).
SCRIPT = cast("dict[str, dict[str, Any]]", SNAPSHOT_SCRIPT)


def labels(site: Path, enabled: list[str] | None = None) -> list[str]:
    rows = build_rows(discover(enabled, path=[str(site)]), {})
    return [command.label for command in plugin_commands(rows)]


def test_each_action_once_and_shared_ids_labelled_with_the_kind(isolated_home: Path):
    site = write_demo(isolated_home / "site", RALPH)
    found = labels(site)
    assert [label for label, n in Counter(found).items() if n > 1] == []
    assert "Go to ralph (engine)" in found and "Go to ralph (command)" in found
    # enabling and disabling act on the distribution: one entry, naming both plugins
    assert "Disable takopi-ralph (engine ralph, command ralph)" in found
    assert "Go to ralph" not in found
    assert "Go to acme" in found and "Disable acme" in found
    assert "Set up slack" in found and "Set up acme" not in found  # transports only
    assert "Check acme again" in found
    assert "Check Bad-Id again" not in found  # an invalid id cannot be checked
    assert "Sort by Load ms" in found


def test_a_disabled_plugin_offers_enable_and_no_check(demo_site: Path):
    found = labels(demo_site, ["takopi", "takopi-engine-acme"])
    assert "Enable discord" in found and "Disable discord" not in found
    assert "Check discord again" not in found
    assert "Disable acme" in found


def test_one_id_in_two_distributions_is_labelled_with_the_distribution(isolated_home: Path):
    twin = Dist(
        name="takopi-acme-fork",
        version="0.1.0",
        entry_points={ENGINE_GROUP: {"acme": "acme_fork:BACKEND"}},
        files={"acme_fork.py": engine_code("acme")},
    )
    site = write_demo(isolated_home / "site", twin)
    found = labels(site)
    assert "Go to acme (engine, takopi-engine-acme)" in found
    assert "Go to acme (engine, takopi-acme-fork)" in found
    assert [label for label, n in Counter(found).items() if n > 1] == []


async def run_palette(pilot: Pilot, query: str) -> list[str]:
    """Open the palette, type ``query``, run the first hit; the prompts that were offered
    (label, then the help line)."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
    await pilot.press(*query)
    commands = app.screen.query_one(CommandList)
    await wait_for(pilot, lambda: commands.option_count > 0, what=f"hits for {query!r}")
    await pilot.pause(0.3)  # the search is debounced: let every provider answer
    offered = [str(option.prompt.plain) for option in commands.options]
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), what="closed")
    return offered


async def test_palette_actions_act_on_their_plugin(demo_site: Path, demo_config: Path):
    calls: list[ProbeRequest] = []
    app = make_app(demo_site, probe_factory=scripted(SCRIPT, log=calls))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.plugins_screen
        offered = await run_palette(pilot, "disable acme")
        # The help line is shown as written: "[plugins]" is not taken for markup.
        assert (
            offered[0] == "Disable acme\nStage taking takopi-engine-acme out of [plugins] enabled"
        )
        assert row(app, "acme").staged and not row(app, "acme").enabled_after
        await run_palette(pilot, "go to slack")
        current = screen.current_row
        assert current is not None and current.id == "slack"
        assert screen.focused is screen.table
        before = len(calls)
        await run_palette(pilot, "check gemini again")
        await settle(pilot)
        assert [[e.id for e in request.entries] for request in calls[before:]] == [["gemini"]]
        await run_palette(pilot, "sort by load ms")
        assert screen.table_sort.column == "ms"


async def test_set_up_opens_the_wizard_on_that_transport(demo_site: Path, demo_config: Path):
    from takopi_tui.screens.setup_wizard import SetupWizard

    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_palette(pilot, "set up slack")
        await wait_for(pilot, lambda: isinstance(app.screen, SetupWizard), what="the wizard")
        wizard = app.screen
        assert isinstance(wizard, SetupWizard) and wizard.preselect == "slack"


async def test_markup_in_ids_is_shown_as_text(isolated_home: Path, config_path: Path):
    site = write_evil_site(isolated_home / "site")
    app: TakopiApp = make_app(site)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        offered = await run_palette(pilot, "go to [/")
        # The invalid id "[/]", literally, in the label and the help; and no MarkupError.
        assert "Go to [/]\nSelect command [/] (takopi-[bold]evil[/]) in the table" in offered
        current = app.plugins_screen.current_row
        assert current is not None and current.id == "[/]"
        assert app.is_running
