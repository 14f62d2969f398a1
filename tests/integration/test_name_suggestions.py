"""A mistyped distribution name or plugin id gets "did you mean …?" and a short list.

QA (issue 14 follow-up): ``takopi plugins enable takopi-transprt-slack`` and ``takopi plugins
remove -y takopi-engine-qadem`` said "no installed plugin id or distribution named …" and
then listed all 40 installed distributions. Now the close matches (difflib, on normalised
names and ids) come first, and without one the list stops after a few names. Real
distributions on a temp PYTHONPATH, the real CLI in a child process.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.distfactory import write_dists
from support.paths import run_takopi
from support.plugin_zoo import ZOO
from support.templates import engine_source, plugin_dist, transport_source

from takopi_core.plugins.suggest import MAX_LISTED, close_names, unknown_name_hint

SLACK = plugin_dist(
    "takopi-transport-slack",
    "transport",
    "slack",
    transport_source("slack"),
    module="qc_slack_transport",
)
QADEMO = plugin_dist(
    "takopi-engine-qademo", "engine", "qademo", engine_source("qademo"), module="qc_qademo"
)


@pytest.fixture
def many(site: Path) -> Path:
    write_dists(site, *ZOO, SLACK, QADEMO)
    return site


def _listed(stderr: str) -> list[str]:
    """The names after "installed distributions: " up to the first "and"/";"/".","""
    _, found, rest = stderr.partition("installed distributions: ")
    assert found, stderr
    rest = rest.split(", and ")[0].split(";")[0].strip().rstrip(".")
    return [name.strip() for name in rest.split(",")]


def test_enable_suggests_the_distribution_a_typo_meant(many: Path) -> None:
    done = run_takopi("plugins", "enable", "takopi-transprt-slack", site=many)
    assert done.returncode == 2, done.stderr
    assert "no installed plugin id or distribution named 'takopi-transprt-slack'" in done.stderr
    assert "did you mean takopi-transport-slack?" in done.stderr, done.stderr
    assert "zoo-good" not in done.stderr, done.stderr  # not the whole list


def test_enable_suggests_a_plugin_id_too(many: Path) -> None:
    done = run_takopi("plugins", "disable", "qadmo", site=many)
    assert done.returncode == 2, done.stderr
    assert "did you mean qademo?" in done.stderr, done.stderr


def test_without_a_close_match_the_list_is_short_and_says_where_the_rest_is(
    many: Path,
) -> None:
    done = run_takopi("plugins", "enable", "qqqqqqqq", site=many)
    assert done.returncode == 2, done.stderr
    assert "did you mean" not in done.stderr
    listed = _listed(done.stderr)
    assert len(listed) == MAX_LISTED, done.stderr
    total = len(ZOO) + 3  # and takopi-tui itself
    assert f"and {total - MAX_LISTED} more: takopi plugins" in done.stderr, done.stderr


def test_remove_suggests_the_installed_distribution_a_typo_meant(many: Path) -> None:
    done = run_takopi("plugins", "remove", "-y", "takopi-engine-qadem", site=many)
    assert done.returncode == 2, done.stderr
    assert "takopi-engine-qadem is not a plugin distribution installed" in done.stderr
    assert "did you mean takopi-engine-qademo?" in done.stderr, done.stderr
    assert "zoo-good" not in done.stderr, done.stderr


def test_matching_ignores_case_and_separators() -> None:
    names = ["takopi-transport-slack", "takopi-transport-discord", "zoo-good"]
    assert close_names("Takopi_Transprt.SLACK", names) == ["takopi-transport-slack"]
    assert close_names("zzzz", names) == []
    # A shared "takopi-engine-" makes no match: qadem is not like acme or e1.
    assert close_names("takopi-engine-qadem", ["takopi-engine-acme", "takopi-engine-e1"]) == []
    assert close_names("zoo-twin", ["zoo-twin-a", "zoo-twin-b", "zoo-good"]) == [
        "zoo-twin-a",
        "zoo-twin-b",
    ]
    hint = unknown_name_hint("zzzz", [f"dist-{n:02}" for n in range(25)])
    assert hint == (
        "installed distributions: "
        + ", ".join(f"dist-{n:02}" for n in range(MAX_LISTED))
        + f", and {25 - MAX_LISTED} more: takopi plugins"
    )
    assert unknown_name_hint("zzzz", ["a", "b"]) == "installed distributions: a, b"
    assert unknown_name_hint("zzzz", []) == "installed distributions: none"


def test_plugins_info_suggests_the_distribution_a_typo_meant(many: Path) -> None:
    done = run_takopi("plugins", "info", "takopi-transprt-slack", site=many)
    assert done.returncode == 2, done.stderr
    assert "did you mean takopi-transport-slack?" in done.stderr, done.stderr
