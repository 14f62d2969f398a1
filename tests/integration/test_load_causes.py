"""Why a published plugin cannot load here, said plainly by `takopi plugins --load`.

Real installed distributions, loaded by the real probe child: a plugin written in newer
Python syntax says which Python it needs; a plugin importing an upstream Takopi module this
host does not provide names that module as upstream-internal (not "takopi is not installed":
`takopi` is installed here, as this project's face).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from support.distfactory import ENGINE_GROUP, Dist, write_dists
from support.paths import run_takopi

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="the newer-syntax cases need a Python without it"
)

BACKEND_TAIL = """

from takopi.api import EngineBackend

BACKEND = EngineBackend(id="{id}", build_runner=lambda config, path: None)
"""


def engine_dist(plugin_id: str, body: str, **extra: object) -> Dist:
    return Dist(
        name=f"takopi-engine-{plugin_id}",
        entry_points={ENGINE_GROUP: {plugin_id: f"{plugin_id}_pkg.backend:BACKEND"}},
        files={f"{plugin_id}_pkg/backend.py": body + BACKEND_TAIL.format(id=plugin_id)},
        **extra,  # type: ignore[arg-type]
    )


ALIAS = engine_dist("alias", "type Payload = dict[str, object]\n")
GENERIC = engine_dist("generic", "def first[T](items: list[T]) -> T:\n    return items[0]\n")
DECLARED = engine_dist(
    "declared", "class Box[T]:\n    pass\n", requires_python=">=3.12", requires=["takopi>=0.20"]
)
INTERNAL = engine_dist(
    "internal",
    "from takopi.nonexistent_internal import helper\n",
    requires=["takopi>=0.20"],
)
INTERNAL_NAME = engine_dist("internal_name", "from takopi.model import NoSuchThing\n")
API_NAME = engine_dist("api_name", "from takopi.api import NotInTheApi\n")


@pytest.fixture
def rows(site: Path) -> dict[str, dict[str, object]]:
    write_dists(site, ALIAS, GENERIC, DECLARED, INTERNAL, INTERNAL_NAME, API_NAME)
    done = run_takopi("plugins", "--load", "--json", site=site)
    return {str(row["id"]): row for row in json.loads(done.stdout)}


def test_newer_syntax_says_which_python_the_plugin_needs(rows: dict) -> None:
    running = ".".join(map(str, sys.version_info[:3]))
    for plugin_id in ("alias", "generic"):
        error = str(rows[plugin_id]["error"])
        assert "needs a newer Python" in error, error
        assert "Python 3.12" in error and f"this is Python {running}" in error, error
        assert "takopi-engine-" + plugin_id in error, error


def test_newer_syntax_with_requires_python_names_the_declared_range(rows: dict) -> None:
    error = str(rows["declared"]["error"])
    assert "requires Python >=3.12" in error, error
    assert "needs a newer Python" in error, error


def test_an_upstream_internal_module_is_named_not_takopi_missing(rows: dict) -> None:
    error = str(rows["internal"]["error"])
    assert "takopi.nonexistent_internal" in error, error
    assert "upstream-internal" in error and "not provided by this host" in error, error
    assert "not installed" not in error, error


def test_an_upstream_internal_name_is_named(rows: dict) -> None:
    error = str(rows["internal_name"]["error"])
    assert "NoSuchThing" in error and "takopi.model" in error, error
    assert "upstream-internal" in error and "not provided by this host" in error, error


def test_a_name_missing_from_the_stable_api_asks_for_a_newer_host(rows: dict) -> None:
    error = str(rows["api_name"]["error"])
    assert "takopi.api.NotInTheApi" in error and "needs a newer takopi-tui" in error, error
    assert "upstream-internal" not in error, error
