"""Upstream's entry-point listing helpers (``list_ids`` by group name), over our discovery."""

from __future__ import annotations

from collections.abc import Iterable

from takopi_core.ids import GROUPS, KIND_BY_GROUP
from takopi_core.plugins.discovery import discover

ENGINE_GROUP = GROUPS["engine"]
TRANSPORT_GROUP = GROUPS["transport"]
COMMAND_GROUP = GROUPS["command"]


def list_ids(
    group: str,
    *,
    allowlist: Iterable[str] | None = None,
    reserved_ids: Iterable[str] | None = None,
) -> list[str]:
    """Sorted ids of the visible entry points of ``group`` (an entry-point group name).

    Discovery already drops invalid, reserved and conflicting ids and applies ``allowlist``
    (distribution names); ``reserved_ids`` removes more, compared case-insensitively.
    """
    kind = KIND_BY_GROUP.get(group)
    if kind is None:
        raise ValueError(
            f"unknown entry-point group {group!r}; expected one of {sorted(KIND_BY_GROUP)}"
        )
    found = discover(list(allowlist) if allowlist is not None else None, kinds=(kind,))
    reserved = {name.lower() for name in reserved_ids or ()}
    return sorted(
        entry.id for entry in found.entries if entry.enabled and entry.id.lower() not in reserved
    )
