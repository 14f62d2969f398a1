"""Setup's survey checks its plugins in the probe pool, not one after another (QA, issue
14): with two engines that hang, the wizard's first step waited two timeouts.

The two "rendezvous" engines below only load when they are checked at the same time: each
leaves a mark on import and waits for the other's. Checked one after another, the first
waits in vain until the probe's timeout stops it; checked in the pool, both load. So the
test sees the pool without timing anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.distfactory import Dist
from support.setup_plugins import write_setup_site
from support.templates import engine_source, plugin_dist

from takopi_core.plugins.probe import default_workers
from takopi_core.setup.flow import SetupSession

RENDEZVOUS = """
import os
import time
from pathlib import Path

_here = Path(os.environ["RENDEZVOUS_DIR"])
(_here / {me!r}).touch()
while not (_here / {other!r}).exists():  # the probe's timeout ends this when alone
    time.sleep(0.05)
"""


def rendezvous_engine(me: str, other: str) -> Dist:
    return plugin_dist(
        f"takopi-engine-{me}",
        "engine",
        me,
        engine_source(me, prelude=RENDEZVOUS.format(me=me, other=other)),
        module=f"{me}_engine.backend",
    )


@pytest.mark.skipif(default_workers() < 2, reason="one core: the pool has one slot")
def test_survey_checks_engines_at_the_same_time(
    isolated_home: Path, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_setup_site(
        isolated_home / "site",
        rendezvous_engine("meeta", "meetb"),
        rendezvous_engine("meetb", "meeta"),
    )
    marks = isolated_home / "marks"
    marks.mkdir()
    monkeypatch.setenv("RENDEZVOUS_DIR", str(marks))
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('default_engine = "fakecli"\n', encoding="utf-8")

    session = SetupSession(config_path, search_path=[str(site)], timeout=8)
    survey = session.survey()

    by_id = {engine.id: engine for engine in survey.engines}
    assert {"meeta", "meetb"} <= set(by_id)
    for engine_id in ("meeta", "meetb"):
        result = by_id[engine_id].result
        assert result is not None
        assert result.ok, f"{engine_id}: {result.error_type}: {result.message}"
