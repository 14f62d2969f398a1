"""The probe validates real plugins in a child process and survives every way they break."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest
from support.distfactory import GUIDE_EXAMPLES, write_dists
from support.plugin_zoo import BROKEN, ZOO, good_engine_code

from takopi_core.plugins.discovery import discover
from takopi_core.plugins.load_errors import python_matches
from takopi_core.plugins.probe import LoadResult, Probe, probe_all
from takopi_core.plugins.setup_engine import setup_engine_for


def _env(site: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(site)
    return env


@pytest.fixture(scope="module")
def zoo_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LoadResult]:
    site = write_dists(tmp_path_factory.mktemp("zoo"), *ZOO)
    found = discover(path=[str(site)])
    setup_engine = setup_engine_for(found.entries, "good")
    results = probe_all(found.visible(), timeout=1, env=_env(site), setup_engine=setup_engine)
    assert [r.key for r in results] == [e.key for e in found.visible()]
    return {r.id: r for r in results}


def test_good_plugins_validate(zoo_results: dict[str, LoadResult]) -> None:
    for plugin_id in ("good", "zoochat", "hello"):
        result = zoo_results[plugin_id]
        assert result.status == "ok", result
        assert result.load_ms is not None and result.load_ms >= 0
    assert zoo_results["hello"].description == "say hello"
    assert (zoo_results["good"].cli_cmd, zoo_results["good"].install_cmd) == ("good-cli", None)


def test_noisy_plugin_still_validates(zoo_results: dict[str, LoadResult]) -> None:
    """Printing to stdout (even protocol-looking JSON) and flooding stderr break nothing."""
    assert zoo_results["noisy"].status == "ok"


@pytest.mark.parametrize("plugin_id", sorted(BROKEN))
def test_each_failure_is_reported_with_kind_id_and_distribution(
    zoo_results: dict[str, LoadResult], plugin_id: str
) -> None:
    dist, kind, fragment = BROKEN[plugin_id]
    result = zoo_results[plugin_id]
    assert result.status == "failed"
    assert (result.kind, result.id, result.distribution) == (kind, plugin_id, dist)
    assert fragment in (result.message or ""), result.message


def test_import_failure_has_traceback(zoo_results: dict[str, LoadResult]) -> None:
    result = zoo_results["raises"]
    assert result.error_type == "RuntimeError"
    assert "Traceback" in (result.traceback or "")
    assert "zoo_raises" in (result.traceback or "")


def test_missing_module_is_named(zoo_results: dict[str, LoadResult]) -> None:
    message = zoo_results["missingdep"].message or ""
    assert "missing module 'zoo_not_installed_lib'" in message
    assert "pytest" not in message  # extras are not required


def test_transport_setup_is_checked_in_the_child(zoo_results: dict[str, LoadResult]) -> None:
    result = zoo_results["zoochat"]
    assert result.setup_ok is False
    assert result.setup_issues == (("add a token", ("set transports.zoochat.token",)),)


def test_guide_examples_validate(site: Path) -> None:
    write_dists(site, *GUIDE_EXAMPLES)
    found = discover(path=[str(site)])
    results = probe_all(found.entries, env=_env(site))
    assert [(r.id, r.status, r.message) for r in results] == [
        ("myengine", "ok", None),
        ("mytransport", "ok", None),
        ("multi", "ok", None),
    ]
    assert results[1].description == "MyTransport bot"


def test_on_start_reports_each_plugin_before_its_result(site: Path) -> None:
    write_dists(site, *ZOO[:4])
    found = discover(path=[str(site)])
    events: list[tuple[str, str]] = []
    for result in Probe(found.entries, env=_env(site)).results(
        on_start=lambda entry: events.append(("start", entry.id))
    ):
        events.append(("done", result.id))
    expected = [item for e in found.entries for item in (("start", e.id), ("done", e.id))]
    assert events == expected


def test_cancel_stops_a_hanging_probe(site: Path) -> None:
    hang = next(d for d in ZOO if d.name == "zoo-hang")
    write_dists(site, hang)
    found = discover(path=[str(site)])
    probe = Probe(found.entries, timeout=300, env=_env(site))
    started = threading.Event()
    collected: list[LoadResult] = []

    def drive() -> None:
        collected.extend(probe.results(on_start=lambda entry: started.set()))

    worker = threading.Thread(target=drive)
    worker.start()
    assert started.wait(30)
    probe.cancel()
    worker.join(30)
    assert not worker.is_alive()
    assert collected == []


def test_edited_plugin_is_reread_by_a_new_probe(site: Path) -> None:
    """A fresh child per run: a plugin author's edit shows up on the next check."""
    broken = next(d for d in ZOO if d.name == "zoo-raises")
    write_dists(site, broken)
    found = discover(path=[str(site)])
    assert probe_all(found.entries, env=_env(site))[0].status == "failed"
    module = site / "zoo_raises" / "__init__.py"
    module.write_text(good_engine_code("raises"))
    # Make sure a stale bytecode cache cannot be used.
    future = time.time() + 5
    os.utime(module, (future, future))
    assert probe_all(found.entries, env=_env(site))[0].status == "ok"


@pytest.mark.parametrize(
    ("spec", "version", "expected"),
    [
        (">=3.14", (3, 11, 7), False),
        (">=3.9", (3, 11, 7), True),
        (">=3.8,<3.11", (3, 11, 0), False),
        ("!=3.11.*", (3, 11, 7), False),
        ("==3.11.*", (3, 11, 7), True),
        ("~=3.10", (3, 11, 7), True),
        ("~=3.12.1", (3, 11, 7), False),
        ("", (3, 11, 7), True),
    ],
)
def test_requires_python_matching(spec: str, version: tuple[int, ...], expected: bool) -> None:
    assert python_matches(spec, version) is expected


def test_probe_uses_this_interpreter_by_default() -> None:
    assert Probe([]).python == sys.executable


def test_a_crashing_preferred_engine_does_not_take_the_run_down(site: Path) -> None:
    """Transports' check_setup falls back to an engine that loaded; every result is honest."""
    write_dists(site, *ZOO)
    found = discover(path=[str(site)])
    crash = found.find("engine", "crash")
    results = {
        r.id: r for r in probe_all(found.visible(), timeout=5, env=_env(site), setup_engine=crash)
    }
    assert "crashed the interpreter (signal 11) while importing" in (results["crash"].message or "")
    assert results["good"].status == "ok"
    assert results["zoochat"].status == "ok"
    assert results["zoochat"].setup_ok is False  # checked, with another engine


def test_preferred_engine_crashing_during_a_single_transport_check(site: Path) -> None:
    write_dists(site, *ZOO)
    found = discover(path=[str(site)])
    transport = found.find("transport", "zoochat")
    assert transport is not None
    [result] = probe_all(
        [transport], timeout=5, env=_env(site), setup_engine=found.find("engine", "crash")
    )
    assert result.status == "failed"
    assert result.message == (
        "crashed the interpreter (signal 11) while loading engine 'crash' for check_setup"
    )
