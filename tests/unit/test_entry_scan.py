"""The direct dist-info scan must list exactly what importlib.metadata lists."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest
from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, GUIDE_EXAMPLES, Dist, write_dists

from takopi_core.plugins import discovery as plugins
from takopi_core.plugins.entry_scan import scan_entry_points


def importlib_view(path: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    if path is None:
        # entry_points() hands entry points back grouped (stable within a group).
        everything = metadata.entry_points()
        eps = [ep for group in everything.groups for ep in everything.select(group=group)]
    else:
        eps = [ep for dist in metadata.distributions(path=path) for ep in dist.entry_points]
    return [(ep.group, ep.name, ep.value, str(ep.dist._path)) for ep in eps]


def by_group(entries: list[tuple[str, str, str, str]] | None) -> list[tuple[str, str, str, str]]:
    assert entries is not None
    return sorted(entries, key=lambda entry: entry[0])  # stable: keeps the order in a group


def facts(found: plugins.Discovery) -> tuple[object, ...]:
    return (found.entries, found.errors, found.allowlist)


def two_sites(tmp_path: Path) -> list[str]:
    first = write_dists(
        tmp_path / "first",
        *GUIDE_EXAMPLES,
        Dist(
            name="Multi.Plugin_pkg",
            entry_points={
                ENGINE_GROUP: {"multi_a": "multi:A", "multi_b": "multi:B"},
                COMMAND_GROUP: {"multi_c": "multi:C"},
                "console_scripts": {"multi": "multi:main"},
            },
        ),
        Dist(name=None, entry_points={ENGINE_GROUP: {"nameless": "nameless:X"}}),
        Dist(name="shadowed", version="2.0", entry_points={ENGINE_GROUP: {"sh": "new:X"}}),
    )
    # Comments, blank lines and spacing that importlib.metadata's parser tolerates.
    odd = first / "odd-1.0.dist-info"
    odd.mkdir()
    (odd / "METADATA").write_text("Name: odd\nVersion: 1.0\n\nbody\n", encoding="utf-8")
    (odd / "entry_points.txt").write_text(
        "# comment\n\n  [takopi.engine_backends]  \n plain=odd:Y \nodd=odd:X = y\n",
        encoding="utf-8",
    )
    legacy = first / "legacy_pkg.egg-info"
    legacy.mkdir()
    (legacy / "PKG-INFO").write_text("Name: legacy-pkg\nVersion: 0.3\n", encoding="utf-8")
    (legacy / "entry_points.txt").write_text(
        "[takopi.command_backends]\nlegacy = legacy:X\n", encoding="utf-8"
    )
    second = write_dists(
        tmp_path / "second",
        Dist(name="shadowed", version="1.0", entry_points={ENGINE_GROUP: {"sh": "old:X"}}),
        Dist(name="only-second", entry_points={COMMAND_GROUP: {"second": "second:X"}}),
    )
    return [str(first), str(tmp_path / "missing"), str(second)]


def test_real_environment_matches_importlib() -> None:
    scanned = scan_entry_points()
    assert by_group(scanned) == by_group(importlib_view())
    assert any(group == "console_scripts" for group, *_ in scanned)


def test_explicit_path_lists_every_copy(tmp_path: Path) -> None:
    path = two_sites(tmp_path)
    scanned = scan_entry_points(path)
    assert scanned == importlib_view(path)
    shadowed = [value for _, name, value, _ in scanned if name == "sh"]
    assert shadowed == ["new:X", "old:X"]


def test_sys_path_keeps_the_first_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = two_sites(tmp_path)
    monkeypatch.setattr(sys, "path", [*path, *sys.path])
    scanned = scan_entry_points()
    assert scanned is not None  # the plain layout: the scan answers
    assert by_group(scanned) == by_group(importlib_view())
    shadowed = [value for _, name, value, _ in scanned if name == "sh"]
    assert shadowed == ["new:X"]
    assert ("takopi.engine_backends", "odd", "odd:X = y", f"{path[0]}/odd-1.0.dist-info") in (
        scanned
    )


def test_discovery_is_the_same_through_importlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = two_sites(tmp_path)
    monkeypatch.setattr(sys, "path", [*path, *sys.path])
    for allowlist in (None, ["shadowed", "multi-plugin-pkg", "odd"]):
        fast = plugins.discover(allowlist)
        fast_path = plugins.discover(allowlist, path=path)
        # The same discovery with the direct scan turned off: importlib.metadata throughout.
        monkeypatch.setattr(plugins, "scan_entry_points", lambda path=None: None)
        assert facts(plugins.discover(allowlist)) == facts(fast)
        assert facts(plugins.discover(allowlist, path=path)) == facts(fast_path)
        monkeypatch.undo()
        monkeypatch.setattr(sys, "path", [*path, *sys.path])
    by_id = {e.id: e for e in fast.entries}
    assert by_id["sh"].version == "2.0"
    assert by_id["multi_a"].distribution == "Multi.Plugin_pkg"
    assert (by_id["legacy"].distribution, by_id["legacy"].version) == ("legacy-pkg", "0.3")
    assert by_id["multi_a"].location == f"{path[0]}/Multi.Plugin_pkg-1.0.0.dist-info"


@pytest.mark.parametrize(
    "unusual",
    ["egg folder", "upper-case suffix", "malformed line", "zip file"],
)
def test_unusual_layouts_are_left_to_importlib(tmp_path: Path, unusual: str) -> None:
    site = write_dists(tmp_path / "site", *GUIDE_EXAMPLES)
    path = [str(site)]
    if unusual == "egg folder":
        path.append(str(tmp_path / "legacy-1.0-py3.11.egg"))
        (tmp_path / "legacy-1.0-py3.11.egg").mkdir()
    elif unusual == "upper-case suffix":
        (site / "Shout-1.0.DIST-INFO").mkdir()
    elif unusual == "malformed line":
        broken = site / "broken-1.0.dist-info"
        broken.mkdir()
        (broken / "entry_points.txt").write_text("[g]\nno equals sign\n", encoding="utf-8")
    else:
        archive = tmp_path / "plugins.zip"
        archive.write_bytes(b"")
        path.append(str(archive))
    assert scan_entry_points(path) is None
