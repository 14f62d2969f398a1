"""Per-run engine options (model, reasoning level) as the built-in runners read them.

The options live in ``takopi_core.run.options`` (upstream's ``get_run_options`` /
``apply_run_options``); the host sets them around each run from the chat's ``/model`` and
``/reasoning`` overrides. A runner reads them when it builds the CLI's arguments, and they
win over the model from the engine's config table.
"""

from __future__ import annotations

from takopi_core.run.options import EngineRunOptions, apply_run_options, get_run_options

#: The same context manager as ``apply_run_options`` (the name the engine tests use).
run_options = apply_run_options

__all__ = ["EngineRunOptions", "apply_run_options", "current_run_options", "run_options"]


def current_run_options() -> EngineRunOptions:
    """The options of the run being started (empty when none were set)."""
    return get_run_options() or EngineRunOptions()
