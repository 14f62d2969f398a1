"""``TransportRuntime``: what a transport asks the host while it runs.

It answers "which engine and session does this message go to, in which project", holds the
configured engines (with their availability) and projects, and hands out plugin config.
Building one from settings is :mod:`takopi_core.run.assembly`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from takopi_core.errors import ConfigError
from takopi_core.plugins.discovery import normalize_allowlist
from takopi_core.run.context import RunContext
from takopi_core.run.directives import (
    DirectiveError,
    format_context_line,
    parse_context_line,
    parse_directives,
)
from takopi_core.run.model import EngineId, ResumeToken
from takopi_core.run.router import AutoRouter, EngineStatus
from takopi_core.run.runner import Runner

if TYPE_CHECKING:
    from takopi_core.run.gate import PluginGate

__all__ = [
    "ContextSource",
    "DirectiveError",
    "ProjectConfig",
    "ProjectsConfig",
    "ResolvedMessage",
    "ResolvedRunner",
    "TransportRuntime",
]

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
        "_gate",
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
        gate: PluginGate | None = None,
    ) -> None:
        self._gate = gate
        self._assign(
            router=router,
            projects=projects,
            allowlist=allowlist,
            config_path=config_path,
            plugin_configs=plugin_configs,
            watch_config=watch_config,
        )

    def update(
        self,
        *,
        router: AutoRouter,
        projects: ProjectsConfig,
        allowlist: Iterable[str] | None = None,
        config_path: Path | None = None,
        plugin_configs: Mapping[str, Any] | None = None,
        watch_config: bool = False,
        gate: PluginGate | None = None,
    ) -> None:
        """Replace everything in place (a config reload keeps the same runtime object)."""
        if gate is not None:
            self._gate = gate
        self._assign(
            router=router,
            projects=projects,
            allowlist=allowlist,
            config_path=config_path,
            plugin_configs=plugin_configs,
            watch_config=watch_config,
        )

    def _assign(
        self,
        *,
        router: AutoRouter,
        projects: ProjectsConfig,
        allowlist: Iterable[str] | None,
        config_path: Path | None,
        plugin_configs: Mapping[str, Any] | None,
        watch_config: bool,
    ) -> None:
        self._router = router
        self._projects = projects
        self._allowlist = normalize_allowlist(list(allowlist) if allowlist is not None else None)
        self._config_path = config_path
        self._plugin_configs = dict(plugin_configs or {})
        self._watch_config = watch_config

    # --- engines -------------------------------------------------------------------------

    @property
    def default_engine(self) -> EngineId:
        return self._router.default_engine

    @property
    def engine_ids(self) -> tuple[EngineId, ...]:
        """Every configured engine, available or not."""
        return self._router.engine_ids

    def available_engine_ids(self) -> tuple[EngineId, ...]:
        """Engines that can run now (CLI installed, not disabled by a fault)."""
        return tuple(entry.engine for entry in self._router.available_entries)

    def engine_ids_with_status(self, status: EngineStatus) -> tuple[EngineId, ...]:
        return tuple(entry.engine for entry in self._router.entries if entry.status == status)

    def missing_engine_ids(self) -> tuple[EngineId, ...]:
        """Engines whose CLI is not on PATH."""
        return self.engine_ids_with_status("missing_cli")

    def engine_issues(self) -> dict[EngineId, str]:
        """What is wrong with each engine that has a problem (missing CLI, bad config)."""
        return {e.engine: e.problem for e in self._router.entries if e.problem}

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
            engine=entry.engine,
            runner=entry.runner,
            available=entry.available,
            issue=entry.problem,
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

    @property
    def plugin_gate(self) -> PluginGate | None:
        """The probe's verdicts when plugins are checked before import (``takopi run``)."""
        return self._gate

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
