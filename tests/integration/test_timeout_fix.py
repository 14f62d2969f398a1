"""A timed-out plugin has one fix, the same everywhere: the --timeout of the command that ran.

QA (issue 14 follow-up): the TUI's Details pane told a timed-out plugin to "report it to the
author (takopi plugins --load -v shows the traceback)" (a timeout has no traceback) while the
errors pane said "give it longer: takopi tui --timeout 30", and ``takopi plugins --load``
printed the --timeout hint twice (in the error and in ``fix:``). The probe now sets the
timeout result's ``fix`` (data, not text to parse); the message says only what happened.
Real hanging distribution, real probe processes, the real CLI in a child process.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from support.distfactory import write_dists
from support.paths import run_takopi
from support.plugin_zoo import ZOO

from takopi_core.plugins.discovery import Discovery, discover
from takopi_core.plugins.probe import LoadResult, Probe
from takopi_core.plugins.report import collect_errors
from takopi_tui.rows import build_rows

HANG = next(d for d in ZOO if d.name == "zoo-hang")
GOOD = next(d for d in ZOO if d.name == "zoo-good")

HANG_FIX = (
    "if it is only slow, give it longer: {command}; if it hangs, report it to the author "
    "of zoo-hang; meanwhile hide it: takopi plugins disable zoo-hang"
)


def _probe(site: Path, hint: str | None) -> tuple[Discovery, dict[str, LoadResult]]:
    found = discover(path=[str(site)])
    probe = Probe(
        found.visible(),
        timeout=1,
        env=dict(os.environ, PYTHONPATH=str(site)),
        workers=2,
        timeout_hint=hint,
    )
    return found, {r.id: r for r in probe.results()}


def test_the_probe_puts_the_longer_limit_in_the_fix_not_the_message(site: Path) -> None:
    write_dists(site, HANG, GOOD)
    _, results = _probe(site, "takopi tui --timeout {seconds}")
    hang = results["hang"]
    assert hang.error_type == "TimeoutError"
    assert hang.message == "timed out after 1 s while importing"
    assert hang.fix == HANG_FIX.format(command="takopi tui --timeout 30")


def test_without_a_hint_the_fix_still_says_what_to_do_about_a_hang(site: Path) -> None:
    write_dists(site, HANG)
    _, results = _probe(site, None)
    assert results["hang"].fix == (
        "if it hangs, report it to the author of zoo-hang; meanwhile hide it: "
        "takopi plugins disable zoo-hang"
    )


def test_the_details_and_the_errors_pane_give_the_same_fix(site: Path) -> None:
    write_dists(site, HANG, GOOD)
    found, results = _probe(site, "takopi tui --timeout {seconds}")
    by_key = {(r.kind, r.id, r.distribution): r for r in results.values()}
    rows = {row.id: row for row in build_rows(found, by_key)}
    (record,) = [r for r in collect_errors(found, results.values()) if r.id == "hang"]
    expected = HANG_FIX.format(command="takopi tui --timeout 30")
    assert rows["hang"].fix == expected
    assert record.fix == expected


def test_a_timeout_result_without_a_fix_is_not_told_to_read_a_traceback(site: Path) -> None:
    # A result from elsewhere (an older probe, the run path) may carry no fix: the fallback
    # of both panes is the timeout's, not "-v shows the traceback".
    write_dists(site, HANG)
    found = discover(path=[str(site)])
    (entry,) = found.visible()
    result = LoadResult(
        kind=entry.kind,
        id=entry.id,
        value=entry.value,
        distribution=entry.distribution,
        version=entry.version,
        status="failed",
        error_type="TimeoutError",
        message="timed out after 1 s while importing",
    )
    (row,) = build_rows(found, {entry.key: result})
    (record,) = collect_errors(found, [result])
    assert row.fix == record.fix
    assert row.fix is not None and "traceback" not in row.fix
    assert "report it to the author of zoo-hang" in row.fix


def test_plugins_load_prints_the_longer_limit_once(site: Path) -> None:
    write_dists(site, HANG, GOOD)
    text = run_takopi("plugins", "--load", "--timeout", "1", site=site).stdout
    assert text.count("--timeout 30") == 1, text
    assert "engine hang (zoo-hang): timed out after 1 s while importing\n" in text, text
    fix = HANG_FIX.format(command="takopi plugins --load --timeout 30")
    assert f"fix: {fix}\n" in text, text
    rows = {
        row["id"]: row
        for row in json.loads(
            run_takopi("plugins", "--load", "--json", "--timeout", "1", site=site).stdout
        )
    }
    assert rows["hang"]["error"] == "timed out after 1 s while importing"
    assert rows["hang"]["fix"] == fix


def test_doctor_prints_its_own_longer_limit_once(site: Path) -> None:
    write_dists(site, HANG, GOOD)
    text = run_takopi("doctor", "--timeout", "1", site=site).stdout
    assert text.count("--timeout 30") == 1, text
    assert HANG_FIX.format(command="takopi doctor --timeout 30") in text, text
