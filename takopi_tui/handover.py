"""What the setup wizard hands over: to the app (its outcome), from the app (the setup
service), and to a transport's own interactive setup (the terminal, through a seam).

No widgets here: the app imports these types without loading the wizard, and tests inject
their own :data:`HandOver` (a headless driver cannot suspend).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.app import App

    from takopi_core.config.file import ConfigFile
    from takopi_core.plugins.discovery import PluginEntry
    from takopi_core.setup.flow import Survey, TransportChoice


class SetupService(Protocol):
    """What the wizard needs from :class:`takopi_core.setup.flow.SetupSession`."""

    config_path: Path

    def survey(self, config: ConfigFile | None = None) -> Survey: ...

    def check(self, transport: PluginEntry, engine_id: str | None) -> TransportChoice: ...

    def validate(self, transport: PluginEntry, values: Any, keys: Any) -> dict[str, str]: ...

    def child_env(self) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class HandOverRequest:
    """Run ``command`` with the terminal handed over; ``transport_id`` is for messages."""

    transport_id: str
    command: list[str]
    env: dict[str, str]


#: Runs a transport's own setup with the terminal: returns its exit status, or raises
#: HandOverUnavailable. The default suspends the app; tests inject their own.
HandOver = Callable[["App[Any]", HandOverRequest], int]


class HandOverUnavailable(RuntimeError):
    """This terminal cannot be handed over (a headless or test driver)."""


def suspend_and_run(app: App[Any], request: HandOverRequest) -> int:
    """Suspend the app, run the command with the real terminal, wait for Enter, resume."""
    from textual.app import SuspendNotSupported

    try:
        with app.suspend():
            status = subprocess.call(request.command, env=request.env)
            print(
                f"\n[takopi] the setup of {request.transport_id} ended (status {status}); "
                "press Enter to go back to takopi tui",
                flush=True,
            )
            with contextlib.suppress(EOFError):
                input()
    except SuspendNotSupported as exc:
        raise HandOverUnavailable(str(exc) or "this terminal cannot be suspended") from None
    return status


@dataclass(frozen=True, slots=True)
class WizardOutcome:
    """What the wizard did: whether it wrote the config, and the last check."""

    transport_id: str
    saved: bool
    check: TransportChoice | None


def own_setup_command(transport_id: str, config_path: Path) -> list[str]:
    """`takopi setup ID --own-setup --force`, with this interpreter and this config."""
    return [
        sys.executable,
        "-m",
        "takopi_core",
        "setup",
        transport_id,
        "--own-setup",
        "--force",
        "--config",
        str(config_path),
    ]
