"""Shared pieces of the stream translators: tool names to action kinds and titles, paths
and commands shown relative to the run directory, text out of content blocks."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from takopi_core.run.context import get_run_base_dir
from takopi_core.run.model import ActionKind


def run_base_dir() -> Path:
    """The directory the engine runs in: the run's base dir, else our cwd."""
    return get_run_base_dir() or Path.cwd()


def relative_path(value: str, base: Path) -> str:
    """``value`` without the ``base/`` prefix (``.`` for ``base`` itself); other paths as is."""
    if not value:
        return value
    base_text = str(base)
    if value == base_text:
        return "."
    for sep in {os.sep, "/"}:
        prefix = base_text if base_text.endswith(sep) else base_text + sep
        if value.startswith(prefix):
            return value[len(prefix) :] or "."
    return value


def relative_command(command: str, base: Path) -> str:
    """``command`` with every ``base/`` removed, so titles stay short."""
    return command.replace(f"{base}{os.sep}", "")


def first_text(mapping: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    """The first non-empty string among ``mapping[key]`` for ``keys``."""
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, str) and value:
            return value
    return None


_COMMAND_TOOLS = frozenset({"bash", "shell", "killshell"})
_FILE_TOOLS = frozenset({"edit", "write", "multiedit", "notebookedit"})


def tool_kind_and_title(
    name: str,
    tool_input: Mapping[str, Any],
    *,
    path_keys: Sequence[str],
    base: Path,
    task_kind: ActionKind = "subagent",
) -> tuple[ActionKind, str]:
    """How a tool call shows in the progress list (tool names compared case-insensitively)."""
    lower = name.lower()
    path = first_text(tool_input, path_keys)
    pattern = tool_input.get("pattern")
    if lower in _COMMAND_TOOLS:
        return "command", relative_command(str(tool_input.get("command") or name), base)
    if lower in _FILE_TOOLS:
        return "file_change", relative_path(path, base) if path else name
    if lower == "read":
        return "tool", f"read: `{relative_path(path, base)}`" if path else "read"
    if lower == "glob":
        return "tool", f"glob: `{pattern}`" if pattern else "glob"
    if lower in ("grep", "find"):
        return "tool", f"{lower}: {pattern}" if pattern else lower
    if lower == "ls":
        return "tool", f"ls: `{relative_path(path, base)}`" if path else "ls"
    if lower in ("websearch", "web_search"):
        return "web_search", str(tool_input.get("query") or "search")
    if lower in ("webfetch", "web_fetch"):
        return "web_search", str(tool_input.get("url") or "fetch")
    if lower in ("todowrite", "todoread"):
        return "note", "update todos" if lower == "todowrite" else "read todos"
    if lower == "askuserquestion":
        return "note", "ask user"
    if lower in ("task", "agent"):
        described = tool_input.get("description") or tool_input.get("prompt")
        return task_kind, str(described or name)
    return "tool", name


def file_changes(kind: ActionKind, tool_input: Mapping[str, Any], path_keys: Sequence[str]) -> Any:
    """``[{"path": ..., "kind": "update"}]`` for a file tool with a path, else None."""
    if kind != "file_change":
        return None
    path = first_text(tool_input, path_keys)
    return [{"path": path, "kind": "update"}] if path else None


def joined_text(blocks: Any, *, sep: str) -> str:
    """The ``text`` parts of content blocks (or a plain string) joined by ``sep``."""
    if blocks is None:
        return ""
    if isinstance(blocks, str):
        return blocks
    if isinstance(blocks, Mapping):
        text = blocks.get("text")
        return text if isinstance(text, str) else str(dict(blocks))
    if isinstance(blocks, list):
        parts: list[str] = []
        for block in blocks:
            if isinstance(block, str) and block:
                parts.append(block)
            elif isinstance(block, Mapping):
                text = block.get("text")
                if isinstance(text, str) and text:
                    parts.append(text)
        return sep.join(parts)
    return str(blocks)
