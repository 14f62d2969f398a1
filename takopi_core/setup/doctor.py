"""`takopi doctor`: the report (:class:`DoctorReport`) and :func:`run_doctor`, which runs
every check in order (printing lives in cli/doctor.py).

Each check says ok, warning or error, with a one-line summary, detail lines and what to do.
Plugin code runs only in the probe (a child process): the chosen transport's
``check_setup``, plugin load errors, engines' CLI names and declared setup fields all come
from there; PATH lookups, file modes and the lock are read here. The checks themselves live
by subject: doctor_config (config and files), doctor_plugins (transport, engines, plugins),
doctor_lock (the instance lock); :class:`Check` is in doctor_check.

``fix=True`` repairs what is safe to repair: the config file's mode (0600), its folder's
(0700), its backup's, and a stale lock file left by a run that is gone.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from takopi_core._child import child_environment
from takopi_core.plugins.discovery import discover
from takopi_core.plugins.probe import DEFAULT_TIMEOUT, LoadResult, Probe, default_workers
from takopi_core.plugins.setup_engine import setup_engine_for
from takopi_core.setup.doctor_check import ERROR, WARNING, Check, DoctorState
from takopi_core.setup.doctor_config import (
    check_config,
    check_modes,
    check_secrets,
    check_unknown_keys,
    secret_values,
)
from takopi_core.setup.doctor_lock import check_lock
from takopi_core.setup.doctor_plugins import check_engines, check_plugins, check_transport


@dataclass(slots=True)
class DoctorReport:
    """Every check, in the order they ran."""

    config_path: Path
    checks: list[Check] = field(default_factory=list)
    #: Values to mask in every output (secrets found in the config).
    secrets: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.status == ERROR]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.status == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def find(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "config_path": str(self.config_path),
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "checks": [c.to_json() for c in self.checks],
        }


# --- the run ---------------------------------------------------------------------------------


def run_doctor(
    config_path: Path,
    *,
    fix: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    search_path: Sequence[str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
    env: Mapping[str, str] | None = None,
) -> DoctorReport:
    """Run every check on ``config_path``; ``fix`` repairs file modes and stale locks."""
    report = DoctorReport(config_path=config_path)
    state = DoctorState()
    report.checks.append(check_config(config_path, state))
    state.discovery = discover(state.enabled, path=list(search_path) if search_path else None)
    state.results = _probe(state, timeout=timeout, env=_child_env(config_path, search_path, env))
    report.secrets = secret_values(state)
    if state.data is not None:
        report.checks.append(check_unknown_keys(state))
    report.checks.extend(check_modes(config_path, fix=fix))
    report.checks.append(check_secrets(config_path, state, report.secrets))
    report.checks.append(check_transport(state))
    report.checks.extend(check_engines(state, which))
    report.checks.append(check_plugins(state))
    report.checks.append(check_lock(config_path, fix=fix))
    return report


def _child_env(
    config_path: Path, search_path: Sequence[str] | None, base: Mapping[str, str] | None
) -> dict[str, str]:
    return child_environment(config_path, search_path, base)


def _probe(
    state: DoctorState, *, timeout: float, env: Mapping[str, str]
) -> dict[tuple[str, str, str | None], LoadResult]:
    """One probe run over every visible plugin; transports' check_setup runs with the
    default engine (as in the TUI), and the report reads the chosen transport's."""
    assert state.discovery is not None
    visible = state.discovery.visible()
    if not visible:
        return {}
    engine = setup_engine_for(state.discovery.entries, state.default_engine)
    probe = Probe(
        visible,
        timeout=timeout,
        setup_engine=engine,
        env=env,
        workers=default_workers(),  # a hanging plugin holds one slot, not the whole report
        timeout_hint="takopi doctor --timeout {seconds}",
    )
    return {result.key: result for result in probe.results()}
