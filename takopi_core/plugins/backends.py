"""Backend types a plugin provides: engines, transports and commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:
    from takopi_core.run.command_types import CommandContext, CommandResult
    from takopi_core.run.runner import Runner
    from takopi_core.run.runtime import TransportRuntime

EngineConfig: TypeAlias = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SetupIssue:
    """One problem found by a transport's ``check_setup``: a title and detail lines."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SetupResult:
    """What ``check_setup`` returns; ``ok`` when there is no issue."""

    issues: list[SetupIssue]
    config_path: Path

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass(frozen=True, slots=True)
class EngineBackend:
    """An engine plugin: builds a runner for an agent CLI.

    ``build_runner`` is sync, gets the engine's config table (possibly ``{}``) and the config
    file path, and raises ``ConfigError`` for invalid config. ``cli_cmd`` is the executable
    looked up on PATH (defaults to ``id``); ``install_cmd`` is shown when it is missing.
    """

    id: str
    build_runner: Callable[[EngineConfig, Path], Runner]
    cli_cmd: str | None = None
    install_cmd: str | None = None


@runtime_checkable
class TransportBackend(Protocol):
    """A transport plugin (a chat system). ``interactive_setup`` may be sync or async."""

    id: str
    description: str

    def check_setup(
        self, engine_backend: EngineBackend, *, transport_override: str | None = None
    ) -> SetupResult: ...

    def interactive_setup(self, *, force: bool) -> Any: ...

    def lock_token(self, *, transport_config: Any, config_path: Path) -> str | None: ...

    def build_and_run(
        self,
        *,
        transport_config: Any,
        config_path: Path,
        runtime: TransportRuntime,
        final_notify: bool,
        default_engine_override: str | None,
    ) -> None: ...


@runtime_checkable
class CommandBackend(Protocol):
    """A `/command` plugin with an async ``handle``."""

    id: str
    description: str

    async def handle(self, ctx: CommandContext) -> CommandResult | None: ...


def install_issue(cmd: str, install_cmd: str | None) -> SetupIssue:
    """The setup issue shown when an engine's CLI is not on PATH."""
    if install_cmd:
        return SetupIssue(f"install {cmd}", (f"   $ {install_cmd}",))
    return SetupIssue(f"install {cmd}", ("   See engine setup docs for install instructions.",))
