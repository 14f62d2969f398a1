"""``opencode run --format json`` lines -> takopi events.

OpenCode prints ``step_start``, ``tool_use`` (a ``part`` with ``callID``, ``tool`` and a
``state`` whose ``status`` is pending/running/completed/error), ``text`` (answer chunks, which
add up), ``step_finish`` (``part.reason``: ``stop`` ends the run, ``tool-calls`` does not)
and ``error``. Every line carries ``sessionID`` (``ses_...``); the started event comes with
the first ``step_start`` once the id is known. :class:`OpenCodeStream` keeps one run's state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from takopi_core.builtins.engines.tools import (
    file_changes,
    first_text,
    relative_path,
    tool_kind_and_title,
)
from takopi_core.run.events import EventFactory
from takopi_core.run.model import Action, ResumeToken, TakopiEvent

ENGINE = "opencode"
_PATH_KEYS = ("file_path", "filePath")
PREVIEW_CHARS = 500


class OpenCodeStream:
    """One OpenCode run's translation state; ``title`` is the configured model or
    ``opencode``."""

    def __init__(self, *, title: str = "opencode", base: Path) -> None:
        self.factory = EventFactory(ENGINE)
        self.title = title
        self.base = base
        self.note_seq = 0
        self.session_id: str | None = None
        self.started = False
        self.saw_step_finish = False
        self.text: str | None = None
        self.pending: dict[str, Action] = {}

    @property
    def answer(self) -> str:
        return self.text or ""

    def token(self) -> ResumeToken | None:
        return ResumeToken(ENGINE, self.session_id) if self.session_id else None

    def feed(
        self, data: Any, *, resume: ResumeToken | None, found_session: ResumeToken | None
    ) -> list[TakopiEvent]:
        if not isinstance(data, dict):
            return []
        session_id = data.get("sessionID")
        if isinstance(session_id, str) and session_id and self.session_id is None:
            self.session_id = session_id
        kind = data.get("type")
        part = data.get("part")
        part = part if isinstance(part, dict) else {}
        if kind == "step_start":
            token = self.token()
            if self.started or token is None:
                return []
            self.started = True
            return [self.factory.started(token, title=self.title)]
        if kind == "tool_use":
            return self._tool_use(part)
        if kind == "text":
            text = part.get("text")
            if isinstance(text, str) and text:
                self.text = text if self.text is None else self.text + text
            return []
        if kind == "step_finish":
            self.saw_step_finish = True
            if part.get("reason") != "stop":
                return []
            return [self.factory.completed_ok(answer=self.answer, resume=self.token())]
        if kind == "error":
            return [
                self.factory.completed_error(
                    error=_error_message(data), answer=self.answer, resume=self.token()
                )
            ]
        return []

    def _tool_use(self, part: dict[str, Any]) -> list[TakopiEvent]:
        action = self._tool_action(part)
        if action is None:
            return []
        state = part.get("state")
        state = state if isinstance(state, dict) else {}
        status = state.get("status")
        if status not in ("completed", "error"):
            self.pending[action.id] = action
            return [
                self.factory.action_started(
                    action_id=action.id, kind=action.kind, title=action.title, detail=action.detail
                )
            ]
        self.pending.pop(action.id, None)
        metadata = state.get("metadata")
        exit_code = metadata.get("exit") if isinstance(metadata, dict) else None
        detail = dict(action.detail)
        message: str | None = None
        if status == "completed":
            output = state.get("output")
            if output is not None:
                detail["output_preview"] = str(output)[:PREVIEW_CHARS]
            ok = not (isinstance(exit_code, int) and exit_code != 0)
        else:
            error = state.get("error")
            if error is not None:
                detail["error"] = error
                message = str(error)
            ok = False
        detail["exit_code"] = exit_code
        return [
            self.factory.action_completed(
                action_id=action.id,
                kind=action.kind,
                title=action.title,
                ok=ok,
                detail=detail,
                message=message,
            )
        ]

    def _tool_action(self, part: dict[str, Any]) -> Action | None:
        call_id = first_text(part, ("callID", "id"))
        if call_id is None:
            return None
        state = part.get("state")
        state = state if isinstance(state, dict) else {}
        name = str(part.get("tool") or "tool")
        tool_input = state.get("input")
        tool_input = tool_input if isinstance(tool_input, dict) else {}
        kind, title = tool_kind_and_title(
            name, tool_input, path_keys=_PATH_KEYS, base=self.base, task_kind="tool"
        )
        state_title = state.get("title")
        if isinstance(state_title, str) and state_title:
            title = self._tidy_title(state_title, tool_input)
        detail: dict[str, Any] = {"name": name, "input": tool_input, "callID": call_id}
        changes = file_changes(kind, tool_input, _PATH_KEYS)
        if changes:
            detail["changes"] = changes
        return Action(id=call_id, kind=kind, title=title, detail=detail)

    def _tidy_title(self, title: str, tool_input: dict[str, Any]) -> str:
        """OpenCode's own title; a bare path becomes a relative path in backticks."""
        if "`" in title:
            return title
        path = first_text(tool_input, _PATH_KEYS)
        if path:
            relative = relative_path(path, self.base)
            if title in (path, relative):
                return f"`{relative}`"
        return title


def _error_message(data: dict[str, Any]) -> str:
    raw = data.get("message")
    if raw is None:
        raw = data.get("error")
    if isinstance(raw, dict):
        nested = raw.get("data")
        if isinstance(nested, dict) and nested.get("message"):
            return str(nested["message"])
        return str(raw.get("message") or raw.get("name") or "opencode error")
    return str(raw) if raw is not None else "opencode error"
