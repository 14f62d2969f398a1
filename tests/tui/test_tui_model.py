"""The app's pure parts: rows from discovery and probe results, filters, staging, the watcher.

Real distributions on a temporary path and real discovery; no Textual involved.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from support.demo_plugins import (
    ACME,
    BAD_ID,
    BROKEN,
    DISCORD,
    SLACK,
    TOOLS,
    engine_code,
    write_demo,
)
from support.distfactory import ENGINE_GROUP, Dist, write_dist, write_dists

from takopi_core.plugins.discovery import discover, normalize_allowlist
from takopi_core.plugins.probe import LoadResult
from takopi_tui.rows import RowFilter, Status, build_rows, count_rows
from takopi_tui.staging import ConfigView, Staging
from takopi_tui.watch import SourceWatcher

LISTED = ["takopi", "takopi-engine-acme", "takopi-engine-gemini", "takopi-transport-slack"]


def result(entry, status="ok", **fields) -> LoadResult:
    return LoadResult(
        kind=entry.kind,
        id=entry.id,
        value=entry.value,
        distribution=entry.distribution,
        version=entry.version,
        status=status,
        **fields,
    )


def test_rows_carry_each_state(tmp_path: Path):
    site = write_demo(tmp_path)
    discovery = discover([*LISTED, "takopi-tools"], path=[str(site)])
    by_id = {e.id: e for e in discovery.entries}
    results = {
        by_id["acme"].key: result(by_id["acme"], load_ms=3.0),
        by_id["gemini"].key: result(by_id["gemini"], "failed", message="boom"),
    }
    rows = build_rows(discovery, results, loading={by_id["slack"].key})
    state = {r.id: r.status for r in rows}
    assert state["acme"] is Status.OK and state["gemini"] is Status.FAILED
    assert state["slack"] is Status.LOADING and state["digest"] is Status.NOT_CHECKED
    assert state["discord"] is Status.DISABLED and state["Bad-Id"] is Status.BROKEN
    assert [r.kind for r in rows] == sorted(
        (r.kind for r in rows), key=["engine", "transport", "command"].index
    )
    assert next(r for r in rows if r.id == "codex").builtin
    gemini = next(r for r in rows if r.id == "gemini")
    assert gemini.error_text == "boom" and gemini.load_ms is None
    counts = count_rows(rows)
    # Bad-Id's distribution is not enabled: its error is shown but is no failure.
    assert (counts.plugins, counts.failed, counts.disabled) == (10, 1, 2)
    assert (counts.checked, counts.checkable) == (2, 8)


def test_a_disabled_row_ignores_stale_results(tmp_path: Path):
    site = write_dists(tmp_path, ACME, DISCORD)
    discovery = discover(["takopi-engine-acme"], path=[str(site)])
    discord = next(e for e in discovery.entries if e.id == "discord")
    rows = build_rows(discovery, {discord.key: result(discord, "failed", message="old")})
    row = next(r for r in rows if r.id == "discord")
    assert row.status is Status.DISABLED and row.error_text is None


def test_duplicate_ids_are_two_broken_rows(tmp_path: Path):
    other = Dist(
        name="takopi-engine-acme2",
        entry_points={ENGINE_GROUP: {"acme": "acme2:BACKEND"}},
        files={"acme2.py": engine_code("acme")},
    )
    site = write_dists(tmp_path, ACME, other)
    rows = build_rows(discover(None, path=[str(site)]), {})
    acmes = [r for r in rows if r.id == "acme"]
    assert [r.dist_label for r in acmes] == ["takopi-engine-acme", "takopi-engine-acme2"]
    assert {r.status for r in acmes} == {Status.BROKEN}
    assert {r.broken_reason for r in acmes} == {"duplicate id"}
    assert len({r.key for r in acmes}) == 2


def test_staged_rows_show_the_list_after_saving(tmp_path: Path):
    site = write_dists(tmp_path, ACME, SLACK, DISCORD)
    discovery = discover(["takopi-engine-acme", "takopi-transport-slack"], path=[str(site)])
    after = normalize_allowlist(["takopi-engine-acme", "takopi-transport-discord"])
    rows = {r.id: r for r in build_rows(discovery, {}, allowlist_after=after)}
    assert rows["slack"].staged and not rows["slack"].enabled_after
    assert rows["discord"].staged and rows["discord"].enabled_after
    assert not rows["acme"].staged


def test_filter_combines_kind_errors_and_text(tmp_path: Path):
    site = write_demo(tmp_path)
    rows = build_rows(discover(LISTED, path=[str(site)]), {})

    def ids(f: RowFilter) -> list[str]:
        return [r.id for r in rows if f.accepts(r)]

    assert ids(RowFilter(kind="transport")) == ["discord", "slack", "telegram"]
    assert ids(RowFilter(errors_only=True)) == ["Bad-Id"]
    assert ids(RowFilter(text="TAKOPI-TUI")) == ["claude", "codex", "telegram"]
    assert ids(RowFilter(text="tui engine")) == ["claude", "codex"]  # every word must match
    assert ids(RowFilter(kind="command", text="disabled")) == ["Bad-Id", "digest", "stats"]
    assert RowFilter().describe() == "" and not RowFilter().active
    assert RowFilter("engine", True, " x ").describe() == 'engines · errors only · "x"'


def test_staging_toggles_and_plans_with_the_core_planner(tmp_path: Path):
    site = write_demo(tmp_path)
    view = ConfigView(enabled=LISTED, transport="telegram", default_engine="codex")
    discovery = discover(view.enabled, path=[str(site)])
    staging = Staging().toggled("takopi-engine-acme", False, discovery)
    staging = staging.toggled("takopi-transport-discord", True, discovery)
    assert staging.distributions == ["takopi-engine-acme", "takopi-transport-discord"]
    plan = staging.plan(view, discovery)
    assert plan.refusal is None and not plan.warnings
    assert plan.enabled == [
        "takopi",
        "takopi-engine-gemini",
        "takopi-transport-slack",
        "takopi-transport-discord",
    ]
    # Toggling back to what the file says unstages.
    assert staging.toggled("TAKOPI_ENGINE.ACME", True, discovery).distributions == [
        "takopi-transport-discord"
    ]
    # Hiding the built-ins warns about the configured transport and default engine.
    warned = Staging().toggled("takopi-tui", False, discovery).plan(view, discovery)
    assert any("transport 'telegram'" in w for w in warned.warnings)
    assert any("default_engine 'codex'" in w for w in warned.warnings)
    # Hiding everything is refused, with the planner's reason.
    everything = Staging()
    for name in (
        "takopi-tui",
        "takopi-engine-acme",
        "takopi-engine-gemini",
        "takopi-transport-slack",
    ):
        everything = everything.toggled(name, False, discovery)
    refused = everything.plan(view, discovery)
    assert refused.refusal is not None and "refusing to hide every" in refused.refusal
    # A file that already says what was staged makes the toggle moot.
    later = discover(["takopi", "takopi-transport-slack"], path=[str(site)])
    assert staging.moot(later) == ["takopi-engine-acme"]
    assert staging.without(["takopi-engine-acme"]).distributions == ["takopi-transport-discord"]


def bump(path: Path) -> None:
    later = time.time() + 5
    os.utime(path, (later, later))


def test_watcher_sees_config_plugin_files_and_installs(tmp_path: Path):
    site = write_dists(tmp_path / "site", ACME, BROKEN, TOOLS, BAD_ID)
    config = tmp_path / "takopi.toml"
    watcher = SourceWatcher(config, [str(site)])
    watcher.track(discover(None, path=[str(site)]))
    watched = set(watcher.watched)
    assert str(site / "acme_engine" / "backend.py") in watched
    assert str(site / "takopi_tools" / "digest.py") in watched
    assert str(site / "weird_cmd.py") in watched  # a single-module plugin, broken id or not
    assert not watcher.poll()

    config.write_text("")
    assert watcher.poll().config
    assert not watcher.poll()  # the baseline moved

    bump(site / "gemini_engine" / "backend.py")  # a plugin author saves a module
    changes = watcher.poll()
    assert changes.plugins and not changes.config

    # Compiling bytecode (what the probe does) is not a change.
    (site / "acme_engine" / "__pycache__").mkdir()
    (site / "__pycache__").mkdir()
    (site / "__pycache__" / "weird_cmd.cpython-311.pyc").write_bytes(b"")
    assert not watcher.poll()

    write_dist(site, SLACK)  # pip install in another terminal
    assert watcher.poll().plugins
    bump(site / "takopi_engine_acme-0.3.0.dist-info" / "entry_points.txt")  # an upgrade
    assert watcher.poll().plugins
