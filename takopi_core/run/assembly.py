"""Building a ``TransportRuntime`` from ``Settings``: engines, runners, projects.

``build_runtime_spec`` loads the engine plugins in-process (this is the run path), builds
their runners, and decides which problems are fatal (the default engine's) and which are
warnings (any other engine's). ``build_projects`` checks ``[projects.*]`` against the engines
that are installed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from takopi_core.config.settings import Settings
from takopi_core.errors import ConfigError
from takopi_core.ids import CHAT_COMMANDS, ENGINE, FALLBACK_ENGINE
from takopi_core.plugins.discovery import Discovery, PluginEntry, discover
from takopi_core.run.backend_lookup import get_backends
from takopi_core.run.gate import PluginGate
from takopi_core.run.guard import (
    GuardedRunner,
    PluginFault,
    guarded_call,
    load_plugin,
    runner_problem,
)
from takopi_core.run.logs import get_logger
from takopi_core.run.router import AutoRouter, EngineStatus, RunnerEntry
from takopi_core.run.runtime import ProjectConfig, ProjectsConfig, TransportRuntime

__all__ = [
    "RuntimeSpec",
    "build_projects",
    "build_runtime_spec",
    "list_backends",
    "pick_default_engine",
]

_logger = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RuntimeSpec:
    """Everything a ``TransportRuntime`` is made of, plus the warnings found on the way."""

    router: AutoRouter
    projects: ProjectsConfig
    allowlist: tuple[str, ...] | None
    plugin_configs: dict[str, Any]
    watch_config: bool = False
    warnings: tuple[str, ...] = ()
    #: The probe's verdicts (``takopi run``): commands are imported through it too.
    gate: PluginGate | None = None

    def to_runtime(self, *, config_path: Path | None) -> TransportRuntime:
        return TransportRuntime(
            router=self.router,
            projects=self.projects,
            allowlist=self.allowlist,
            config_path=config_path,
            plugin_configs=self.plugin_configs,
            watch_config=self.watch_config,
            gate=self.gate,
        )

    def apply(self, runtime: TransportRuntime, *, config_path: Path | None) -> None:
        runtime.update(
            router=self.router,
            projects=self.projects,
            allowlist=self.allowlist,
            config_path=config_path,
            plugin_configs=self.plugin_configs,
            watch_config=self.watch_config,
            gate=self.gate,
        )


def build_runtime_spec(
    *,
    settings: Settings,
    config_path: Path,
    default_engine_override: str | None = None,
    reserved: Iterable[str] = CHAT_COMMANDS,
    discovery: Discovery | None = None,
    which: Callable[[str], str | None] = shutil.which,
    gate: PluginGate | None = None,
) -> RuntimeSpec:
    """Load the engines and projects ``settings`` describe.

    Fatal (ConfigError): an unknown or unloadable default engine, a default engine whose CLI
    is missing or whose runner cannot be built, invalid projects. Everything wrong with any
    other engine is a warning: it is dropped (cannot load or build) or kept unavailable
    (CLI missing, a runner that is not a ``Runner``) so users get a clear reply when they ask
    for it. With a ``gate`` (the probe's verdicts) an engine that failed its check is never
    imported. Every runner is wrapped in a ``GuardedRunner``.
    """
    enabled = list(settings.enabled) or None
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
            _check_gate(gate, discovery, engine_id)
            backends[engine_id] = load_plugin(ENGINE, engine_id, discovery=discovery)
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
        if entry.status != "ok" and not _quiet_missing_cli(
            entry, discovery.find(ENGINE, engine_id)
        ):
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
        plugin_configs=settings.plugin_configs,
        watch_config=settings.watch_config is True,
        warnings=tuple(warnings),
        gate=gate,
    )


def _quiet_missing_cli(entry: RunnerEntry, plugin: PluginEntry | None) -> bool:
    """A built-in engine whose CLI is not installed is not a start-up warning: the chat's
    banner lists it as not installed, and asking for it replies with its install command.
    Every user has all four built-ins, and most use one."""
    return entry.status == "missing_cli" and plugin is not None and plugin.builtin


def _check_gate(gate: PluginGate | None, discovery: Discovery, engine_id: str) -> None:
    entry = discovery.find(ENGINE, engine_id)
    if gate is None or entry is None:
        return
    problem = gate.problem(entry)
    if problem is not None:
        raise ConfigError(
            f"Engine {engine_id!r} ({entry.dist_label}) skipped: its check failed: {problem}"
        )


def pick_default_engine(
    settings: Settings, config_path: Path, override: str | None, engine_ids: list[str]
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
        configured = settings.default_engine
        if configured:
            engine_id, source = str(configured).strip(), f"`default_engine` in {config_path}"
        elif FALLBACK_ENGINE in engine_ids:
            engine_id, source = FALLBACK_ENGINE, "the built-in default"
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
    settings: Settings,
    config_path: Path,
    distribution: str,
    is_default: bool,
    which: Callable[[str], str | None],
    warnings: list[str],
) -> RunnerEntry | None:
    status: EngineStatus = "ok"
    issue: str | None = None
    try:
        engine_cfg = settings.engine_config(engine_id, config_path=config_path)
    except ConfigError as exc:
        if is_default:
            raise
        # Run with defaults, and say why the user's table was ignored.
        status, engine_cfg = "bad_config", {}
        issue = f"{exc} (running with default settings)"
    runner: object = None
    try:
        runner = _call_build_runner(backend, engine_cfg, config_path)
    except Exception as exc:
        error = _build_runner_error(engine_id, distribution, config_path, exc)
        if is_default:
            raise error from exc
        if not engine_cfg:
            warnings.append(f"{engine_id}: {error}")
            return None
        try:
            runner = _call_build_runner(backend, {}, config_path)
        except Exception:
            warnings.append(f"{engine_id}: {error}")
            return None
        status, issue = "bad_config", f"{error} (running with default settings)"
    problem = runner_problem(engine_id, runner)
    if problem is not None:
        # Not a Runner: unavailable, with the reason, and never called.
        text = f"engine {engine_id!r} ({distribution}) cannot run: {problem}"
        if is_default:
            raise ConfigError(f"Default engine {engine_id!r} unavailable: {text}")
        return RunnerEntry(
            engine=engine_id,
            runner=GuardedRunner(engine_id, runner, distribution=distribution, fault=problem),
            status="load_error",
            issue=text,
        )
    guarded = GuardedRunner(engine_id, runner, distribution=distribution)
    cmd = backend.cli_cmd or backend.id
    if which(cmd) is None:
        missing = f"{cmd} not found on PATH"
        if backend.install_cmd:
            missing = f"{missing} (install: {backend.install_cmd})"
        status, issue = "missing_cli", f"{issue}; {missing}" if issue else missing
    return RunnerEntry(engine=engine_id, runner=guarded, status=status, issue=issue)


def _call_build_runner(backend: Any, config: dict[str, Any], config_path: Path) -> object:
    """``backend.build_runner``; ``SystemExit`` and a plugin's ``KeyboardInterrupt`` are its
    faults (a ``PluginFault``), like any exception."""
    try:
        return guarded_call("build_runner()", backend.build_runner, config, config_path)
    except PluginFault as fault:
        cause = fault.__cause__
        if isinstance(cause, Exception):
            raise cause from None  # its own message, as before
        raise


def _build_runner_error(
    engine_id: str, distribution: str, config_path: Path, exc: BaseException
) -> ConfigError:
    reason = str(exc) or type(exc).__name__
    return ConfigError(
        f"{config_path}: `{engine_id}`: engine {engine_id!r} ({distribution}) could not "
        f"build its runner: {reason}"
    )


def build_projects(
    settings: Settings,
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
    for alias, project in settings.projects.items():
        key = alias.strip().lower()
        if key in engines or key in reserved_ids:
            raise ConfigError(
                f"Invalid project alias {alias!r} in {config_path}; aliases must not match "
                "engine ids or reserved commands."
            )
        if key in projects:
            raise ConfigError(f"Duplicate project alias {alias!r} in {config_path}.")
        # Settings made the path absolute (from the config file's folder).
        path = project.path
        default_engine = project.default_engine
        if default_engine is not None:
            canonical = engines.get(default_engine.strip().lower())
            if canonical is None:
                raise ConfigError(
                    f"Unknown `projects.{alias}.default_engine` {default_engine!r} in "
                    f"{config_path}. Available: {', '.join(sorted(engines.values()))}."
                )
            default_engine = canonical
        chat_id = project.chat_id
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
    default_key: str | None = None
    if settings.default_project:
        default_key = settings.default_project.strip().lower()
        if default_key not in projects:
            raise ConfigError(
                f"Invalid `default_project` {settings.default_project!r} in {config_path}; "
                "no matching project alias found."
            )
    return ProjectsConfig(projects=projects, default_project=default_key, chat_map=chat_map)


def list_backends(*, allowlist: Iterable[str] | None = None) -> list[Any]:
    """Load every visible engine backend, skipping the ones that fail to load."""
    backends = list(get_backends(allowlist=allowlist).values())
    if not backends:
        raise ConfigError("No engine backends are available.")
    return backends
