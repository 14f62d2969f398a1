"""The wizard's first step takes the plugin table's results instead of checking every
transport and engine again (QA, issue 14: with two hanging engines it waited two timeouts
although the table had every result). Only what changed since the table's check is checked
again (keyed by the check cache's stamps).

The ``tally`` engine appends a line to a file each time a checker imports it, so the test
counts real checks in real child processes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.setup_plugins import make_bin, write_setup_site
from support.templates import engine_source, plugin_dist

from takopi_tui.screens.setup_wizard import SetupWizard

from .test_wizard import START
from .tui_support import make_app, settle, wait_for
from .wizard_support import THEME, WIZARD_SIZE, open_wizard

TALLY_PRELUDE = """
import os

with open(os.environ["TALLY_LOG"], "a", encoding="utf-8") as _log:
    _log.write("checked\\n")
"""

TALLY = plugin_dist(
    "takopi-engine-tally",
    "engine",
    "tally",
    engine_source("tally", prelude=TALLY_PRELUDE),
    module="tally_engine.backend",
)


@pytest.fixture
def site(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = write_setup_site(isolated_home / "site", TALLY)
    bin_dir = make_bin(isolated_home / "bin", "fakecli-bin")
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path('/usr/bin')}:{Path('/bin')}")
    monkeypatch.setenv("TALLY_LOG", str(isolated_home / "tally.log"))
    return site


@pytest.fixture
def start_config(config_path: Path) -> Path:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(START, encoding="utf-8")
    return config_path


def checks(isolated_home: Path) -> int:
    log = isolated_home / "tally.log"
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


async def test_wizard_survey_reuses_what_the_table_checked(
    site: Path, start_config: Path, isolated_home: Path
) -> None:
    app = make_app(site, real=True)
    app.theme = THEME
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        await settle(pilot)
        main = app.plugins_screen
        await wait_for(pilot, lambda: not main.probing, timeout=30, what="the table's check")
        assert checks(isolated_home) == 1

        screen = await open_wizard(pilot, "chatty")
        assert checks(isolated_home) == 1, "the wizard checked tally again"
        assert screen.survey is not None
        tally = next(e for e in screen.survey.engines if e.id == "tally")
        assert tally.result == main.runs.results[tally.entry.key]
        chatty = screen.survey.transport("chatty")
        assert chatty is not None and chatty.status == "needs setup"
        screen.action_cancel()
        await pilot.pause()

        # tally's module changed since: the wizard checks it (and only what changed) again.
        module = site / "tally_engine" / "backend.py"
        module.write_text(module.read_text(encoding="utf-8") + "\n# edited\n", "utf-8")
        screen = await open_wizard(pilot, "chatty")
        assert isinstance(screen, SetupWizard)
        assert checks(isolated_home) == 2
