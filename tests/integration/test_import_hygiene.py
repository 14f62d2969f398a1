"""The plain CLI never imports Textual or plugin code; core never imports the TUI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.distfactory import write_dists
from support.imported import modules_after
from support.paths import REPO_ROOT
from support.plugin_zoo import GOOD_COMMAND, GOOD_TRANSPORT, engine


@pytest.fixture
def plugin_site(site: Path) -> Path:
    return write_dists(site, engine("zoo-good", "good", "zoo_good"), GOOD_TRANSPORT, GOOD_COMMAND)


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["plugins"], ["plugins", "--json"], ["plugins", "--load"], ["config", "path"]],
)
def test_cli_paths_leave_textual_and_plugins_out(argv: list[str], plugin_site: Path) -> None:
    modules = modules_after(argv, plugin_site)
    assert "takopi_core.cli" in modules  # the probe really ran
    assert not {m for m in modules if m == "textual" or m.startswith("textual.")}
    assert not {m for m in modules if m.startswith("takopi_tui")}
    assert not {m for m in modules if m.startswith(("zoo_", "takopi.api"))}


@pytest.mark.parametrize("argv", [["--help"], ["plugins"]])
def test_fast_paths_skip_heavy_libraries(argv: list[str], plugin_site: Path) -> None:
    modules = modules_after(argv, plugin_site)
    for heavy in ("tomlkit", "rich", "anyio", "asyncio"):
        assert heavy not in modules, f"{heavy} imported by takopi {' '.join(argv)}"


def test_import_contracts_hold() -> None:
    """The layers in pyproject's [tool.importlinter] (core below TUI, no textual in core)."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(REPO_ROOT / "pyproject.toml"), "--no-cache"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    assert result.stdout.count("KEPT") >= 3
