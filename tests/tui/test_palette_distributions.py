"""The palette's enable/disable entries say what they stage: [plugins] enabled lists
distributions, so for a distribution with several plugins the entry names the distribution
and its plugins, once (QA: "Disable telegram" staged disabling all of takopi-tui, claude and
codex included). Running it asks first, as space does, and stages no more than it says."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from support.demo_plugins import command_code, write_demo
from support.distfactory import COMMAND_GROUP, Dist

from takopi_core.plugins.discovery import discover
from takopi_tui.palette import DISABLE, ENABLE, plugin_commands
from takopi_tui.rows import build_rows
from takopi_tui.screens.dialogs import ConfirmDialog

from .test_palette_plugins import RALPH, SCRIPT, SIZE, run_palette
from .tui_support import make_app, row, scripted, settle, static_text, wait_for

#: One distribution with six commands: more than a label lists.
BUNDLE = Dist(
    name="takopi-bundle",
    version="1.0.0",
    entry_points={COMMAND_GROUP: {f"tool{n}": f"bundle_pkg.tool{n}:BACKEND" for n in range(6)}},
    files={
        "bundle_pkg/__init__.py": "",
        **{f"bundle_pkg/tool{n}.py": command_code(f"tool{n}", f"tool {n}") for n in range(6)},
    },
)


def toggles(site: Path, enabled: list[str] | None = None) -> dict[str, str]:
    """label -> help of every enable/disable entry."""
    rows = build_rows(discover(enabled, path=[str(site)]), {})
    return {c.label: c.help for c in plugin_commands(rows) if c.verb in (DISABLE, ENABLE)}


def test_a_distribution_with_several_plugins_is_one_entry_naming_them(isolated_home: Path):
    site = write_demo(isolated_home / "site", RALPH, BUNDLE)
    found = toggles(site)
    assert "Disable takopi-tui (claude, codex, telegram)" in found
    assert "Disable takopi-tools (digest, stats)" in found
    for alone in ("claude", "codex", "telegram", "digest", "stats"):
        assert f"Disable {alone}" not in found
    # one id twice in a distribution: told apart by kind
    assert "Disable takopi-ralph (engine ralph, command ralph)" in found
    assert not any(label.startswith("Disable ralph") for label in found)
    # a distribution with one plugin keeps the short label
    assert "Disable acme" in found
    # six plugins: three named, the rest counted; the help names every one
    (bundle,) = [label for label in found if "takopi-bundle" in label]
    assert bundle == "Disable takopi-bundle (tool0, tool1, tool2, … 3 more)"
    assert all(f"tool{n}" in found[bundle] for n in range(6))
    assert "6 plugins" in found[bundle]
    rows = build_rows(discover(None, path=[str(site)]), {})
    every = [c.label for c in plugin_commands(rows)]
    assert [label for label, n in Counter(every).items() if n > 1] == []


def test_enable_names_the_distribution_too(demo_site: Path):
    found = toggles(demo_site, ["takopi-engine-acme"])  # takopi-tools left out
    assert "Enable takopi-tools (digest, stats)" in found
    assert "Enable digest" not in found and "Enable stats" not in found


async def test_disable_telegram_asks_about_takopi_tui_and_stages_only_that(
    demo_site: Path, demo_config: Path
):
    app = make_app(demo_site, probe_factory=scripted(SCRIPT))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        offered = await run_palette(pilot, "disable telegram")
        assert offered[0].startswith("Disable takopi-tui (claude, codex, telegram)\n")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        assert "claude, codex, telegram" in static_text(app, "#dialog-body")
        await pilot.press("y")
        await wait_for(pilot, lambda: row(app, "telegram").staged, what="staged")
        staged = {r.id for r in app.plugins_screen.rows if r.staged}
        assert staged == {"claude", "codex", "telegram"}
        assert app.plugins_screen.staging.wants == (("takopi-tui", False),)


async def test_a_hidden_plugin_of_a_bundle_is_still_found_by_its_id(isolated_home: Path):
    site = write_demo(isolated_home / "site", BUNDLE)
    app = make_app(site, probe_factory=scripted())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        offered = await run_palette(pilot, "disable tool5")
        assert offered[0].startswith("Disable takopi-bundle (tool0, tool1, tool2, … 3 more)")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.press("n")
        await pilot.pause()
        assert not any(r.staged for r in app.plugins_screen.rows)
