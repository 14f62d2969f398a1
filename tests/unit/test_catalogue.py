"""The catalogue of published plugins: its data against the project's own list, and search."""

from __future__ import annotations

import ast
import re

import pytest
from support.paths import REPO_ROOT

from takopi_core.ids import KINDS, is_valid_id
from takopi_core.plugins.catalogue import find_entry, load_catalogue, search


def _ecosystem_lists() -> tuple[tuple[str, ...], set[str]]:
    """scripts/ecosystem.py's PUBLISHED, and the names docs/ecosystem.md says are missing."""
    source = (REPO_ROOT / "scripts" / "ecosystem.py").read_text(encoding="utf-8")
    published: tuple[str, ...] = ()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PUBLISHED" for t in node.targets
        ):
            published = tuple(ast.literal_eval(node.value))
    assert published, "scripts/ecosystem.py has no PUBLISHED tuple"
    table = (REPO_ROOT / "docs" / "ecosystem.md").read_text(encoding="utf-8")
    missing = set(re.findall(r"^\| (takopi-[a-z-]+) \|.*not published", table, re.MULTILINE))
    return published, missing


def test_the_catalogue_is_the_published_list() -> None:
    published, missing = _ecosystem_lists()
    entries = load_catalogue()
    assert sorted(e.name for e in entries) == sorted(published)
    assert {e.name for e in entries if not e.published} == missing
    assert len(missing) == 5


def test_every_published_entry_is_complete() -> None:
    for entry in load_catalogue():
        assert entry.summary and len(entry.summary) <= 100, entry.name
        assert set(entry.kinds) <= set(KINDS), entry.name
        if not entry.published:
            continue
        assert entry.kinds and entry.ids, entry.name
        assert all(is_valid_id(plugin_id) for plugin_id in entry.ids), entry.name
        assert entry.requires_python and entry.version_read, entry.name
        assert entry.homepage is None or entry.homepage.startswith("https://"), entry.name


def test_published_entries_come_first() -> None:
    flags = [entry.published for entry in load_catalogue()]
    assert flags == sorted(flags, reverse=True)


def test_search_ranks_name_then_id_or_kind_then_summary() -> None:
    assert [e.name for e in search("slack")] == ["takopi-slack-plugin", "takopi-slack"]
    engines = [e.name for e in search("engine")]
    assert engines[:3] == ["takopi-engine-kimi", "takopi-engine-qoder", "takopi-engine-cursor"]
    assert "takopi-ralph" in engines  # an engine by kind, not by name
    assert engines.index("takopi-ralph") < engines.index("takopi-acp-engine")  # published first
    assert [e.name for e in search("CRON")] == ["takopi-cron"]
    assert [e.name for e in search("transport discord")] == ["takopi-discord"]
    assert search("no-such-thing") == []
    assert len(search("")) == len(load_catalogue())


def test_search_finds_by_summary_words() -> None:
    assert [e.name for e in search("tailscale")] == ["takopi-preview"]


def test_find_entry_takes_any_spelling() -> None:
    entry = find_entry("Takopi_Ralph")
    assert entry is not None and entry.name == "takopi-ralph"
    assert entry.plugins == {"command": ("ralph",), "engine": ("ralph",)}
    assert find_entry("takopi-nope") is None


@pytest.mark.parametrize(("version", "fits"), [("3.11.7", False), ("3.14.0", True)])
def test_supports_python(version: str, fits: bool) -> None:
    entry = find_entry("takopi-discord")
    assert entry is not None and entry.supports_python(version) is fits
    unpublished = find_entry("takopi-smithers")
    assert unpublished is not None and unpublished.supports_python(version) is None
