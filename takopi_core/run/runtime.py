"""``TransportRuntime``: what a transport asks the host while it runs.

It answers "which engine and session does this message go to, in which project", holds the
configured engines (with their availability) and projects, and hands out plugin config.
``build_runtime_spec`` assembles one from settings: it loads the engine plugins in-process
(this is the run path), builds their runners, and decides which problems are fatal.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

from takopi_core.errors import ConfigError
from takopi_core.ids import CHAT_COMMANDS, ENGINE
from takopi_core.plugins.discovery import Discovery, discover, normalize_allowlist
from takopi_core.run.context import RunContext
from takopi_core.run.directives import (
    DirectiveError,
    format_context_line,
    parse_context_line,
    parse_directives,
)
from takopi_core.run.logs import get_logger
from takopi_core.run.model import EngineId, ResumeToken
from takopi_core.run.router import AutoRouter, EngineStatus, RunnerEntry
from takopi_core.run.runner import Runner

__all__ = [
    "ContextSource",
    "DirectiveError",
    "ProjectConfig",
    "ProjectsConfig",
    "ResolvedMessage",
    "ResolvedRunner",
    "RuntimeSpec",
    "TransportRuntime",
    "build_runtime_spec",
    "list_backends",
    "pick_default_engine",
]

_logger = get_logger(__name__)

ContextSource: TypeAlias = Literal["reply_ctx", "directives", "ambient", "default_project", "none"]


@dataclass(frozen=True, slots=True)
class ResolvedMessage:
    """A message after directives, ``ctx:`` lines and resume lines have been read.

    The resume line is still in ``prompt``; ``handle_message`` strips it.
    """

    prompt: str
    resume_token: ResumeToken | None
    engine_override: EngineId | None
    context: RunContext | None
    context_source: ContextSource = "none"


@dataclass(frozen=True, slots=True)
class ResolvedRunner:
    """The runner chosen for a message; callers must check ``available`` before running."""

    engine: EngineId
    runner: Runner
    available: bool
    issue: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """A project alias: where it lives and, optionally, the engine it prefers."""

    alias: str
    path: Path
    default_engine: EngineId | None = None
    chat_id: int | str | None = None


@dataclass(frozen=True, slots=True)
class ProjectsConfig:
    """Projects keyed by lowercased alias, the default project, and chat bindings."""

    projects: dict[str, ProjectConfig] = field(default_factory=dict)
    default_project: str | None = None
    chat_map: dict[int | str, str] = field(default_factory=dict)

    def resolve(self, alias: str | None) -> ProjectConfig | None:
        if alias is None:
            return None
        return self.projects.get(alias.strip().lower())

    def project_for_chat(self, chat_id: int | str | None) -> str | None:
        if chat_id is None:
            return None
        return self.chat_map.get(chat_id)

    def project_chat_ids(self) -> tuple[int | str, ...]:
        return tuple(self.chat_map)

    def project_for_path(self, path: Path) -> str | None:
        """The key of the project whose folder contains ``path`` (the deepest one wins)."""
        best: tuple[int, str] | None = None
        resolved = path.resolve()
        for key, project in self.projects.items():
            root = project.path.resolve()
            if resolved == root or root in resolved.parents:
                depth = len(root.parts)
                if best is None or depth > best[0]:
                    best = (depth, key)
        return best[1] if best else None


class TransportRuntime:
    """The host as a transport sees it while running (upstream's ``TransportRuntime``)."""

    __slots__ = (
        "_allowlist",
        "_config_path",
        "_plugin_configs",
        "_projects",
        "_router",
        "_watch_config",
    )

    def __init__(
        self,
        *,
        router: AutoRouter,
        projects: ProjectsConfig,
        allowlist: Iterable[str] | None = None,
        config_path: Path | None = None,
        plugin_configs: Mapping[str, Any] | None = None,
        watch_config: bool = False,
    ) -> None:
        self._router = router
        self._projects = projects
        self._allowlist = normalize_allowlist(list(allowlist) if allowlist is not None else None)
        self._config_path = config_path
        self._plugin_configs = dict(plugin_configs or {})
        self._watch_config = watch_config

    def update(
        self,
        *,
        router: AutoRouter,
        projects: ProjectsConfig,
        allowlist: Iterable[str] | None = None,
        config_path: Path | None = None,
        plugin_configs: Mapping[str, Any] | None = None,
        watch_config: bool = False,
    ) -> None:
        """Replace everything in place (a config reload keeps the same runtime object)."""
        self.__init__(  # type: ignore[misc]
            router=router,
            projects=projects,
            allowlist=allowlist,
            config_path=config_path,
            plugin_configs=plugin_configs,
            watch_config=watch_config,
        )

    # --- engines -------------------------------------------------------------------------

    @property
    def default_engine(self) -> EngineId:
        return self._router.default_engine

    @property
    def engine_ids(self) -> tuple[EngineId, ...]:
        """Every configured engine, available or not."""
        return self._router.engine_ids

    def available_engine_ids(self) -> tuple[EngineId, ...]:
        return tuple(entry.engine for entry in self._router.available_entries)

    def engine_ids_with_status(self, status: EngineStatus) -> tuple[EngineId, ...]:
        return tuple(entry.engine for entry in self._router.entries if entry.status == status)

    def missing_engine_ids(self) -> tuple[EngineId, ...]:
        """Engines whose CLI is not on PATH."""
        return self.engine_ids_with_status("missing_cli")

    def engine_issues(self) -> dict[EngineId, str]:
        """What is wrong with each engine that has a problem (missing CLI, bad config)."""
        return {e.engine: e.issue for e in self._router.entries if e.issue}

    def resolve_engine(
        self, *, engine_override: EngineId | None, context: RunContext | None
    ) -> EngineId:
        """Explicit engine, else the context project's default engine, else the default."""
        if engine_override:
            return engine_override
        return self.project_default_engine(context) or self._router.default_engine

    def project_default_engine(self, context: RunContext | None) -> EngineId | None:
        if context is None:
            return None
        project = self._projects.resolve(context.project)
        return project.default_engine if project is not None else None

    def resolve_runner(
        self, *, resume_token: ResumeToken | None, engine_override: EngineId | None
    ) -> ResolvedRunner:
        """The runner for a resumed session's engine, else for ``engine_override`` (or the
        default). Unknown engines raise ``RunnerUnavailableError``."""
        if resume_token is not None:
            entry = self._router.entry_for(resume_token)
        else:
            entry = self._router.entry_for_engine(engine_override)
        return ResolvedRunner(
            engine=entry.engine, runner=entry.runner, available=entry.available, issue=entry.issue
        )

    def is_resume_line(self, line: str) -> bool:
        return self._router.is_resume_line(line)

    # --- projects ------------------------------------------------------------------------

    def project_aliases(self) -> tuple[str, ...]:
        """Project aliases as written in the config, in config order."""
        return tuple(project.alias for project in self._projects.projects.values())

    @property
    def default_project(self) -> str | None:
        return self._projects.default_project

    def normalize_project_key(self, value: str) -> str | None:
        key = value.strip().lower()
        return key if key in self._projects.projects else None

    def project_alias_for_key(self, key: str) -> str:
        project = self._projects.projects.get(key)
        return project.alias if project is not None else key

    def default_context_for_chat(self, chat_id: int | str | None) -> RunContext | None:
        key = self._projects.project_for_chat(chat_id)
        return RunContext(project=key) if key is not None else None

    def project_chat_ids(self) -> tuple[int | str, ...]:
        return self._projects.project_chat_ids()

    def context_for_path(self, path: Path) -> RunContext | None:
        """The project whose folder contains ``path``, as a context (terminal's ambient)."""
        key = self._projects.project_for_path(path)
        return RunContext(project=key) if key is not None else None

    def resolve_run_cwd(self, context: RunContext | None) -> Path | None:
        """Where a run in ``context`` happens; None means the process's own folder."""
        if context is None or context.project is None:
            return None
        project = self._projects.projects.get(context.project)
        if project is None:
            raise ConfigError(f"unknown project {context.project!r}")
        if context.branch:
            raise ConfigError(
                f"cannot run on branch {context.branch!r}: this host does not create git "
                "worktrees; start a new thread without the branch"
            )
        if not project.path.is_dir():
            raise ConfigError(f"project path not found: {project.path}")
        return project.path

    def format_context_line(self, context: RunContext | None) -> str | None:
        if context is None or context.project is None:
            return None
        return format_context_line(context, alias=self.project_alias_for_key(context.project))

    # --- messages ------------------------------------------------------------------------

    def resolve_message(
        self,
        *,
        text: str,
        reply_text: str | None,
        ambient_context: RunContext | None = None,
        chat_id: int | str | None = None,
    ) -> ResolvedMessage:
        """Read directives, a replied-to ``ctx:`` line and resume lines from a message."""
        keys = self._projects.projects.keys()
        directives = parse_directives(text, engine_ids=self._router.engine_ids, project_keys=keys)
        reply_ctx = parse_context_line(reply_text, project_keys=keys)
        resume_token = self._router.resolve_resume(directives.prompt, reply_text)
        default_project = self._projects.project_for_chat(chat_id) or self.default_project
        context, source = _resolve_context(
            directive_project=directives.project,
            directive_branch=directives.branch,
            reply_ctx=reply_ctx,
            ambient=ambient_context,
            default_project=default_project,
        )
        return ResolvedMessage(
            prompt=directives.prompt,
            resume_token=resume_token,
            engine_override=directives.engine,
            context=context,
            context_source=source,
        )

    # --- config --------------------------------------------------------------------------

    @property
    def allowlist(self) -> frozenset[str] | None:
        return self._allowlist

    @property
    def config_path(self) -> Path | None:
        return self._config_path

    @property
    def watch_config(self) -> bool:
        return self._watch_config

    def plugin_config(self, plugin_id: str) -> dict[str, Any]:
        """A copy of ``[plugins.<plugin_id>]`` (``{}`` when absent)."""
        value = self._plugin_configs.get(plugin_id)
        if value is None:
            return {}
        if not isinstance(value, dict):
            where = self._config_path if self._config_path is not None else "<config>"
            raise ConfigError(f"Invalid `plugins.{plugin_id}` in {where}; expected a table.")
        return dict(value)


def _resolve_context(
    *,
    directive_project: str | None,
    directive_branch: str | None,
    reply_ctx: RunContext | None,
    ambient: RunContext | None,
    default_project: str | None,
) -> tuple[RunContext | None, ContextSource]:
    if reply_ctx is not None:
        return reply_ctx, "reply_ctx"
    ambient_project = ambient.project if ambient is not None else None
    project = directive_project or ambient_project or default_project
    branch = directive_branch
    if branch is None and ambient is not None and project == ambient_project:
        branch = ambient.branch
    context = RunContext(project=project, branch=branch) if (project or branch) else None
    if directive_project or directive_branch:
        return context, "directives"
    if ambient_project:
        return context, "ambient"
    if default_project:
        return context, "default_project"
    return context, "none"


# --- assembly ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuntimeSpec:
    """Everything a ``TransportRuntime`` is made of, plus the warnings found on the way."""

    router: AutoRouter
    projects: ProjectsConfig
    allowlist: tuple[str, ...] | None
    plugin_configs: dict[str, Any]
    watch_config: bool = False
    warnings: tuple[str, ...] = ()

    def to_runtime(self, *, config_path: Path | None) -> TransportRuntime:
        return TransportRuntime(
            router=self.router,
            projects=self.projects,
            allowlist=self.allowlist,
            config_path=config_path,
            plugin_configs=self.plugin_configs,
            watch_config=self.watch_config,
        )

    def apply(self, runtime: TransportRuntime, *, config_path: Path | None) -> None:
        runtime.update(
            router=self.router,
            projects=self.projects,
            allowlist=self.allowlist,
            config_path=config_path,
            plugin_configs=self.plugin_configs,
            watch_config=self.watch_config,
        )


def build_runtime_spec(
    *,
    settings: Any,
    config_path: Path,
    default_engine_override: str | None = None,
    reserved: Iterable[str] = CHAT_COMMANDS,
    discovery: Discovery | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> RuntimeSpec:
    """Load the engines and projects ``settings`` describe.

    Fatal (ConfigError): an unknown or unloadable default engine, a default engine whose CLI
    is missing or whose runner cannot be built, invalid projects. Everything wrong with any
    other engine is a warning: it is dropped (cannot load or build) or kept unavailable
    (CLI missing) so users get a clear reply when they ask for it.
    """
    from takopi_core.plugins.loading import load_backend

    enabled = list(getattr(settings, "enabled", None) or []) or None
    if discovery is None:
        discovery = discover(enabled, kinds=(ENGINE,))
    visible = sorted(
        {entry.id: entry for entry in discovery.entries if entry.kind == ENGINE and entry.enabled}
    )
    distributions = {
        e.id: e.dist_label for e in discovery.entries if e.kind == ENGINE and e.enabled
    }
    projects = build_projects(
        settings, config_path=config_path, engine_ids=visible, reserved=reserved
    )
    default_engine, default_source = pick_default_engine(
        settings, config_path, default_engine_override, visible
    )

    warnings: list[str] = []
    backends: dict[str, Any] = {}
    for engine_id in visible:
        try:
            backends[engine_id] = load_backend(ENGINE, engine_id, discovery=discovery)
        except ConfigError as exc:
            if engine_id == default_engine:
                dist = distributions.get(engine_id, "unknown")
                raise ConfigError(
                    f"{exc} (the default engine, from {default_source}; distribution {dist})"
                ) from exc
            warnings.append(f"{engine_id}: {exc}")

    entries: list[RunnerEntry] = []
    for engine_id, backend in backends.items():
        entry = _build_entry(
            engine_id,
            backend,
            settings=settings,
            config_path=config_path,
            distribution=distributions.get(engine_id, "unknown"),
            is_default=engine_id == default_engine,
            which=which,
            warnings=warnings,
        )
        if entry is None:
            continue
        if engine_id == default_engine and entry.status != "ok":
            raise ConfigError(f"Default engine {engine_id!r} unavailable: {entry.issue}")
        if entry.status != "ok":
            warnings.append(f"{engine_id}: {entry.issue}")
        entries.append(entry)
    if not entries:
        raise ConfigError("No engine backends are available.")

    for warning in warnings:
        # Info, not warning: the caller shows spec.warnings itself (the CLI prints them);
        # a warning record would also reach stderr through logging's last-resort handler.
        _logger.info("setup.warning", issue=warning)
    return RuntimeSpec(
        router=AutoRouter(entries, default_engine),
        projects=projects,
        allowlist=tuple(enabled) if enabled else None,
        plugin_configs=_plugin_configs(settings),
        watch_config=getattr(settings, "watch_config", False) is True,
        warnings=tuple(warnings),
    )


def pick_default_engine(
    settings: Any, config_path: Path, override: str | None, engine_ids: list[str]
) -> tuple[str, str]:
    """The default engine id and where it came from (for error messages).

    ``--engine``, then ``default_engine``, then ``codex`` (upstream's default) when it is
    installed or nothing is, else the first installed engine. Unknown ids are a ConfigError.
    """
    if not engine_ids:
        raise ConfigError(
            "No engine backends are available: install an engine plugin, then check that "
            "`takopi plugins` lists it (and that `[plugins] enabled` does not hide it)."
        )
    if override:
        engine_id, source = override.strip(), "--engine"
    else:
        configured = getattr(settings, "default_engine", None)
        if configured:
            engine_id, source = str(configured).strip(), f"`default_engine` in {config_path}"
        elif "codex" in engine_ids:
            engine_id, source = "codex", "the built-in default"
        else:
            # Nothing configured and upstream's default is not installed: any engine beats
            # refusing to start, and the pick is stable (sorted ids).
            engine_id, source = engine_ids[0], "the first installed engine"
    if engine_id not in engine_ids:
        available = ", ".join(engine_ids) or "none"
        raise ConfigError(
            f"Unknown default engine {engine_id!r} (from {source}). Available: {available}."
        )
    return engine_id, source


def _build_entry(
    engine_id: str,
    backend: Any,
    *,
    settings: Any,
    config_path: Path,
    distribution: str,
    is_default: bool,
    which: Callable[[str], str | None],
    warnings: list[str],
) -> RunnerEntry | None:
    status: EngineStatus = "ok"
    issue: str | None = None
    try:
        engine_cfg = _engine_config(settings, engine_id, config_path)
    except ConfigError:
        if is_default:
            raise
        # Run with defaults, and say why the user's table was ignored.
        status, engine_cfg = "bad_config", {}
        issue = _engine_config_issue(settings, engine_id, config_path)
    runner: Runner | None = None
    try:
        runner = backend.build_runner(engine_cfg, config_path)
    except Exception as exc:
        error = _build_runner_error(engine_id, distribution, config_path, exc)
        if is_default:
            raise error from exc
        if not engine_cfg:
            warnings.append(f"{engine_id}: {error}")
            return None
        try:
            runner = backend.build_runner({}, config_path)
        except Exception:
            warnings.append(f"{engine_id}: {error}")
            return None
        status, issue = "bad_config", f"{error} (running with default settings)"
    cmd = backend.cli_cmd or backend.id
    if which(cmd) is None:
        missing = f"{cmd} not found on PATH"
        if backend.install_cmd:
            missing = f"{missing} (install: {backend.install_cmd})"
        status, issue = "missing_cli", f"{issue}; {missing}" if issue else missing
    return RunnerEntry(engine=engine_id, runner=runner, status=status, issue=issue)


def _build_runner_error(
    engine_id: str, distribution: str, config_path: Path, exc: BaseException
) -> ConfigError:
    reason = str(exc) or type(exc).__name__
    return ConfigError(
        f"{config_path}: `{engine_id}`: engine {engine_id!r} ({distribution}) could not "
        f"build its runner: {reason}"
    )


def _engine_config(settings: Any, engine_id: str, config_path: Path) -> dict[str, Any]:
    method = getattr(settings, "engine_config", None)
    if method is not None:
        value = method(engine_id, config_path=config_path)
        return value if value is not None else {}
    value = _raw(settings).get(engine_id)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"Invalid `{engine_id}` config in {config_path}; expected a table.")
    return value


def _engine_config_issue(settings: Any, engine_id: str, config_path: Path) -> str:
    try:
        _engine_config(settings, engine_id, config_path)
    except ConfigError as exc:
        return f"{exc} (running with default settings)"
    return "bad config"


def _raw(settings: Any) -> dict[str, Any]:
    raw = getattr(settings, "raw", None)
    return raw if isinstance(raw, dict) else {}


def _plugin_configs(settings: Any) -> dict[str, Any]:
    configs = getattr(settings, "plugin_configs", None)
    if isinstance(configs, dict):
        return configs
    plugins = _raw(settings).get("plugins")
    if not isinstance(plugins, dict):
        return {}
    return {key: value for key, value in plugins.items() if key != "enabled"}


def build_projects(
    settings: Any,
    *,
    config_path: Path,
    engine_ids: Iterable[str],
    reserved: Iterable[str] = CHAT_COMMANDS,
) -> ProjectsConfig:
    """Projects from settings, checked against the engines that are installed."""
    engines = {engine.lower(): engine for engine in engine_ids}
    reserved_ids = {name.lower() for name in reserved}
    projects: dict[str, ProjectConfig] = {}
    chat_map: dict[int | str, str] = {}
    configured = getattr(settings, "projects", None) or {}
    for alias, project in configured.items():
        key = alias.strip().lower()
        if key in engines or key in reserved_ids:
            raise ConfigError(
                f"Invalid project alias {alias!r} in {config_path}; aliases must not match "
                "engine ids or reserved commands."
            )
        if key in projects:
            raise ConfigError(f"Duplicate project alias {alias!r} in {config_path}.")
        path_value = _field(project, "path")
        if not path_value:
            raise ConfigError(f"Missing `projects.{alias}.path` in {config_path}.")
        path = Path(str(path_value)).expanduser()
        if not path.is_absolute():
            path = config_path.parent / path
        default_engine = _field(project, "default_engine")
        if default_engine is not None:
            canonical = engines.get(str(default_engine).strip().lower())
            if canonical is None:
                raise ConfigError(
                    f"Unknown `projects.{alias}.default_engine` {default_engine!r} in "
                    f"{config_path}. Available: {', '.join(sorted(engines.values()))}."
                )
            default_engine = canonical
        chat_id = _field(project, "chat_id")
        if chat_id is not None:
            if chat_id in chat_map:
                raise ConfigError(
                    f"Duplicate `projects.*.chat_id` {chat_id} in {config_path}; already used "
                    f"by {chat_map[chat_id]!r}."
                )
            chat_map[chat_id] = key
        projects[key] = ProjectConfig(
            alias=alias, path=path, default_engine=default_engine, chat_id=chat_id
        )
    default_project = getattr(settings, "default_project", None) or _raw(settings).get(
        "default_project"
    )
    default_key: str | None = None
    if default_project:
        default_key = str(default_project).strip().lower()
        if default_key not in projects:
            raise ConfigError(
                f"Invalid `default_project` {default_project!r} in {config_path}; no matching "
                "project alias found."
            )
    return ProjectsConfig(projects=projects, default_project=default_key, chat_map=chat_map)


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def list_backends(*, allowlist: Iterable[str] | None = None) -> list[Any]:
    """Load every visible engine backend, skipping the ones that fail to load."""
    from takopi_core.plugins.loading import load_backend

    found = discover(list(allowlist) if allowlist is not None else None, kinds=(ENGINE,))
    backends = []
    for entry in found.entries:
        if entry.kind != ENGINE or not entry.enabled:
            continue
        try:
            backends.append(load_backend(ENGINE, entry.id, discovery=found))
        except ConfigError:
            continue
    if not backends:
        raise ConfigError("No engine backends are available.")
    return backends
