"""``codex exec --json`` lines -> takopi events.

Codex prints one JSON object a line: ``thread.started`` (the session id), ``turn.started``,
``item.started/updated/completed`` (an ``item`` with ``id`` and ``type``), ``turn.completed``
(with ``usage``), ``turn.failed`` and ``error``. :class:`CodexStream` keeps one run's state
and maps each decoded line to events; it starts no process, so recorded lines test it.

Lines are read leniently: a missing optional field does not drop the line (upstream's strict
schema did), unknown item types and ``collab_tool_call`` produce nothing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from takopi_core.run.events import EventFactory
from takopi_core.run.model import (
    ActionEvent,
    ActionPhase,
    ResumeToken,
    TakopiEvent,
    new_action_event,
)

ENGINE = "codex"

_RECONNECT = re.compile(r"^Reconnecting\.{3}\s*(?P<attempt>\d+)/(?P<max>\d+)\s*$", re.IGNORECASE)
_PHASES: dict[str, ActionPhase] = {
    "item.started": "started",
    "item.updated": "updated",
    "item.completed": "completed",
}


class CodexStream:
    """One Codex run's translation state. ``title`` is the started event's title (the
    profile, else ``Codex``); ``base`` is the run directory, removed from command titles."""

    def __init__(self, *, title: str = "Codex", base: Path) -> None:
        self.factory = EventFactory(ENGINE)
        self.title = title
        self.base = base
        # What relative_command removes from command titles, built once per run rather than
        # once per command line of a long stream.
        self._base_prefix = f"{base}{os.sep}"
        self.note_seq = 0
        self.turn_index = 0
        # The current turn's last agent message with phase final_answer, and its last one
        # without a phase (kept apart so choosing the answer does not rescan the turn).
        self.last_final: str | None = None
        self.last_plain: str | None = None

    # -- the answer -------------------------------------------------------------------------

    @property
    def answer(self) -> str:
        """The turn's last ``final_answer`` message, else its last one without a phase;
        commentary (or any other phase) never."""
        if self.last_final is not None:
            return self.last_final
        return self.last_plain or ""

    # -- lines ------------------------------------------------------------------------------

    def feed(
        self, data: Any, *, resume: ResumeToken | None, found_session: ResumeToken | None
    ) -> list[TakopiEvent]:
        """Events for one decoded line (``[]`` for lines that say nothing to show)."""
        if not isinstance(data, dict):
            return []
        kind = data.get("type")
        phase = _PHASES.get(kind)  # type: ignore[arg-type]
        if phase is not None:  # item lines: nearly every line of a run, so checked first
            item = data.get("item")
            if not isinstance(item, dict):
                return []
            item_id, item_type = item.get("id"), item.get("type")
            if not isinstance(item_id, str) or not isinstance(item_type, str):
                return []
            handler = _ITEM_HANDLERS.get(item_type)
            if handler is None:  # unknown types and collab_tool_call: nothing to show
                return []
            return handler(self, phase, item_id, item)
        if kind == "thread.started":
            thread_id = data.get("thread_id")
            if not isinstance(thread_id, str) or not thread_id:
                return []
            return [self.factory.started(ResumeToken(ENGINE, thread_id), title=self.title)]
        if kind == "turn.started":
            action_id = f"turn_{self.turn_index}"
            self.turn_index += 1
            self.last_final = self.last_plain = None
            return [
                self.factory.action_started(action_id=action_id, kind="turn", title="turn started")
            ]
        if kind == "turn.completed":
            usage = data.get("usage")
            return [
                self.factory.completed_ok(
                    answer=self.answer,
                    resume=found_session or resume,
                    usage=dict(usage) if isinstance(usage, dict) else None,
                )
            ]
        if kind == "turn.failed":
            error = data.get("error")
            message = error.get("message") if isinstance(error, dict) else None
            return [
                self.factory.completed_error(
                    error=str(message or "codex turn failed"),
                    answer=self.answer,
                    resume=found_session or resume,
                )
            ]
        if kind == "error":
            return [self._stream_error(str(data.get("message") or "codex error"))]
        return []

    def _stream_error(self, message: str) -> ActionEvent:
        """A reconnect notice (one note that flips to updated) or a warning: never an end."""
        match = _RECONNECT.match(message)
        if match is not None:
            attempt, limit = int(match["attempt"]), int(match["max"])
            return self.factory.action(
                phase="started" if attempt <= 1 else "updated",
                action_id="codex.reconnect",
                kind="note",
                title=message,
                detail={"attempt": attempt, "max": limit},
                level="info",
            )
        return self.warning(message)

    def warning(self, message: str, detail: dict[str, Any] | None = None) -> ActionEvent:
        """A completed warning action with its own id (``codex.note.<n>``)."""
        self.note_seq += 1
        return self.factory.action_completed(
            action_id=f"codex.note.{self.note_seq}",
            kind="warning",
            title=message,
            ok=False,
            detail=detail,
            message=message,
            level="warning",
        )

    # -- items ------------------------------------------------------------------------------

    def _agent_message(self, phase: ActionPhase, item_id: str, item: dict[str, Any]) -> list[Any]:
        text = str(item.get("text") or "")
        message_phase = item.get("phase")
        message_phase = message_phase if isinstance(message_phase, str) else None
        if phase == "completed":
            if message_phase == "final_answer":
                self.last_final = text
            elif not message_phase:
                self.last_plain = text
        if message_phase != "commentary":
            return []
        return [self._action(phase, item_id, "note", text, detail={"phase": "commentary"}, ok=True)]

    def _reasoning(self, phase: ActionPhase, item_id: str, item: dict[str, Any]) -> list[Any]:
        return [self._action(phase, item_id, "note", str(item.get("text") or ""), ok=True)]

    def _command(self, phase: ActionPhase, item_id: str, item: dict[str, Any]) -> list[Any]:
        # relative_command(command, self.base), with the prefix built once.
        title = str(item.get("command") or "").replace(self._base_prefix, "")
        if phase != "completed":
            return [self._action(phase, item_id, "command", title)]
        exit_code = item.get("exit_code")
        status = item.get("status")
        ok = status == "completed"
        if isinstance(exit_code, int) and not isinstance(exit_code, bool):
            ok = ok and exit_code == 0
        detail = {"exit_code": exit_code, "status": status}
        return [self._action(phase, item_id, "command", title, detail=detail, ok=ok)]

    def _mcp_call(self, phase: ActionPhase, item_id: str, item: dict[str, Any]) -> list[Any]:
        server, tool = item.get("server"), item.get("tool")
        title = ".".join(str(part) for part in (server, tool) if part) or "tool"
        status = item.get("status")
        detail: dict[str, Any] = {
            "server": server,
            "tool": tool,
            "status": status,
            "arguments": item.get("arguments"),
        }
        if phase != "completed":
            return [self._action(phase, item_id, "tool", title, detail=detail)]
        error = item.get("error")
        if error is not None:
            message = error.get("message") if isinstance(error, dict) else error
            detail["error_message"] = str(message)
        summary = _result_summary(item.get("result"))
        if summary is not None:
            detail["result_summary"] = summary
        ok = status == "completed" and error is None
        return [self._action(phase, item_id, "tool", title, detail=detail, ok=ok)]

    def _web_search(self, phase: ActionPhase, item_id: str, item: dict[str, Any]) -> list[Any]:
        query = str(item.get("query") or "")
        return [self._action(phase, item_id, "web_search", query, detail={"query": query}, ok=True)]

    def _file_change(self, phase: ActionPhase, item_id: str, item: dict[str, Any]) -> list[Any]:
        if phase != "completed":
            return []
        raw = item.get("changes")
        raw_changes = raw if isinstance(raw, list) else []
        changes: list[dict[str, str]] = []
        for change in raw_changes:
            if not isinstance(change, dict):
                continue
            path = change.get("path")
            if not isinstance(path, str) or not path:
                continue
            entry = {"path": path}
            if isinstance(change.get("kind"), str) and change["kind"]:
                entry["kind"] = change["kind"]
            changes.append(entry)
        if changes:
            title = ", ".join(change["path"] for change in changes)
        else:
            title = f"{len(raw_changes)} files" if raw_changes else "files"
        status = item.get("status")
        detail = {"changes": changes, "status": status, "error": None}
        return [
            self._action(
                phase, item_id, "file_change", title, detail=detail, ok=status == "completed"
            )
        ]

    def _todo_list(self, phase: ActionPhase, item_id: str, item: dict[str, Any]) -> list[Any]:
        raw = item.get("items")
        entries = (
            [entry for entry in raw if isinstance(entry, dict)] if isinstance(raw, list) else []
        )
        done = sum(1 for entry in entries if entry.get("completed") is True)
        pending = next((e for e in entries if e.get("completed") is not True), None)
        if not entries:
            title = "todo"
        elif pending is not None:
            title = f"todo {done}/{len(entries)}: {pending.get('text')}"
        else:
            title = f"todo {done}/{len(entries)}: done"
        detail = {"done": done, "total": len(entries)}
        return [self._action(phase, item_id, "note", title, detail=detail, ok=True)]

    def _error_item(self, phase: ActionPhase, item_id: str, item: dict[str, Any]) -> list[Any]:
        if phase != "completed":
            return []
        message = str(item.get("message") or "")
        return [
            self.factory.action_completed(
                action_id=item_id,
                kind="warning",
                title=message,
                detail={"message": message},
                ok=False,
                message=message,
                level="warning",
            )
        ]

    def _action(
        self,
        phase: ActionPhase,
        item_id: str,
        kind: Any,
        title: str,
        *,
        detail: dict[str, Any] | None = None,
        ok: bool | None = None,
    ) -> ActionEvent:
        """``ok`` is only reported on the completed phase. Built directly (not through the
        factory): this runs once per line of a long stream."""
        return new_action_event(
            ENGINE,
            item_id,
            kind,
            title,
            detail if detail is not None else {},
            phase,
            ok if phase == "completed" else None,
        )


def _result_summary(result: Any) -> dict[str, Any] | None:
    """How many content blocks an MCP result has (never the blocks: they can be huge)."""
    if not isinstance(result, dict):
        return None
    summary: dict[str, Any] = {}
    content = result.get("content")
    if isinstance(content, list):
        summary["content_blocks"] = len(content)
    elif content is not None:
        summary["content_blocks"] = 1
    for key in ("structured_content", "structured"):
        if key in result:
            summary["has_structured"] = result[key] is not None
            break
    return summary or None


_ITEM_HANDLERS = {
    "agent_message": CodexStream._agent_message,
    "reasoning": CodexStream._reasoning,
    "command_execution": CodexStream._command,
    "mcp_tool_call": CodexStream._mcp_call,
    "web_search": CodexStream._web_search,
    "file_change": CodexStream._file_change,
    "todo_list": CodexStream._todo_list,
    "error": CodexStream._error_item,
}
