"""Enabling and disabling plugin distributions: one planner for the CLI and the TUI.

``[plugins] enabled`` lists distribution names; an empty list shows everything. The planner
turns "enable these, disable those" into the new list, or a refusal, plus what changes and
what to warn about. It is pure: it reads a :class:`~takopi_core.plugins.discovery.Discovery` and the
current list and writes nothing. Applying a plan is ``ConfigFile.with_enabled(plan.new_list)``,
then ``diff`` and ``save``, so the TUI can stage several toggles, preview, then save once.

Rules (see the issue and ux-and-style.md §0.3):

- a plugin id is accepted and mapped to its distribution; the whole distribution changes;
- disabling while the list is empty writes every other installed distribution (ours too),
  so exactly the chosen ones are hidden;
- enabling all writes ``[]``; otherwise an explicit list stays explicit;
- a result that hides every installed distribution cannot be written (``[]`` means all);
- names are written in the distribution's own metadata spelling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from takopi_core.ids import ENGINE, OWN_DISTRIBUTION, TRANSPORT, UPSTREAM_ALIAS, normalize_dist_name
from takopi_core.plugins.discovery import (
    Discovery,
    DiscoveryError,
    PluginEntry,
    is_distribution_enabled,
    normalize_allowlist,
)

if TYPE_CHECKING:
    from takopi_core.config.file import ConfigFile
    from takopi_core.config.settings import Settings

_OWN = normalize_dist_name(OWN_DISTRIBUTION)

ENABLE_ALL: Literal["all"] = "all"


class EnablementError(ValueError):
    """A name that cannot be acted on: unknown, ambiguous, or asked both ways at once."""


@dataclass(frozen=True, slots=True)
class DistributionChange:
    """One distribution whose visibility changes, with the plugins it provides."""

    distribution: str
    enabled: bool
    plugins: tuple[PluginEntry, ...] = ()

    def describe(self) -> str:
        verb = "enabled" if self.enabled else "disabled"
        if not self.plugins:
            return f"{verb} {self.distribution} (no plugins)"
        listed = ", ".join(f"{entry.kind} {entry.id}" for entry in self.plugins)
        return f"{verb} {self.distribution}: {listed}"


@dataclass(frozen=True, slots=True)
class EnablementPlan:
    """What a set of enable/disable requests does to ``[plugins] enabled``."""

    current: tuple[str, ...]
    #: The list to write; None when the request is refused.
    new_list: tuple[str, ...] | None
    changes: tuple[DistributionChange, ...] = ()
    #: Things the user should know before saving (a hidden transport or default engine...).
    warnings: tuple[str, ...] = ()
    #: Plain information: how ids mapped to distributions, requests that changed nothing.
    notes: tuple[str, ...] = ()
    #: Why nothing can be written, when refused.
    refusal: str | None = None

    @property
    def refused(self) -> bool:
        return self.new_list is None

    @property
    def list_changed(self) -> bool:
        """True when the enabled list must be rewritten."""
        return self.new_list is not None and list(self.new_list) != list(self.current)

    def affected_plugins(self) -> list[PluginEntry]:
        return [entry for change in self.changes for entry in change.plugins]


@dataclass(slots=True)
class _Inventory:
    """Installed distributions by canonical name, and which entries each provides."""

    spelling: dict[str, str] = field(default_factory=dict)
    entries: dict[str, list[PluginEntry]] = field(default_factory=dict)

    @classmethod
    def of(cls, discovery: Discovery) -> _Inventory:
        inventory = cls()
        for name in discovery.distributions():
            inventory.spelling.setdefault(normalize_dist_name(name), name)
        # Ours is always installed, even before it declares any built-in plugin.
        inventory.spelling.setdefault(_OWN, OWN_DISTRIBUTION)
        for entry in discovery.entries:
            if entry.distribution:
                key = normalize_dist_name(entry.distribution)
                inventory.entries.setdefault(key, []).append(entry)
        return inventory

    def visible(self, names: Iterable[str]) -> set[str]:
        allowlist = normalize_allowlist(list(names))
        return {n for n in self.spelling if is_distribution_enabled(n, allowlist)}


def resolve_distribution(discovery: Discovery, name: str) -> tuple[str, str | None]:
    """``(distribution as spelled in its metadata, note)`` for a distribution name or id.

    A distribution name wins over a plugin id; ``takopi`` means this distribution. Raises
    :class:`EnablementError` for unknown or ambiguous names.
    """
    inventory = _Inventory.of(discovery)
    wanted = normalize_dist_name(name)
    if wanted == UPSTREAM_ALIAS and wanted not in inventory.spelling:
        wanted = _OWN
    if wanted in inventory.spelling:
        return inventory.spelling[wanted], None
    plugin_id = name.strip()
    providers: dict[str, list[str]] = {}
    nameless: list[str] = []
    items: list[PluginEntry | DiscoveryError] = [*discovery.entries, *discovery.errors]
    for item in items:
        if item.id != plugin_id:
            continue
        if item.distribution is None:
            nameless.append(item.kind)
        else:
            providers.setdefault(item.distribution, []).append(item.kind)
    if len(providers) == 1:
        ((dist, kinds),) = providers.items()
        kinds_text = "/".join(sorted(set(kinds)))
        return dist, f"{kinds_text} {plugin_id!r} is provided by distribution {dist}"
    if len(providers) > 1:
        listed = ", ".join(sorted(providers, key=normalize_dist_name))
        raise EnablementError(
            f"plugin id {plugin_id!r} is provided by several distributions ({listed}); "
            "name the distribution instead"
        )
    if nameless:
        raise EnablementError(
            f"plugin {plugin_id!r} comes from a distribution without a name, so the enabled "
            "list cannot name it"
        )
    from takopi_core.plugins.suggest import unknown_name_hint

    installed = sorted(inventory.spelling.values(), key=normalize_dist_name)
    ids = sorted({item.id for item in items})
    raise EnablementError(
        f"no installed plugin id or distribution named {name!r}; "
        + unknown_name_hint(name, installed, also=ids)
    )


def plan_enabled(
    discovery: Discovery,
    current: Sequence[str],
    changes: Mapping[str, bool] | Literal["all"],
    *,
    transport: str | None = None,
    default_engine: str | None = None,
) -> EnablementPlan:
    """Plan the new ``[plugins] enabled`` list.

    ``changes`` maps plugin ids or distribution names to True (enable) or False (disable),
    or is ``"all"`` to enable everything. ``transport`` and ``default_engine`` are the
    configured ones, to warn when the result hides them.
    """
    inventory = _Inventory.of(discovery)
    current_list = tuple(current)
    before = inventory.visible(current_list)
    notes: list[str] = []
    if changes == ENABLE_ALL:
        wanted: dict[str, bool] = {}
        target = set(inventory.spelling)
    else:
        wanted, stale = _targets(discovery, inventory, current_list, changes, notes)
        target = (before | {k for k, on in wanted.items() if on}) - {
            k for k, on in wanted.items() if not on
        }
    for key, enable in wanted.items():
        if (key in before) == enable:
            state = "enabled" if enable else "disabled"
            notes.append(f"{inventory.spelling[key]} is already {state}")
    if not target:
        return EnablementPlan(
            current=current_list,
            new_list=None,
            notes=tuple(notes),
            refusal=(
                "refusing to hide every installed plugin distribution: the enabled list "
                "cannot express that, because an empty `[plugins] enabled` means all are "
                "visible. Keep at least one distribution enabled."
            ),
        )
    if changes == ENABLE_ALL:
        new_list: list[str] = []
    else:
        new_list = _new_list(inventory, current_list, before, wanted, stale)
    after = inventory.visible(new_list)
    changed = [
        DistributionChange(
            distribution=inventory.spelling[key],
            enabled=key in after,
            plugins=tuple(inventory.entries.get(key, ())),
        )
        for key in sorted(inventory.spelling)
        if (key in before) != (key in after)
    ]
    warnings = _warnings(discovery, inventory, before, after, transport, default_engine)
    return EnablementPlan(
        current=current_list,
        new_list=tuple(new_list),
        changes=tuple(changed),
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def plan_for_config(
    config: ConfigFile,
    changes: Mapping[str, bool] | Literal["all"],
    *,
    path: list[str] | None = None,
) -> EnablementPlan:
    """Plan against a config file: its list, transport and default engine, and the
    distributions installed on ``path`` (default ``sys.path``)."""
    from takopi_core.plugins.discovery import discover

    settings: Settings = config.settings()
    discovery = discover(settings.enabled, path=path)
    return plan_enabled(
        discovery,
        settings.enabled,
        changes,
        transport=settings.transport,
        default_engine=settings.default_engine,
    )


def _targets(
    discovery: Discovery,
    inventory: _Inventory,
    current: Sequence[str],
    changes: Mapping[str, bool],
    notes: list[str],
) -> tuple[dict[str, bool], set[str]]:
    """Canonical distribution -> wanted state, plus listed-but-uninstalled names to drop."""
    wanted: dict[str, bool] = {}
    asked_as: dict[str, str] = {}
    stale: set[str] = set()
    listed = {normalize_dist_name(name) for name in current}
    for name, enable in changes.items():
        try:
            dist, note = resolve_distribution(discovery, name)
        except EnablementError:
            if not enable and normalize_dist_name(name) in listed:
                # Not installed any more, but still listed: disabling removes it.
                stale.add(normalize_dist_name(name))
                notes.append(f"{name} is not installed; removing it from the list")
                continue
            raise
        if note:
            notes.append(note)
        key = normalize_dist_name(dist)
        if key in wanted and wanted[key] != enable:
            raise EnablementError(
                f"{name!r} and {asked_as[key]!r} are both distribution {dist}, "
                "which cannot be enabled and disabled at once"
            )
        wanted[key] = bool(enable)
        asked_as[key] = name
    return wanted, stale


def _new_list(
    inventory: _Inventory,
    current: Sequence[str],
    before: set[str],
    wanted: Mapping[str, bool],
    stale: set[str],
) -> list[str]:
    disable = {key for key, enable in wanted.items() if not enable}
    enable = [key for key, on in wanted.items() if on]
    if normalize_allowlist(list(current)) is None:
        # Everything is visible. Disabling needs an explicit list of all the others.
        if not disable:
            return list(current)
        return sorted(
            (inventory.spelling[key] for key in before - disable),
            key=normalize_dist_name,
        )
    kept = []
    for name in current:
        key = normalize_dist_name(name)
        if key in stale or key in disable:
            continue
        if key == UPSTREAM_ALIAS and _OWN in disable and UPSTREAM_ALIAS not in inventory.spelling:
            continue  # `takopi` stands for this distribution
        kept.append(name)
    for key in enable:
        if key not in inventory.visible(kept):
            kept.append(inventory.spelling[key])
    return kept


def _warnings(
    discovery: Discovery,
    inventory: _Inventory,
    before: set[str],
    after: set[str],
    transport: str | None,
    default_engine: str | None,
) -> list[str]:
    warnings = []
    for kind, plugin_id, key in (
        (TRANSPORT, transport, "transport"),
        (ENGINE, default_engine, "default_engine"),
    ):
        if not plugin_id:
            continue
        providers = _providers(discovery, kind, plugin_id)
        if providers and not any(normalize_dist_name(d) in after for d in providers):
            names = ", ".join(providers)
            warnings.append(
                f"this hides the configured {key} {plugin_id!r} ({kind} from {names}); "
                f"takopi will not start until it is enabled again or `{key}` is changed"
            )
    if _OWN in before and _OWN not in after:
        warnings.append(
            f"this hides the built-in plugins of {inventory.spelling[_OWN]} "
            "(the built-in engines, transports and commands)"
        )
    return warnings


def _providers(discovery: Discovery, kind: str, plugin_id: str) -> list[str]:
    """Distributions that provide ``kind``/``plugin_id`` (duplicates included)."""
    items: list[PluginEntry | DiscoveryError] = [*discovery.entries, *discovery.errors]
    found = {
        e.distribution
        for e in items
        if e.kind == kind
        and e.id == plugin_id
        and e.distribution
        and getattr(e, "reason", "duplicate-id") == "duplicate-id"
    }
    return sorted(found, key=normalize_dist_name)


__all__ = [
    "ENABLE_ALL",
    "DistributionChange",
    "EnablementError",
    "EnablementPlan",
    "plan_enabled",
    "plan_for_config",
    "resolve_distribution",
]
