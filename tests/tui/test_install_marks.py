"""The plain-data side of install/update/remove in the TUI (takopi_tui.installs) and the update
mark in the Version column: real distributions on a temporary path, real discovery."""

from __future__ import annotations

from pathlib import Path

from support.distfactory import ENGINE_GROUP, Dist, write_dists

from takopi_core.plugins.catalogue import CatalogueEntry
from takopi_core.plugins.discovery import discover
from takopi_tui.installs import (
    catalogue_rows,
    changed_distributions,
    entries_of,
    installed_distributions,
    newer_versions,
    with_update_marks,
)
from takopi_tui.rows import build_rows
from takopi_tui.widgets.detail_pane import describe
from takopi_tui.widgets.plugin_table import row_cells


def engine(name: str, engine_id: str, version: str = "1.0.0") -> Dist:
    return Dist(name, version, {ENGINE_GROUP: {engine_id: f"{name.replace('-', '_')}:BACKEND"}})


def test_installed_distributions_skip_the_host_and_keep_versions(tmp_path: Path):
    site = write_dists(
        tmp_path,
        engine("takopi-engine-acme", "acme", "1.2.0"),
        engine("Takopi_Engine_Beta", "beta", "0.3"),
        engine("takopi-tui", "inhouse", "0.1.0"),  # the host itself is never updated or removed
        engine("takopi-bad", "Bad Id!", "2.0"),  # broken: installed, version unknown
    )
    found = installed_distributions(discover(None, path=[str(site)]))
    assert found == {"takopi-engine-acme": "1.2.0", "Takopi_Engine_Beta": "0.3", "takopi-bad": ""}


def test_changed_distributions_are_new_or_at_another_version():
    before = {"takopi-a": "1.0", "takopi-b": "2.0"}
    after = {"takopi-a": "1.0", "Takopi_B": "2.1", "takopi-c": "0.1"}
    assert changed_distributions(before, after) == ["Takopi_B", "takopi-c"]
    assert changed_distributions(after, after) == []


def test_entries_of_match_normalized_names(tmp_path: Path):
    site = write_dists(tmp_path, engine("takopi-engine-acme", "acme"), engine("takopi-x", "x"))
    discovery = discover(None, path=[str(site)])
    assert [e.id for e in entries_of(discovery, ["Takopi_Engine.Acme"])] == ["acme"]


def test_update_marks_show_in_the_version_column(tmp_path: Path):
    site = write_dists(
        tmp_path, engine("takopi-engine-acme", "acme", "1.0.0"), engine("takopi-x", "x", "3.0")
    )
    discovery = discover(None, path=[str(site)])
    installed = installed_distributions(discovery)
    latest = {"takopi-engine-acme": "1.2.0", "takopi-x": "3.0"}  # x is up to date
    newer = newer_versions(installed, latest)
    assert newer == {"takopi-engine-acme": "1.2.0"}
    rows = with_update_marks(build_rows(discovery, {}), newer)
    by_id = {row.id: row for row in rows}
    assert by_id["acme"].latest == "1.2.0"
    assert by_id["x"].latest is None
    version = row_cells(by_id["acme"])[4]
    assert version.plain == "1.0.0 ↑ 1.2.0"
    assert row_cells(by_id["x"])[4].plain == "3.0"


def test_no_answer_from_the_index_means_no_mark(tmp_path: Path):
    site = write_dists(tmp_path, engine("takopi-engine-acme", "acme", "1.0.0"))
    discovery = discover(None, path=[str(site)])
    newer = newer_versions(installed_distributions(discovery), {"takopi-engine-acme": None})
    assert newer == {}
    assert [row.latest for row in with_update_marks(build_rows(discovery, {}), newer)] == [None]


def entry(name: str, requires_python: str | None) -> CatalogueEntry:
    return CatalogueEntry(
        name=name,
        summary="A plugin",
        plugins={"command": (name,)},
        requires_python=requires_python,
        homepage=None,
        published=True,
        version_read="0.1",
    )


def test_catalogue_rows_mark_installed_entries_and_the_python_they_need():
    entries = [
        entry("takopi-ralph", ">=3.14"),
        entry("takopi-cron", None),
    ]
    rows = catalogue_rows(entries, {"Takopi_Ralph": "0.2"}, "3.11.7")
    assert [(r.entry.name, r.installed, r.python_ok) for r in rows] == [
        ("takopi-ralph", "0.2", False),
        ("takopi-cron", None, None),
    ]


def test_the_detail_pane_says_an_update_is_there(tmp_path: Path):
    site = write_dists(tmp_path, engine("takopi-engine-acme", "acme", "1.0.0"))
    discovery = discover(None, path=[str(site)])
    (plain,) = build_rows(discovery, {})
    assert "Update" not in describe(plain).plain
    (marked,) = with_update_marks([plain], {"takopi-engine-acme": "1.2.0"})
    assert "\nUpdate        1.2.0 is on the package index (U updates)" in describe(marked).plain
