"""The built-in ``terminal`` transport's backend: a local chat with your engines.

``BACKEND`` is the ``takopi.transport_backends`` entry point: its setup field
(``max_actions``), its checks, its lock token, and ``build_and_run``, which starts a
:class:`~takopi_core.builtins.terminal_chat.TerminalChat`.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from takopi_core.builtins.terminal_chat import TerminalChat
from takopi_core.config.settings import load_settings_if_exists
from takopi_core.config.toml import resolve_config_path
from takopi_core.errors import ConfigError
from takopi_core.plugins.backends import EngineBackend, SetupIssue, SetupResult, install_issue
from takopi_core.plugins.fields import SetupField
from takopi_core.run.guard import run_host_loop
from takopi_core.run.runtime import TransportRuntime

#: Allowed values of ``[transports.terminal] max_actions``.
MAX_ACTIONS_RANGE = (1, 50)


def check_max_actions(value: object) -> str | None:
    """Why ``value`` cannot be ``max_actions`` (None when it can): the field's validator."""
    low, high = MAX_ACTIONS_RANGE
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be a whole number"
    if not low <= value <= high:
        return f"must be between {low} and {high}"
    return None


def max_actions_setting(transport_config: object, config_path: Path) -> int:
    """``[transports.terminal] max_actions`` (default 5); ConfigError naming the key if bad."""
    table = transport_config if isinstance(transport_config, dict) else {}
    value = table.get("max_actions", 5)
    problem = check_max_actions(value)
    if problem:
        raise ConfigError(f"{config_path}: `transports.terminal.max_actions` {problem}")
    return int(value)


class TerminalBackend:
    """``TransportBackend`` of the terminal chat: no account, no token, no setup needed."""

    id = "terminal"
    description = "Local chat in this terminal (no account needed)"
    #: What `takopi setup terminal` and the TUI's wizard ask (see takopi_core.plugins.fields).
    setup_fields: tuple[SetupField, ...] = (
        SetupField(
            "max_actions",
            "Progress lines",
            help="How many of the engine's latest steps the progress message shows "
            f"({MAX_ACTIONS_RANGE[0]}-{MAX_ACTIONS_RANGE[1]}).",
            default=5,
            kind="int",
            validate=check_max_actions,
        ),
    )

    def check_setup(
        self, engine_backend: EngineBackend, *, transport_override: str | None = None
    ) -> SetupResult:
        """Problems that stop a chat: an unreadable config, the engine's CLI missing."""
        config_path = resolve_config_path()
        issues: list[SetupIssue] = []
        try:
            load_settings_if_exists(config_path)
        except ConfigError as exc:
            lines = tuple(f"   {line}" for line in str(exc).splitlines())
            issues.append(SetupIssue("fix the config", lines))
        cmd = engine_backend.cli_cmd or engine_backend.id
        if shutil.which(cmd) is None:
            issues.append(install_issue(cmd, engine_backend.install_cmd))
        return SetupResult(issues=issues, config_path=config_path)

    async def interactive_setup(self, *, force: bool) -> bool:
        """Nothing to set up: the terminal needs no account or token."""
        return True

    def lock_token(self, *, transport_config: object, config_path: Path) -> str | None:
        """One chat per terminal: the token is the controlling terminal (or the process)."""
        for stream in (sys.stdin, sys.stdout):
            try:
                return f"terminal:{os.ttyname(stream.fileno())}"
            except (OSError, AttributeError, ValueError):
                continue
        return f"terminal:pid:{os.getpid()}"

    def build_and_run(
        self,
        *,
        transport_config: object,
        config_path: Path,
        runtime: TransportRuntime,
        final_notify: bool,
        default_engine_override: str | None,
    ) -> None:
        chat = TerminalChat(
            runtime,
            final_notify=final_notify,
            config_path=config_path,
            default_engine_override=default_engine_override,
        )
        chat.presenter.formatter.max_actions = max_actions_setting(transport_config, config_path)
        # Not anyio.run: a command plugin that ignores cancellation must not keep the
        # session from ending (see run_host_loop).
        run_host_loop(chat.run)


BACKEND = TerminalBackend()
