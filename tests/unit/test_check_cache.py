"""The check cache: which results still hold after files change (real dist-info folders)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from support.demo_plugins import engine_code
from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, Dist, write_dist, write_dists

from takopi_core.plugins.check_cache import (
    MAX_FILES_PER_PACKAGE,
    CheckCache,
    module_files,
    stamp_entries,
)
from takopi_core.plugins.discovery import discover
from takopi_core.plugins.probe import LoadResult

ALPHA = Dist(
    name="takopi-engine-alpha",
    version="1.0.0",
    entry_points={ENGINE_GROUP: {"alpha": "alpha_engine.backend:BACKEND"}},
    files={"alpha_engine/__init__.py": "", "alpha_engine/backend.py": engine_code("alpha")},
)
BETA = Dist(
    name="takopi-engine-beta",
    entry_points={
        ENGINE_GROUP: {"beta": "beta_engine:BACKEND"},
        COMMAND_GROUP: {"betacmd": "beta_engine:COMMAND"},
    },
    files={"beta_engine.py": engine_code("beta")},
)


def _later(path: Path, seconds: float = 2) -> None:
    stamp = time.time() + seconds
    os.utime(path, (stamp, stamp))


def _result(entry, status: str = "ok") -> LoadResult:
    return LoadResult(
        kind=entry.kind,
        id=entry.id,
        value=entry.value,
        distribution=entry.distribution,
        version=entry.version,
        status=status,
    )


def _stamps(site: Path):
    found = discover(path=[str(site)])
    entries = [e for e in found.entries if not e.builtin]
    return {e.id: e for e in entries}, stamp_entries(entries, [str(site)])


def test_nothing_changed_means_the_same_stamps(site: Path) -> None:
    write_dists(site, ALPHA, BETA)
    _, first = _stamps(site)
    _, again = _stamps(site)
    assert first == again
    alpha = next(s for k, s in first.items() if k[1] == "alpha")
    paths = {Path(path).name for path, _mtime, _size in alpha.files}
    # The metadata and every module of the package the entry point names.
    assert {"METADATA", "RECORD", "entry_points.txt", "__init__.py", "backend.py"} <= paths
    assert alpha.distribution == "takopi-engine-alpha" and alpha.version == "1.0.0"


def test_a_saved_module_changes_its_distribution_only(site: Path) -> None:
    write_dists(site, ALPHA, BETA)
    entries, before = _stamps(site)
    cache = CheckCache()
    for entry in entries.values():
        cache.remember(entry.key, before[entry.key], _result(entry))
    _later(site / "alpha_engine" / "backend.py")
    _, after = _stamps(site)
    stale = cache.stale(entries.values(), after)
    assert [e.id for e in stale] == ["alpha"]
    # Both plugins of beta share its files: both hold.
    assert cache.current(entries["beta"].key, after[entries["beta"].key]) is not None
    assert cache.current(entries["betacmd"].key, after[entries["betacmd"].key]) is not None


def test_a_new_version_or_a_rewritten_metadata_file_is_a_change(site: Path) -> None:
    write_dists(site, ALPHA)
    entries, before = _stamps(site)
    info = site / "takopi_engine_alpha-1.0.0.dist-info"
    record = info / "RECORD"
    record.write_text(record.read_text() + "alpha_engine/extra.py,,\n")
    _, after = _stamps(site)
    key = entries["alpha"].key
    assert before[key] != after[key]
    # Upgraded in place: the new version is another stamp again.
    import shutil

    shutil.rmtree(info)
    write_dist(site, Dist(**{**ALPHA.__dict__, "version": "1.1.0"}))
    entries, upgraded = _stamps(site)
    assert upgraded[key].version == "1.1.0" and upgraded[key] != after[key]


def test_a_failure_is_checked_again_once_something_is_installed(site: Path) -> None:
    write_dists(site, ALPHA, BETA)
    entries, before = _stamps(site)
    cache = CheckCache()
    cache.remember(entries["alpha"].key, before[entries["alpha"].key], _result(entries["alpha"]))
    beta = entries["beta"]
    cache.remember(beta.key, before[beta.key], _result(beta, "failed"))
    # `pip install` of the dependency beta was missing: a new dist-info folder.
    write_dist(site, Dist(name="beta-sdk", files={"beta_sdk.py": ""}))
    _, after = _stamps(site)
    assert [e.id for e in cache.stale([entries["alpha"], beta], after)] == ["beta"]


def test_inputs_are_part_of_the_stamp(site: Path) -> None:
    write_dists(site, BETA)
    found = discover(path=[str(site)])
    entry = next(e for e in found.entries if e.id == "beta")
    cache = CheckCache()
    token = {"beta": "one"}
    stamps = stamp_entries([entry], [str(site)], lambda e: token[e.id])
    cache.remember(entry.key, stamps[entry.key], _result(entry))
    assert cache.stale([entry], stamp_entries([entry], [str(site)], lambda e: token[e.id])) == []
    token["beta"] = "two"
    changed = stamp_entries([entry], [str(site)], lambda e: token[e.id])
    assert cache.stale([entry], changed) == [entry]


def test_a_huge_package_is_walked_only_so_far(site: Path) -> None:
    files = {"huge_pkg/__init__.py": ""}
    files.update({f"huge_pkg/m{i}.py": "" for i in range(MAX_FILES_PER_PACKAGE + 50)})
    write_dist(site, Dist(name="huge", files=files))
    assert len(module_files("huge_pkg", [str(site)])) == MAX_FILES_PER_PACKAGE
