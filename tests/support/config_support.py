"""Shared pieces of the config tests: a small set of installed plugin distributions."""

from __future__ import annotations

from pathlib import Path

from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, TRANSPORT_GROUP, Dist, write_dists
from support.paths import GOLDEN as GOLDEN_ROOT

GOLDEN = GOLDEN_ROOT / "config"

SLACK = Dist(
    name="takopi-transport-slack",
    version="0.4.0",
    entry_points={TRANSPORT_GROUP: {"slack": "tslack.backend:BACKEND"}},
)
ACME = Dist(
    name="takopi-engine-acme",
    version="1.2.0",
    entry_points={
        ENGINE_GROUP: {"acme": "acme.backend:BACKEND"},
        COMMAND_GROUP: {"acme_stats": "acme.stats:BACKEND"},
    },
)
MULTI = Dist(
    name="takopi-command-multi",
    version="0.1.0",
    entry_points={COMMAND_GROUP: {"multi": "multi.backend:BACKEND"}},
)
#: Spelled with underscores and capitals in its own metadata, on purpose.
ODD = Dist(
    name="Takopi_Odd.Name",
    version="2.0",
    entry_points={ENGINE_GROUP: {"odd": "odd.backend:BACKEND"}},
)

PLUGIN_DISTS = (SLACK, ACME, MULTI)


def write_plugin_site(site: Path, *dists: Dist) -> Path:
    """Lay out the plugin distributions (metadata only) in ``site``."""
    return write_dists(site, *(dists or PLUGIN_DISTS))
