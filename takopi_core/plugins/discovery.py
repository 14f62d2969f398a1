"""Entry-point discovery and the enabled list. Reads metadata only: never imports plugins.

Discovery answers "which plugins are installed, which are visible, and which ids are broken"
from ``*.dist-info`` metadata. Loading and validating plugin code happens in the probe
(:mod:`takopi_core.plugins.probe`), in a child process.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from takopi_core.ids import (
    GROUPS,
    KINDS,
    OWN_DISTRIBUTION,
    UPSTREAM_ALIAS,
    invalid_id_message,
    is_reserved,
    is_valid_id,
    normalize_dist_name,
    reserved_id_message,
)
from takopi_core.plugins.entry_scan import read_metadata_text, scan_entry_points

if TYPE_CHECKING:
    from importlib import metadata

_OWN = normalize_dist_name(OWN_DISTRIBUTION)


# Plain named tuples rather than dataclasses: importing ``dataclasses`` (and with it
# ``inspect``) would add about a seventh to the start-up of `takopi plugins`.
_PluginEntryBase = namedtuple(
    "_PluginEntryBase",
    "kind id value distribution version enabled builtin location",
    defaults=(None,),
)


class PluginEntry(_PluginEntryBase):
    """One entry point of one of the three groups, as its metadata describes it.

    Fields: ``kind``, ``id``, ``value`` (``module:attr``), ``distribution`` and ``version``
    (None when unknown), ``enabled`` (visible under the enabled list), ``builtin`` (provided by
    this distribution), ``location`` (the ``.dist-info`` folder, when known).
    """

    __slots__ = ()

    @property
    def key(self) -> tuple[str, str, str | None]:
        """Identifies the entry across reloads (kind, id, distribution)."""
        return (self.kind, self.id, self.distribution)

    @property
    def dist_label(self) -> str:
        return self.distribution or "unknown"


_DiscoveryErrorBase = namedtuple(
    "_DiscoveryErrorBase",
    "kind id value distribution message reason version location",
    defaults=(None, None),
)


class DiscoveryError(_DiscoveryErrorBase):
    """An entry point skipped at discovery.

    ``reason`` is one of ``invalid-id``, ``reserved-id``, ``duplicate-id``,
    ``no-distribution``; ``message`` is what users read; ``version`` and ``location`` (the
    ``.dist-info`` folder) are the distribution's, as for :class:`PluginEntry`.
    """

    __slots__ = ()

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.kind, self.id, self.distribution)

    @property
    def dist_label(self) -> str:
        return self.distribution or "unknown"


class Discovery:
    """Everything discovery found: listable entries (enabled or not) and errors."""

    __slots__ = ("allowlist", "entries", "errors")

    def __init__(
        self,
        entries: list[PluginEntry] | None = None,
        errors: list[DiscoveryError] | None = None,
        allowlist: frozenset[str] | None = None,
    ) -> None:
        self.entries: list[PluginEntry] = entries if entries is not None else []
        self.errors: list[DiscoveryError] = errors if errors is not None else []
        self.allowlist = allowlist

    def __repr__(self) -> str:
        return f"Discovery(entries={self.entries!r}, errors={self.errors!r})"

    def of_kind(self, kind: str) -> list[PluginEntry]:
        return [entry for entry in self.entries if entry.kind == kind]

    def visible(self) -> list[PluginEntry]:
        return [entry for entry in self.entries if entry.enabled]

    def find(self, kind: str, plugin_id: str) -> PluginEntry | None:
        for entry in self.entries:
            if entry.kind == kind and entry.id == plugin_id:
                return entry
        return None

    def distributions(self) -> list[str]:
        """Distribution names that provide at least one listed or broken entry, sorted."""
        names = {e.distribution for e in self.entries if e.distribution}
        names |= {e.distribution for e in self.errors if e.distribution}
        return sorted(names, key=normalize_dist_name)


def normalize_allowlist(names: Iterable[str] | None) -> frozenset[str] | None:
    """Canonical allowlist, or ``None`` for "everything" (absent or empty list).

    ``takopi`` (upstream's distribution name) also admits this distribution, so configs
    written for upstream Takopi keep the built-ins visible.
    """
    if names is None:
        return None
    normalized = {normalize_dist_name(name) for name in names if name and name.strip()}
    if not normalized:
        return None
    if UPSTREAM_ALIAS in normalized:
        normalized.add(_OWN)
    return frozenset(normalized)


def is_builtin_distribution(name: str | None) -> bool:
    return name is not None and normalize_dist_name(name) == _OWN


def is_distribution_enabled(name: str | None, allowlist: frozenset[str] | None) -> bool:
    """The allowlist rule: everything without a list; otherwise a listed distribution name."""
    if allowlist is None:
        return True
    if name is None:
        return False
    return normalize_dist_name(name) in allowlist


def _dist_facts(
    dist: metadata.Distribution | str | None,
) -> tuple[str | None, str | None, str | None]:
    """(name, version, location) of a distribution (object or dist-info folder); None if unknown."""
    if dist is None:
        return None, None, None
    if isinstance(dist, str):
        return (*_name_and_version(lambda filename: read_metadata_text(dist, filename)), dist)
    location = getattr(dist, "_path", None)
    name, version = _name_and_version(dist.read_text)
    return name, version, (str(location) if location else None)


def _name_and_version(read_text: Callable[[str], str | None]) -> tuple[str | None, str | None]:
    """Name and Version from the metadata headers.

    Scans the header block directly: ``dist.name`` would build an ``email`` message for
    every distribution, which costs more than the rest of the listing.
    """
    try:
        text = read_text("METADATA") or read_text("PKG-INFO") or ""
    except OSError:
        text = ""
    name = version = None
    for line in text.splitlines():
        if not line:
            break  # end of the headers; the description follows
        key, sep, value = line.partition(":")
        if not sep:
            continue
        if key == "Name" and name is None:
            name = value.strip() or None
        elif key == "Version" and version is None:
            version = value.strip() or None
    return name, version


def _raw_entry_points(
    path: list[str] | None,
) -> Sequence[tuple[str, str, str, metadata.Distribution | str | None]]:
    """(group, name, value, distribution) of every entry point, in importlib.metadata order.

    The direct scan (:mod:`takopi_core.plugins.entry_scan`) answers for the usual layout; anything
    unusual goes through ``importlib.metadata`` itself.
    """
    scanned = scan_entry_points(path)
    if scanned is not None:
        return scanned
    from importlib import metadata

    all_eps: metadata.EntryPoints | metadata.SelectableGroups
    if path is None:
        all_eps = metadata.entry_points()
    else:
        all_eps = metadata.EntryPoints(
            ep for dist in metadata.distributions(path=path) for ep in dist.entry_points
        )
    return [
        (ep.group, ep.name, ep.value, getattr(ep, "dist", None))
        for group in GROUPS.values()
        for ep in all_eps.select(group=group)
    ]


def discover(
    allowlist_names: Sequence[str] | None = None,
    *,
    kinds: Sequence[str] = KINDS,
    path: list[str] | None = None,
) -> Discovery:
    """List every plugin entry point of ``kinds`` and apply the enabled list.

    - invalid and reserved ids are skipped and recorded as errors;
    - an entry whose distribution has no name is hidden, with an error, while a list is set;
    - an id that two enabled distributions offer is unavailable from both (neither wins) and
      each provider gets an error naming all of them;
    - entries of distributions outside the list stay listed with ``enabled=False``.

    ``path`` replaces ``sys.path`` for the metadata search (tests pass a temporary folder).
    """
    allowlist = normalize_allowlist(allowlist_names)
    found = Discovery(allowlist=allowlist)
    raw = _raw_entry_points(path)
    facts: dict[int, tuple[str | None, str | None, str | None]] = {}
    for kind in kinds:
        candidates: list[PluginEntry] = []
        seen_values: set[tuple[str, str, str | None]] = set()
        group = GROUPS[kind]
        for ep_group, ep_name, ep_value, dist in raw:
            if ep_group != group:
                continue
            # Read each distribution's headers once, however many entry points it declares.
            key = id(dist)
            if key not in facts:
                facts[key] = _dist_facts(dist)
            dist_name, version, location = facts[key]
            marker = (ep_name, ep_value, dist_name)
            if marker in seen_values:
                continue  # the same distribution found twice on the path
            seen_values.add(marker)
            enabled = is_distribution_enabled(dist_name, allowlist)
            entry = PluginEntry(
                kind=kind,
                id=ep_name,
                value=ep_value,
                distribution=dist_name,
                version=version,
                enabled=enabled,
                builtin=is_builtin_distribution(dist_name),
                location=location,
            )
            if dist_name is None and allowlist is not None:
                found.errors.append(
                    _error(
                        entry,
                        "no-distribution",
                        "entry point has no resolvable distribution name, so it is hidden "
                        "while [plugins] enabled is set",
                    )
                )
            elif not is_valid_id(ep_name):
                found.errors.append(_error(entry, "invalid-id", invalid_id_message(ep_name)))
            elif is_reserved(kind, ep_name):
                found.errors.append(_error(entry, "reserved-id", reserved_id_message(ep_name)))
            else:
                candidates.append(entry)
        candidates.sort(key=lambda e: (e.id, e.distribution or "", e.value))
        found.entries.extend(_drop_duplicates(candidates, found.errors))
    return found


def _drop_duplicates(
    candidates: list[PluginEntry], errors: list[DiscoveryError]
) -> list[PluginEntry]:
    providers: dict[str, list[PluginEntry]] = {}
    for entry in candidates:
        if entry.enabled:
            providers.setdefault(entry.id, []).append(entry)
    duplicated = {pid: group for pid, group in providers.items() if len(group) > 1}
    for pid, group in duplicated.items():
        names = ", ".join(sorted({e.distribution or "<unknown>" for e in group}))
        for entry in group:
            errors.append(
                _error(entry, "duplicate-id", f"duplicate plugin id {pid!r} from {names}")
            )
    return [e for e in candidates if not (e.enabled and e.id in duplicated)]


def _error(entry: PluginEntry, reason: str, message: str) -> DiscoveryError:
    return DiscoveryError(
        kind=entry.kind,
        id=entry.id,
        value=entry.value,
        distribution=entry.distribution,
        message=message,
        reason=reason,
        version=entry.version,
        location=entry.location,
    )
