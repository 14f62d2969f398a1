"""A typed view of ``takopi.toml``.

:class:`Settings` checks the keys the host understands (``default_engine``, ``transport``,
``[transports.<id>]``, ``[plugins]``, ``[projects.<alias>]``, ``watch_config``) and keeps every
other key as it was: engine tables (``[codex]``, ``[myengine]``) and anything unknown stay in
:attr:`Settings.raw` and :attr:`Settings.extras`. Problems are collected and reported together,
each naming the file and the key path.

Only the standard library is imported here, so the CLI can build settings cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from takopi_core.config.engines import (
    BUILTIN_ENGINE_CLIS,
    BuiltinEngineSettings,
    parse_engine_table,
)
from takopi_core.config.toml import (
    decode_config,
    parse_toml_text,
    read_config_bytes,
    resolve_config_path,
    type_name,
)
from takopi_core.errors import ConfigError

#: Top-level keys with a meaning of their own; every other top-level key is an extra
#: (an engine table such as ``[codex]``, or something we do not know and keep).
KNOWN_TOP_LEVEL: frozenset[str] = frozenset(
    {
        "watch_config",
        "default_engine",
        "default_project",
        "transport",
        "transports",
        "plugins",
        "projects",
    }
)
#: Pre-``[transports]`` keys upstream refuses at the top level.
LEGACY_TELEGRAM_KEYS: tuple[str, ...] = ("bot_token", "chat_id")
PROJECT_KEYS: frozenset[str] = frozenset(
    {"path", "worktrees_dir", "default_engine", "worktree_base", "chat_id"}
)
DEFAULT_WORKTREES_DIR = ".worktrees"

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def key_path(*parts: str) -> str:
    """A dotted TOML key path, quoting the parts that are not bare keys."""
    return ".".join(p if _BARE_KEY.match(p) else '"' + p.replace('"', '\\"') + '"' for p in parts)


@dataclass(frozen=True, slots=True)
class ProjectSettings:
    """One ``[projects.<alias>]`` table. ``path`` is absolute: ``~`` is expanded and a
    relative path is taken from the config file's folder."""

    alias: str
    path: Path
    worktrees_dir: Path = Path(DEFAULT_WORKTREES_DIR)
    default_engine: str | None = None
    worktree_base: str | None = None
    chat_id: int | None = None
    #: Keys we do not know, kept as written.
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def worktrees_root(self) -> Path:
        """Where worktrees go: ``worktrees_dir`` if absolute, else under ``path``."""
        if self.worktrees_dir.is_absolute():
            return self.worktrees_dir
        return self.path / self.worktrees_dir


class Settings:
    """The checked, typed view of one config file. Build it with :meth:`from_data`."""

    path: Path
    raw: dict[str, Any]
    watch_config: bool
    default_engine: str | None
    default_project: str | None
    transport: str | None
    transports: dict[str, dict[str, Any]]
    enabled: list[str]
    plugins: dict[str, dict[str, Any]]
    projects: dict[str, ProjectSettings]
    extras: dict[str, Any]
    #: The built-in engines' tables, typed (defaults where a table is absent or wrong).
    builtin_engines: dict[str, BuiltinEngineSettings]
    #: Wrong values in those tables, per engine. Not raised by :meth:`from_data`: a bad
    #: ``[pi]`` must not stop a run on Codex; the engine's own build reports it.
    engine_problems: dict[str, tuple[str, ...]]

    def __init__(self, path: Path, raw: dict[str, Any]) -> None:
        # Use from_data(): it checks the data. This only stores what it is given.
        self.path = path
        self.raw = raw
        self.watch_config = False
        self.default_engine = None
        self.default_project = None
        self.transport = None
        self.transports = {}
        self.enabled = []
        self.plugins = {}
        self.projects = {}
        self.extras = {}
        self.builtin_engines = {}
        self.engine_problems = {}

    def __repr__(self) -> str:
        return f"Settings(path={str(self.path)!r})"

    @classmethod
    def from_data(cls, data: Mapping[str, Any], path: Path | str) -> Settings:
        """Check ``data`` (parsed TOML) and build the typed view.

        Raises :class:`ConfigError` listing every problem found, one per line, each as
        ``<file>: `<key.path>` <what is wrong>``.
        """
        path = Path(path)
        checker = _Checker(path)
        settings = cls(path, data if isinstance(data, dict) else dict(data))
        checker.fill(settings)
        checker.raise_if_any()
        return settings

    # -- tables handed to plugins -------------------------------------------------------

    def engine_config(
        self, engine_id: str, *, config_path: Path | str | None = None
    ) -> dict[str, Any]:
        """The ``[<engine_id>]`` table (the dict itself, not a copy); ``{}`` when absent."""
        value = self.raw.get(engine_id)
        if value is None:
            return {}
        if not isinstance(value, dict):
            where = config_path if config_path is not None else self.path
            raise ConfigError(
                f"{where}: `{key_path(engine_id)}` must be a table of engine settings, "
                f"found {type_name(value)}"
            )
        return value

    def builtin_engine(self, engine_id: str) -> BuiltinEngineSettings:
        """The typed table of built-in engine ``engine_id`` (``codex``, ``claude``,
        ``opencode``, ``pi``); raises :class:`ConfigError` naming each wrong key."""
        problems = self.engine_problems.get(engine_id)
        if problems:
            raise ConfigError("\n".join(problems))
        return self.builtin_engines[engine_id]

    def plugin_config(self, plugin_id: str) -> dict[str, Any]:
        """A shallow copy of the ``[plugins.<plugin_id>]`` table; ``{}`` when absent."""
        return dict(self.plugins.get(plugin_id, {}))

    def transport_config(
        self, transport_id: str, *, config_path: Path | None = None
    ) -> dict[str, Any]:
        """A shallow copy of the ``[transports.<transport_id>]`` table; ``{}`` when absent.

        ``config_path`` is accepted because upstream's signature has it (transports pass it on
        reload); the settings already know their file.
        """
        _ = config_path
        return dict(self.transports.get(transport_id, {}))

    @property
    def plugin_configs(self) -> dict[str, dict[str, Any]]:
        """Every ``[plugins.<id>]`` table, keyed by plugin id (copies)."""
        return {plugin_id: dict(table) for plugin_id, table in self.plugins.items()}


def load_settings(path: Path | str | None = None) -> tuple[Settings, Path]:
    """Read and check the config file; ``path`` defaults to :func:`resolve_config_path`.

    Unlike display commands, the run path needs a config: a missing file is an error here.
    """
    config_path = resolve_config_path(path)
    found = load_settings_if_exists(config_path)
    if found is None:
        raise ConfigError(
            f"{config_path}: missing config file (run `takopi init` or `takopi setup`)"
        )
    return found


def load_settings_if_exists(path: Path | str | None = None) -> tuple[Settings, Path] | None:
    """Like :func:`load_settings`, but ``None`` when the file does not exist."""
    config_path = resolve_config_path(path)
    # The one reader: None only when nothing is there; a FIFO, a device, a dangling link or
    # a file where a folder should be is an error naming it.
    raw = read_config_bytes(config_path)
    if raw is None:
        return None
    data = parse_toml_text(decode_config(raw, config_path), config_path)
    return Settings.from_data(data, config_path), config_path


class _Checker:
    """Collects problems while filling a Settings, so the user sees all of them at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def problem(self, keys: tuple[str, ...], text: str) -> None:
        self.problems.append(f"{self.path}: `{key_path(*keys)}` {text}")

    def wrong_type(self, keys: tuple[str, ...], expected: str, value: object) -> None:
        self.problem(keys, f"must be {expected}, found {type_name(value)}")

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError("\n".join(self.problems))

    # -- typed readers ------------------------------------------------------------------

    def text(self, keys: tuple[str, ...], value: object, *, optional: bool = True) -> str | None:
        """A non-empty string, whitespace-stripped; None when absent and allowed."""
        if value is None:
            if not optional:
                self.problem(keys, "is required")
            return None
        if not isinstance(value, str):
            self.wrong_type(keys, "a string", value)
            return None
        stripped = value.strip()
        if not stripped:
            self.problem(keys, "must not be empty")
            return None
        return stripped

    def table(self, keys: tuple[str, ...], value: object) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.wrong_type(keys, "a table", value)
            return None
        return value

    def chat_id(self, keys: tuple[str, ...], value: object) -> int | None:
        """An integer; a string of digits is accepted, booleans and floats are not."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.wrong_type(keys, "an integer", value)
            return None
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                self.problem(keys, f"must be an integer, found the string {value!r}")
                return None
        return value

    # -- sections -----------------------------------------------------------------------

    def fill(self, settings: Settings) -> None:
        data = settings.raw
        for legacy in LEGACY_TELEGRAM_KEYS:
            if legacy in data:
                self.problem(
                    (legacy,),
                    "is not allowed at the top level: move bot_token and chat_id under "
                    '[transports.telegram] and set transport = "telegram"',
                )
        watch = data.get("watch_config", False)
        if isinstance(watch, bool):
            settings.watch_config = watch
        else:
            self.wrong_type(("watch_config",), "true or false", watch)
        settings.default_engine = self.text(("default_engine",), data.get("default_engine"))
        settings.default_project = self.text(("default_project",), data.get("default_project"))
        settings.transport = self.text(("transport",), data.get("transport"))
        settings.transports = self.transports(data.get("transports"))
        settings.enabled, settings.plugins = self.plugins(data.get("plugins"))
        settings.projects = self.projects(data.get("projects"))
        settings.extras = {
            k: v
            for k, v in data.items()
            if k not in KNOWN_TOP_LEVEL and k not in LEGACY_TELEGRAM_KEYS
        }
        self.builtin_engines(settings)
        # Checked against the aliases as written; a wrongly typed [projects] is reported alone.
        raw_projects = data.get("projects") or {}
        if (
            settings.default_project is not None
            and isinstance(raw_projects, dict)
            and settings.default_project.lower() not in {a.lower() for a in raw_projects}
        ):
            known = ", ".join(sorted(raw_projects)) or "none yet"
            self.problem(
                ("default_project",),
                f"is {settings.default_project!r}, which names no project (projects: {known})",
            )

    def builtin_engines(self, settings: Settings) -> None:
        for engine_id in BUILTIN_ENGINE_CLIS:
            table = settings.raw.get(engine_id)
            if not isinstance(table, dict):
                # A non-table is reported by engine_config(), where the engine is built.
                table = {}
            try:
                settings.builtin_engines[engine_id] = parse_engine_table(
                    engine_id, table, self.path
                )
            except ConfigError as exc:
                settings.engine_problems[engine_id] = tuple(str(exc).splitlines())
                settings.builtin_engines[engine_id] = parse_engine_table(engine_id, {}, self.path)

    def transports(self, value: object) -> dict[str, dict[str, Any]]:
        table = self.table(("transports",), value)
        if table is None:
            return {}
        found: dict[str, dict[str, Any]] = {}
        for transport_id, sub in table.items():
            checked = self.table(("transports", transport_id), sub)
            if checked is not None:
                found[transport_id] = checked
        return found

    def plugins(self, value: object) -> tuple[list[str], dict[str, dict[str, Any]]]:
        table = self.table(("plugins",), value)
        if table is None:
            return [], {}
        enabled: list[str] = []
        raw_enabled = table.get("enabled", [])
        if not isinstance(raw_enabled, list):
            self.wrong_type(("plugins", "enabled"), "an array of distribution names", raw_enabled)
        else:
            for index, name in enumerate(raw_enabled):
                where = f"{self.path}: `plugins.enabled[{index}]`"
                if not isinstance(name, str):
                    self.problems.append(
                        f"{where} must be a distribution name (a string), found {type_name(name)}"
                    )
                elif not name.strip():
                    self.problems.append(f"{where} must not be empty")
                else:
                    enabled.append(name.strip())
        configs: dict[str, dict[str, Any]] = {}
        for plugin_id, sub in table.items():
            if plugin_id == "enabled":
                continue
            checked = self.table(("plugins", plugin_id), sub)
            if checked is not None:
                configs[plugin_id] = checked
        return enabled, configs

    def projects(self, value: object) -> dict[str, ProjectSettings]:
        table = self.table(("projects",), value)
        if table is None:
            return {}
        found: dict[str, ProjectSettings] = {}
        seen: dict[str, str] = {}
        for alias, sub in table.items():
            keys = ("projects", alias)
            project = self.table(keys, sub)
            if project is None:
                continue
            folded = alias.lower()
            if folded in seen:
                self.problem(
                    keys, f"repeats the project alias {seen[folded]!r} (aliases ignore case)"
                )
                continue
            seen[folded] = alias
            checked = self.project(alias, project)
            if checked is not None:
                found[alias] = checked
        return found

    def project(self, alias: str, table: dict[str, Any]) -> ProjectSettings | None:
        keys = ("projects", alias)
        before = len(self.problems)
        raw_path = self.text((*keys, "path"), table.get("path"), optional=False)
        worktrees = self.text((*keys, "worktrees_dir"), table.get("worktrees_dir"))
        default_engine = self.text((*keys, "default_engine"), table.get("default_engine"))
        worktree_base = self.text((*keys, "worktree_base"), table.get("worktree_base"))
        chat_id = self.chat_id((*keys, "chat_id"), table.get("chat_id"))
        if raw_path is None or len(self.problems) > before:
            return None
        path = Path(raw_path).expanduser()
        if not path.is_absolute():
            path = self.path.parent / path
        return ProjectSettings(
            alias=alias,
            path=path,
            worktrees_dir=Path(worktrees or DEFAULT_WORKTREES_DIR).expanduser(),
            default_engine=default_engine,
            worktree_base=worktree_base,
            chat_id=chat_id,
            extra={k: v for k, v in table.items() if k not in PROJECT_KEYS},
        )
