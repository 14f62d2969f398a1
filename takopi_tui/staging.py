"""Staged toggles: which distributions the user asked to enable or disable, not yet saved.

This is UI state only. What the toggles mean for ``[plugins] enabled`` (the new list, the
warnings, a refusal) is decided by the planner in :mod:`takopi_core.plugins.enablement`, the same
one `takopi plugins enable|disable` uses; this module only adapts its answer for the screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from takopi_core.ids import normalize_dist_name
from takopi_core.plugins.discovery import Discovery, is_distribution_enabled, normalize_allowlist

if TYPE_CHECKING:
    from takopi_core.config.file import ConfigFile


@dataclass(frozen=True, slots=True)
class ConfigView:
    """What the screen needs from takopi.toml: the enabled list and what it must not hide."""

    enabled: list[str]
    transport: str | None = None
    default_engine: str | None = None
    #: The parsed file, for masking its secret values wherever plugin text quotes them.
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: What the settings checks refuse in the file (a value of the wrong type, say): one
    #: message per problem, naming the file, the line when found and the key path, with
    #: secret values masked. `takopi run` and saving stop at these; the screen says so.
    problems: tuple[str, ...] = ()
    #: Wrong values in engine tables (``[codex] model = 5``), per engine id, in the same form:
    #: not refused when saving, so a bad ``[pi]`` does not stop a run on Codex; the engine
    #: refuses them when it is built.
    engine_problems: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def problems_text(self) -> str:
        """The banner for :attr:`problems` and :attr:`engine_problems` ("" when none)."""
        lines: list[str] = []
        if self.problems:
            lines += [
                *self.problems,
                "The file is read, but takopi run and saving refuse these values: fix them in "
                "the file and it is read again.",
            ]
        if self.engine_problems:
            lines += [line for engine in self.engine_problems.values() for line in engine]
            names = ", ".join(self.engine_problems)
            lines.append(
                f"A run on {names} stops at these values (other engines run): fix them in "
                "the file and it is read again."
            )
        return "\n".join(lines)


def read_config_view(config_path: Path) -> ConfigView:
    """Read takopi.toml through ConfigFile; a ConfigError names the file and the key path."""
    from takopi_core.config.file import ConfigFile

    return config_view(ConfigFile.load(config_path))


def config_view(config: ConfigFile) -> ConfigView:
    """The screen's view of ``config``; a ConfigError when not even the enabled list reads
    (naming the file, the line and the key path)."""
    from takopi_core.config.locate import with_lines
    from takopi_core.config.toml import enabled_list
    from takopi_core.errors import ConfigError

    data = config.data
    try:
        enabled = enabled_list(data, config.path)
    except ConfigError as exc:
        raise ConfigError(with_lines(str(exc), config.path, config.text)) from None
    return ConfigView(
        enabled=enabled,
        transport=_text(data.get("transport")),
        default_engine=_text(data.get("default_engine")),
        data=data,
        **settings_problems(config),
    )


def settings_problems(config: ConfigFile) -> dict[str, Any]:
    """What the :class:`~takopi_core.config.settings.Settings` checks find wrong in
    ``config``: ``problems`` (refused) and ``engine_problems`` (per engine), each message
    with its line when found and the file's secret values masked."""
    from takopi_core.config.locate import with_lines
    from takopi_core.config.settings import Settings
    from takopi_core.errors import ConfigError
    from takopi_core.secrets import Masker, mask_text

    secrets: list[str] | None = None

    def located(message: str) -> tuple[str, ...]:
        nonlocal secrets
        if secrets is None:
            secrets = Masker().secret_values(config.data)
        return tuple(mask_text(with_lines(message, config.path, config.text), secrets).splitlines())

    try:
        settings = Settings.from_data(config.data, config.path)
    except ConfigError as exc:
        return {"problems": located(str(exc))}
    engines = {
        engine: located("\n".join(lines)) for engine, lines in settings.engine_problems.items()
    }
    return {"engine_problems": MappingProxyType(engines)} if engines else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


#: Said when a first toggle turns "everything visible" into an explicit list.
EMPTY_LIST_NOTE = (
    "[plugins] enabled is empty now, which shows every plugin; saving writes the list of "
    "every other installed distribution, so plugins installed later stay hidden until you "
    "enable them."
)


@dataclass(frozen=True, slots=True)
class StagingPlan:
    """What saving the staged toggles would write, and what to tell the user first."""

    enabled: list[str]
    """The new ``[plugins] enabled`` list."""
    allowlist_after: frozenset[str] | None
    """The same list normalised, as discovery applies it (None: everything visible)."""
    warnings: tuple[str, ...] = ()
    """Say these before saving: a hidden transport, default engine or the built-ins."""
    notes: tuple[str, ...] = ()
    refusal: str | None = None
    """Why this cannot be written (nothing is staged when set)."""


@dataclass(frozen=True, slots=True)
class Staging:
    """Ordered staged toggles: distribution name (metadata spelling) -> enable?

    Immutable: every change returns a new Staging.
    """

    wants: tuple[tuple[str, bool], ...] = ()

    def __len__(self) -> int:
        return len(self.wants)

    def __bool__(self) -> bool:
        return bool(self.wants)

    @property
    def distributions(self) -> list[str]:
        return [name for name, _ in self.wants]

    def toggled(self, distribution: str, enable: bool, discovery: Discovery) -> Staging:
        """A copy with ``distribution`` staged to ``enable`` (or unstaged, if that is its state)."""
        key = normalize_dist_name(distribution)
        rest = tuple((n, e) for n, e in self.wants if normalize_dist_name(n) != key)
        if is_distribution_enabled(distribution, discovery.allowlist) == enable:
            return Staging(rest)
        return Staging((*rest, (distribution, enable)))

    def moot(self, discovery: Discovery) -> list[str]:
        """Staged distributions whose state on disk is already what was staged."""
        return [
            name
            for name, enable in self.wants
            if is_distribution_enabled(name, discovery.allowlist) == enable
        ]

    def without(self, names: Iterable[str]) -> Staging:
        drop = {normalize_dist_name(n) for n in names}
        return Staging(tuple((n, e) for n, e in self.wants if normalize_dist_name(n) not in drop))

    def plan(self, config: ConfigView, discovery: Discovery) -> StagingPlan:
        """Ask the core planner what the toggles make of the config's enabled list."""
        from takopi_core.plugins.enablement import EnablementError, plan_enabled

        current = normalize_allowlist(config.enabled)
        try:
            plan = plan_enabled(
                discovery,
                config.enabled,
                dict(self.wants),
                transport=config.transport,
                default_engine=config.default_engine,
            )
        except EnablementError as exc:
            return StagingPlan(config.enabled, current, refusal=str(exc))
        if plan.new_list is None:
            return StagingPlan(config.enabled, current, notes=plan.notes, refusal=plan.refusal)
        notes = plan.notes
        if current is None and plan.new_list:
            notes = (EMPTY_LIST_NOTE, *notes)
        return StagingPlan(
            list(plan.new_list),
            normalize_allowlist(list(plan.new_list)),
            warnings=plan.warnings,
            notes=notes,
        )
