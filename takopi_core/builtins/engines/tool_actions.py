"""Upstream's tool-call helpers for engine plugins, with its signatures (``base`` implied).

Engines that turn tool calls into actions import these as ``takopi.runners.tool_actions``;
paths and commands are shown relative to the run's base folder, as the built-in engines do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from takopi_core.builtins.engines import tools
from takopi_core.run.model import ActionKind


def tool_input_path(tool_input: Mapping[str, Any], *, path_keys: Sequence[str]) -> str | None:
    """The first non-empty string among ``path_keys`` of ``tool_input``, if any."""
    return tools.first_text(tool_input, path_keys)


def tool_kind_and_title(
    tool_name: str,
    tool_input: Mapping[str, Any],
    *,
    path_keys: Sequence[str],
    task_kind: ActionKind = "subagent",
) -> tuple[ActionKind, str]:
    """How a tool call shows in the progress list: its action kind and title."""
    return tools.tool_kind_and_title(
        tool_name, tool_input, path_keys=path_keys, base=tools.run_base_dir(), task_kind=task_kind
    )
