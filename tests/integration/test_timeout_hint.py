"""A plugin that runs out of time is told how long it had and how to allow it longer.

Real hanging distribution, real probe processes, the real CLI in a child process: each
command names its own ``--timeout`` (issue 14, point 1).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from support.distfactory import write_dists
from support.paths import run_takopi
from support.plugin_zoo import ZOO

from takopi_core.plugins.discovery import discover
from takopi_core.plugins.probe import Probe
from takopi_core.plugins.probe_protocol import (
    longer_limit_command,
    suggested_timeout,
    timeout_message,
)

HANG = next(d for d in ZOO if d.name == "zoo-hang")
GOOD = next(d for d in ZOO if d.name == "zoo-good")


def test_the_message_names_the_limit_and_the_command() -> None:
    assert timeout_message(2, "importing") == "timed out after 2 s while importing"
    assert timeout_message(2.5, "importing") == "timed out after 2.5 s while importing"
    assert longer_limit_command(2.5, "takopi doctor --timeout {seconds}") == (
        "takopi doctor --timeout 30"
    )
    assert longer_limit_command(2.5, None) is None
    assert suggested_timeout(10) == 30
    assert suggested_timeout(30) == 60  # always more than the limit that ran out


def test_the_probe_adds_the_hint_of_its_caller(site: Path) -> None:
    write_dists(site, HANG, GOOD)
    found = discover(path=[str(site)])
    probe = Probe(
        found.visible(),
        timeout=1,
        env=dict(os.environ, PYTHONPATH=str(site)),
        workers=2,
        timeout_hint="takopi tui --timeout {seconds}",
    )
    results = {r.id: r for r in probe.results()}
    assert results["hang"].error_type == "TimeoutError"
    assert results["hang"].message == "timed out after 1 s while importing"
    assert "give it longer: takopi tui --timeout 30;" in str(results["hang"].fix)
    assert results["good"].ok


def test_plugins_load_says_how_to_raise_its_timeout(site: Path) -> None:
    write_dists(site, HANG, GOOD)
    done = run_takopi("plugins", "--load", "--json", "--timeout", "1", site=site)
    rows = {row["id"]: row for row in json.loads(done.stdout)}
    assert rows["hang"]["error"] == "timed out after 1 s while importing"
    assert "give it longer: takopi plugins --load --timeout 30;" in rows["hang"]["fix"]
    text = run_takopi("plugins", "--load", "--timeout", "1", site=site).stdout
    assert "takopi plugins --load --timeout 30" in text


def test_doctor_says_how_to_raise_its_timeout(site: Path) -> None:
    write_dists(site, HANG, GOOD)
    done = run_takopi("doctor", "--timeout", "1", site=site)
    assert "timed out after 1 s while importing" in done.stdout, done.stdout
    assert "give it longer: takopi doctor --timeout 30" in done.stdout


def test_the_plain_tui_says_how_to_raise_its_timeout(site: Path) -> None:
    write_dists(site, HANG, GOOD)
    done = run_takopi("tui", "--plain", "--timeout", "1", site=site)
    assert "give it longer: takopi tui --timeout 30" in done.stdout, done.stdout + done.stderr
