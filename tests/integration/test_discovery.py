"""Discovery from real dist-info folders: ids, reserved ids, duplicates, the enabled list."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, GUIDE_EXAMPLES, Dist, write_dists
from support.plugin_zoo import DISCOVERY_BROKEN, ZOO

from takopi_core.ids import CLI_COMMANDS, RESERVED_ENGINE_IDS, is_valid_id, normalize_dist_name
from takopi_core.plugins.discovery import discover, normalize_allowlist


def _engine(dist: str | None, plugin_id: str, module: str = "mod") -> Dist:
    return Dist(name=dist, entry_points={ENGINE_GROUP: {plugin_id: f"{module}:BACKEND"}})


def test_guide_examples_are_listed(site: Path) -> None:
    write_dists(site, *GUIDE_EXAMPLES)
    found = discover(path=[str(site)])
    assert [(e.kind, e.id, e.distribution) for e in found.entries] == [
        ("engine", "myengine", "takopi-engine-myengine"),
        ("transport", "mytransport", "takopi-transport-mytransport"),
        ("command", "multi", "takopi-command-multi"),
    ]
    assert found.errors == []
    assert all(e.enabled and not e.builtin for e in found.entries)
    assert found.entries[0].version == "0.3.0"
    assert found.entries[0].value == "myengine.backend:BACKEND"


def test_listing_never_imports_plugin_code(site: Path) -> None:
    write_dists(site, *ZOO)
    import sys

    before = set(sys.modules)
    discover(path=[str(site)])
    assert {m for m in set(sys.modules) - before if m.startswith("zoo_")} == set()


def test_discovery_errors_name_kind_id_and_distribution(site: Path) -> None:
    write_dists(site, *ZOO)
    found = discover(path=[str(site)])
    errors = {(e.id, e.distribution): e for e in found.errors}
    for plugin_id, (dist, kind, fragment) in DISCOVERY_BROKEN.items():
        error = errors[(plugin_id, dist)]
        assert error.kind == kind
        assert fragment in error.message
    # Duplicates: one error per provider, and neither provider wins.
    assert ("twin", "zoo-twin-b") in errors
    assert not any(e.id == "twin" for e in found.entries)
    # Broken ids are not listed; the good ones are.
    listed = {e.id for e in found.entries}
    assert {"Bad-Id", "plugins"} & listed == set()
    assert {"good", "noisy", "zoochat", "hello"} <= listed


def test_reserved_ids_follow_the_guide() -> None:
    assert {"cancel", "init", "plugins"} <= RESERVED_ENGINE_IDS
    assert CLI_COMMANDS <= RESERVED_ENGINE_IDS
    assert is_valid_id("a_1") and not is_valid_id("a-1") and not is_valid_id("x" * 33)


def test_transports_have_no_reserved_ids(site: Path) -> None:
    write_dists(
        site,
        Dist(name="t", entry_points={"takopi.transport_backends": {"cancel": "m:B"}}),
        Dist(name="c", entry_points={COMMAND_GROUP: {"cancel": "m:B", "init": "m:C"}}),
    )
    found = discover(path=[str(site)])
    assert [(e.kind, e.id) for e in found.entries] == [("transport", "cancel")]
    assert sorted((e.kind, e.id, e.reason) for e in found.errors) == [
        ("command", "cancel", "reserved-id"),
        ("command", "init", "reserved-id"),
    ]


@pytest.mark.parametrize(
    "listed",
    ["Zoo-Alpha", "zoo_alpha", "zoo.alpha", "ZOO__ALPHA", " zoo-alpha ", "zoo-._alpha"],
)
def test_enabled_list_normalizes_case_and_separators(site: Path, listed: str) -> None:
    write_dists(site, _engine("zoo_Alpha", "alpha"), _engine("zoo-beta", "beta"))
    found = discover([listed], path=[str(site)])
    assert {e.id: e.enabled for e in found.entries} == {"alpha": True, "beta": False}


def test_disabled_entries_stay_listed(site: Path) -> None:
    write_dists(site, _engine("zoo-alpha", "alpha"), _engine("zoo-beta", "beta"))
    found = discover(["zoo-beta"], path=[str(site)])
    assert [(e.id, e.enabled) for e in found.entries] == [("alpha", False), ("beta", True)]
    assert [e.id for e in found.visible()] == ["beta"]


def test_empty_list_means_all(site: Path) -> None:
    write_dists(site, _engine("zoo-alpha", "alpha"))
    assert normalize_allowlist([]) is None
    assert normalize_allowlist(["", "  "]) is None
    assert discover([], path=[str(site)]).entries[0].enabled


def test_takopi_alias_keeps_builtins(site: Path) -> None:
    write_dists(site, _engine("takopi-tui", "builtin_eng"), _engine("zoo-alpha", "alpha"))
    found = discover(["takopi"], path=[str(site)])
    state = {e.id: (e.enabled, e.builtin) for e in found.entries}
    assert state == {"builtin_eng": (True, True), "alpha": (False, False)}
    allowlist = normalize_allowlist(["Takopi"])
    assert allowlist is not None and "takopi-tui" in allowlist


def test_nameless_distribution_hidden_under_enabled_list(site: Path) -> None:
    write_dists(site, _engine(None, "ghost", "ghost_mod"), _engine("zoo-alpha", "alpha"))
    without_list = discover(path=[str(site)])
    assert {e.id for e in without_list.entries} == {"ghost", "alpha"}
    ghost = without_list.find("engine", "ghost")
    assert ghost is not None and ghost.distribution is None and ghost.dist_label == "unknown"

    with_list = discover(["zoo-alpha"], path=[str(site)])
    assert {e.id for e in with_list.entries} == {"alpha"}
    [error] = with_list.errors
    assert (error.kind, error.id, error.distribution, error.reason) == (
        "engine",
        "ghost",
        None,
        "no-distribution",
    )
    assert "no resolvable distribution name" in error.message


def test_duplicate_resolved_by_disabling_one_provider(site: Path) -> None:
    write_dists(site, _engine("zoo-a", "same", "ma"), _engine("zoo-b", "same", "mb"))
    assert not discover(path=[str(site)]).entries
    found = discover(["zoo-a"], path=[str(site)])
    assert [(e.distribution, e.enabled) for e in found.entries] == [
        ("zoo-a", True),
        ("zoo-b", False),
    ]
    assert found.errors == []


def test_normalize_dist_name() -> None:
    assert normalize_dist_name("Takopi_Transport.Slack") == "takopi-transport-slack"
