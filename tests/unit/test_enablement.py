"""The enable/disable planner, over real dist-info metadata in a temporary folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pytest
from support.config_support import ACME, MULTI, ODD, SLACK, write_plugin_site
from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, Dist

from takopi_core.plugins.discovery import Discovery, discover
from takopi_core.plugins.enablement import (
    EnablementError,
    EnablementPlan,
    plan_enabled,
    plan_for_config,
    resolve_distribution,
)


def installed(site: Path, *dists: Dist) -> Discovery:
    write_plugin_site(site, *dists)
    return discover(path=[str(site)])


def plan(
    site: Path, current: list[str], changes: Mapping[str, bool] | Literal["all"], **kw: Any
) -> EnablementPlan:
    discovery = discover(current, path=[str(site)])
    return plan_enabled(discovery, current, changes, **kw)


def test_disabling_from_the_empty_list_writes_every_other_distribution(site: Path) -> None:
    installed(site, SLACK, ACME, MULTI)
    result = plan(site, [], {"takopi-transport-slack": False})
    assert result.new_list == ("takopi-command-multi", "takopi-engine-acme", "takopi-tui")
    assert result.list_changed
    assert [c.distribution for c in result.changes] == ["takopi-transport-slack"]
    assert result.changes[0].enabled is False
    assert result.changes[0].describe() == "disabled takopi-transport-slack: transport slack"
    assert result.warnings == ()


def test_a_plugin_id_stands_for_its_whole_distribution(site: Path) -> None:
    installed(site, SLACK, ACME, MULTI)
    result = plan(site, [], {"acme_stats": False})
    assert "command 'acme_stats' is provided by distribution takopi-engine-acme" in result.notes
    (change,) = result.changes
    assert change.distribution == "takopi-engine-acme"
    assert [(p.kind, p.id) for p in change.plugins] == [
        ("engine", "acme"),
        ("command", "acme_stats"),
    ]
    assert change.describe() == "disabled takopi-engine-acme: engine acme, command acme_stats"
    assert [p.id for p in result.affected_plugins()] == ["acme", "acme_stats"]


def test_enable_all_writes_the_empty_list(site: Path) -> None:
    installed(site, SLACK, ACME)
    result = plan(site, ["takopi-engine-acme"], "all")
    assert result.new_list == ()
    assert sorted(c.distribution for c in result.changes) == [
        "takopi-transport-slack",
        "takopi-tui",
    ]
    assert all(c.enabled for c in result.changes)


def test_an_explicit_list_stays_explicit(site: Path) -> None:
    installed(site, SLACK, ACME)
    result = plan(site, ["takopi-tui", "takopi-engine-acme"], {"slack": True})
    # Everything is visible now, but the list is not collapsed to []: it still decides
    # whether plugins installed later show up.
    assert result.new_list == ("takopi-tui", "takopi-engine-acme", "takopi-transport-slack")


def test_hiding_the_last_visible_distribution_is_refused(site: Path) -> None:
    installed(site, ACME)
    result = plan(site, ["takopi-engine-acme"], {"acme": False})
    assert result.refused and result.new_list is None
    assert result.refusal is not None and "empty `[plugins] enabled` means all" in result.refusal
    everything = {"takopi-engine-acme": False, "takopi-tui": False}
    assert plan(site, [], everything).refused


def test_warns_when_the_configured_transport_or_engine_is_hidden(site: Path) -> None:
    installed(site, SLACK, ACME, MULTI)
    result = plan(
        site,
        [],
        {"slack": False, "acme": False},
        transport="slack",
        default_engine="acme",
    )
    assert not result.refused
    assert len(result.warnings) == 2
    assert "configured transport 'slack'" in result.warnings[0]
    assert "takopi-transport-slack" in result.warnings[0]
    assert "configured default_engine 'acme'" in result.warnings[1]
    quiet = plan(site, [], {"multi": False}, transport="slack", default_engine="acme")
    assert quiet.warnings == ()


def test_warns_when_the_builtins_are_hidden(site: Path) -> None:
    installed(site, ACME)
    result = plan(site, [], {"takopi": False})  # `takopi` names this distribution
    assert result.new_list == ("takopi-engine-acme",)
    assert any("built-in plugins of takopi-tui" in w for w in result.warnings)


def test_names_are_written_in_the_metadata_spelling(site: Path) -> None:
    installed(site, ACME, ODD)
    assert resolve_distribution(discover(path=[str(site)]), "takopi-odd-name") == (
        "Takopi_Odd.Name",
        None,
    )
    from_all = plan(site, [], {"acme": False})
    assert from_all.new_list == ("Takopi_Odd.Name", "takopi-tui")
    explicit = plan(site, ["takopi-tui"], {"odd": True})
    assert explicit.new_list == ("takopi-tui", "Takopi_Odd.Name")


def test_existing_entries_keep_their_spelling_and_match_loosely(site: Path) -> None:
    installed(site, SLACK, ACME)
    current = ["TAKOPI_TUI", "Takopi.Transport.Slack", "takopi-engine-acme"]
    result = plan(site, current, {"takopi-transport-slack": False})
    assert result.new_list == ("TAKOPI_TUI", "takopi-engine-acme")


def test_takopi_alias_counts_as_this_distribution(site: Path) -> None:
    installed(site, ACME)
    kept = plan(site, ["takopi", "takopi-engine-acme"], {"takopi-tui": True})
    assert not kept.list_changed
    assert "takopi-tui is already enabled" in kept.notes
    hidden = plan(site, ["takopi", "takopi-engine-acme"], {"takopi-tui": False})
    assert hidden.new_list == ("takopi-engine-acme",)


def test_unknown_and_ambiguous_names(site: Path) -> None:
    other = Dist(name="takopi-command-dup", entry_points={COMMAND_GROUP: {"dup": "d:B"}})
    engine = Dist(name="takopi-engine-dup", entry_points={ENGINE_GROUP: {"dup": "e:B"}})
    discovery = installed(site, ACME, other, engine)
    with pytest.raises(EnablementError) as unknown:
        plan_enabled(discovery, [], {"nope": True})
    assert "no installed plugin id or distribution named 'nope'" in str(unknown.value)
    assert "takopi-engine-acme" in str(unknown.value)
    with pytest.raises(EnablementError, match="several distributions"):
        plan_enabled(discovery, [], {"dup": False})
    # Naming the distribution settles it.
    assert plan_enabled(discovery, [], {"takopi-engine-dup": False}).list_changed


def test_conflicting_requests_for_one_distribution(site: Path) -> None:
    discovery = installed(site, SLACK, ACME)
    with pytest.raises(EnablementError, match="cannot be enabled and disabled at once"):
        plan_enabled(discovery, [], {"slack": True, "takopi-transport-slack": False})


def test_uninstalled_names_in_the_list(site: Path) -> None:
    installed(site, SLACK, ACME)
    current = ["takopi-tui", "takopi-gone", "takopi-engine-acme"]
    enabling = plan(site, current, {"slack": True})
    assert enabling.new_list == (*current, "takopi-transport-slack")  # not ours to drop
    removing = plan(site, current, {"takopi-gone": False})
    assert removing.new_list == ("takopi-tui", "takopi-engine-acme")
    assert "takopi-gone is not installed; removing it from the list" in removing.notes
    with pytest.raises(EnablementError):
        plan(site, current, {"takopi-gone": True})


def test_several_staged_toggles_make_one_plan(site: Path) -> None:
    """The TUI stages toggles and plans them together."""
    installed(site, SLACK, ACME, MULTI)
    result = plan(site, [], {"slack": False, "multi": False, "acme": True})
    assert result.new_list == ("takopi-engine-acme", "takopi-tui")
    assert [c.distribution for c in result.changes] == [
        "takopi-command-multi",
        "takopi-transport-slack",
    ]
    assert "takopi-engine-acme is already enabled" in result.notes


def test_nothing_to_change(site: Path) -> None:
    installed(site, SLACK)
    result = plan(site, [], {"slack": True})
    assert not result.list_changed and result.changes == ()


def test_plan_for_config_reads_list_transport_and_engine(site: Path, config_path: Path) -> None:
    from takopi_core.config.file import ConfigFile

    write_plugin_site(site, SLACK, ACME)
    config_path.parent.mkdir(parents=True)
    config_path.write_text(
        'transport = "slack"\n[plugins]\nenabled = ["takopi-tui", "takopi-transport-slack"]\n'
    )
    config = ConfigFile.load(config_path)
    result = plan_for_config(config, {"takopi-transport-slack": False}, path=[str(site)])
    assert result.new_list == ("takopi-tui",)
    assert result.warnings and "transport 'slack'" in result.warnings[0]
