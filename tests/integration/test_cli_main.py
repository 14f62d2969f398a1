"""The `takopi` front end: help, version, reserved command names (in process), lazy
subcommands and the engine shortcut (in children: what gets imported, the run path)."""

from __future__ import annotations

from pathlib import Path

from support.cli import InProcessCli
from support.imported import modules_after
from support.paths import run_takopi

from takopi_core.cli import SUBCOMMANDS
from takopi_core.ids import CLI_COMMANDS, RESERVED_ENGINE_IDS


def test_every_cli_command_is_reserved_for_engines() -> None:
    """Engines become `takopi ENGINE`: they may not take a subcommand's name."""
    assert set(SUBCOMMANDS) == CLI_COMMANDS
    assert CLI_COMMANDS <= RESERVED_ENGINE_IDS


def test_help_lists_every_command(takopi: InProcessCli) -> None:
    proc = takopi("--help")
    assert proc.returncode == 0
    for name, (_module, help_text) in SUBCOMMANDS.items():
        assert f"    {name}" in proc.stdout
        assert help_text.split()[0] in proc.stdout
    assert "takopi ENGINE" in proc.stdout


def test_subcommand_help_shows_its_options(takopi: InProcessCli) -> None:
    proc = takopi("plugins", "--help")
    assert proc.returncode == 0 and "--load" in proc.stdout and "--json" in proc.stdout


def test_version(takopi: InProcessCli) -> None:
    proc = takopi("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("takopi-tui ")


def test_help_imports_no_subcommand_module(site: Path) -> None:
    modules = modules_after(["--help"], site)
    assert not {m for m in modules if m.startswith("takopi_core.cli.")}


def test_a_command_imports_only_its_own_module(site: Path) -> None:
    modules = modules_after(["plugins"], site)
    loaded = {m for m in modules if m.startswith("takopi_core.cli.")}
    # `plugins` and the modules of its actions (enable, info, install..., catalogue), which
    # import only the standard library until an action runs; no other command's module.
    actions = {m for m in loaded if m.startswith("takopi_core.cli.plugins_")}
    assert loaded - actions == {"takopi_core.cli.plugins", "takopi_core.cli.enable"}
    assert {"takopi_core.cli.plugins_manage", "takopi_core.cli.plugins_catalogue"} <= actions


def test_unknown_word_is_a_usage_error_with_a_suggestion(takopi: InProcessCli) -> None:
    proc = takopi("confg")
    assert proc.returncode == 2
    assert "'confg' is neither a command nor an installed engine" in proc.stderr
    assert "Did you mean `takopi config`?" in proc.stderr


def test_engine_shortcut_runs_with_that_engine(site: Path) -> None:
    from support.distfactory import write_dists
    from support.plugin_zoo import engine

    write_dists(site, engine("zoo-good", "good", "zoo_good"))
    proc = run_takopi("good", "--transport", "nosuch", site=site, input="")
    # It got as far as the run path: the transport is what it complains about.
    assert "nosuch" in proc.stderr
    assert "neither a command" not in proc.stderr
