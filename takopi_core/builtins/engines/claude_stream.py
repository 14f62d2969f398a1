"""``claude -p --output-format stream-json --verbose`` lines -> takopi events.

Claude Code prints ``system`` (subtype ``init`` carries the session id), ``assistant``
(content blocks: ``text``, ``thinking``, ``tool_use``), ``user`` (``tool_result`` blocks) and
one final ``result``. Other line types (``stream_event``, the control protocol) are ignored.
:class:`ClaudeStream` keeps one run's state; it starts no process.

Lenient where upstream's schema was strict: an unknown content block type is skipped alone
(upstream lost the whole line, tool calls included), and missing timing fields on ``result``
do not drop it. Unlike upstream, permission denials become warning actions, and an error
result's ``errors`` texts are part of the error shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from takopi_core.builtins.engines.tools import file_changes, joined_text, tool_kind_and_title
from takopi_core.run.events import EventFactory
from takopi_core.run.model import Action, ActionEvent, ResumeToken, TakopiEvent

ENGINE = "claude"
_PATH_KEYS = ("file_path", "path")
_META_KEYS = ("cwd", "tools", "permissionMode", "output_style", "apiKeySource", "mcp_servers")
_USAGE_KEYS = ("total_cost_usd", "duration_ms", "duration_api_ms", "num_turns")


class ClaudeStream:
    """One Claude run's translation state. ``title`` is used when ``init`` names no model."""

    def __init__(self, *, title: str = "claude", base: Path) -> None:
        self.factory = EventFactory(ENGINE)
        self.title = title
        self.base = base
        self.note_seq = 0
        self.thinking_seq = 0
        self.pending: dict[str, Action] = {}
        self.last_text: str | None = None

    def feed(
        self, data: Any, *, resume: ResumeToken | None, found_session: ResumeToken | None
    ) -> list[TakopiEvent]:
        if not isinstance(data, dict):
            return []
        kind = data.get("type")
        if kind == "system":
            return self._system(data)
        if kind == "assistant":
            return self._assistant(data)
        if kind == "user":
            return self._user(data)
        if kind == "result":
            return self._result(data, resume=resume, found_session=found_session)
        return []

    def _system(self, data: dict[str, Any]) -> list[TakopiEvent]:
        session_id = data.get("session_id")
        if data.get("subtype") != "init" or not isinstance(session_id, str) or not session_id:
            return []
        meta = {key: data[key] for key in _META_KEYS if data.get(key) is not None}
        model = data.get("model")
        title = model if isinstance(model, str) and model else self.title
        return [
            self.factory.started(ResumeToken(ENGINE, session_id), title=title, meta=meta or None)
        ]

    def _assistant(self, data: dict[str, Any]) -> list[TakopiEvent]:
        message = data.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            return []
        parent = data.get("parent_tool_use_id")
        events: list[TakopiEvent] = []
        for block in content:
            if not isinstance(block, dict):
                continue
            block_type = block.get("type")
            if block_type == "tool_use":
                action = self._tool_action(block, parent)
                if action is None:
                    continue
                self.pending[action.id] = action
                events.append(
                    self.factory.action_started(
                        action_id=action.id,
                        kind=action.kind,
                        title=action.title,
                        detail=action.detail,
                    )
                )
            elif block_type == "thinking":
                thinking = block.get("thinking")
                if not isinstance(thinking, str) or not thinking:
                    continue
                self.thinking_seq += 1
                detail: dict[str, Any] = {}
                if parent:
                    detail["parent_tool_use_id"] = parent
                if block.get("signature"):
                    detail["signature"] = block["signature"]
                events.append(
                    self.factory.action_completed(
                        action_id=f"claude.thinking.{self.thinking_seq}",
                        kind="note",
                        title=thinking,
                        ok=True,
                        detail=detail,
                    )
                )
            elif block_type == "text":
                text = block.get("text")
                if isinstance(text, str) and text:
                    self.last_text = text
            # other block types (redacted_thinking, image, server_tool_use...): skipped alone
        return events

    def _tool_action(self, block: dict[str, Any], parent: Any) -> Action | None:
        tool_id = block.get("id")
        if not isinstance(tool_id, str) or not tool_id:
            return None
        name = str(block.get("name") or "tool")
        tool_input = block.get("input")
        tool_input = tool_input if isinstance(tool_input, dict) else {}
        kind, title = tool_kind_and_title(name, tool_input, path_keys=_PATH_KEYS, base=self.base)
        detail: dict[str, Any] = {"name": name, "input": tool_input}
        if parent:
            detail["parent_tool_use_id"] = parent
        changes = file_changes(kind, tool_input, _PATH_KEYS)
        if changes:
            detail["changes"] = changes
        return Action(id=tool_id, kind=kind, title=title, detail=detail)

    def _user(self, data: dict[str, Any]) -> list[TakopiEvent]:
        message = data.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            return []
        events: list[TakopiEvent] = []
        for block in content:
            if not isinstance(block, dict) or block.get("type") != "tool_result":
                continue
            tool_use_id = block.get("tool_use_id")
            if not isinstance(tool_use_id, str) or not tool_use_id:
                continue
            action = self.pending.pop(tool_use_id, None) or Action(
                id=tool_use_id, kind="tool", title="tool result"
            )
            is_error = block.get("is_error") is True
            text = joined_text(block.get("content"), sep="\n")
            detail = {
                **action.detail,
                "tool_use_id": tool_use_id,
                "result_preview": text,
                "result_len": len(text),
                "is_error": is_error,
            }
            events.append(
                self.factory.action_completed(
                    action_id=action.id,
                    kind=action.kind,
                    title=action.title,
                    ok=not is_error,
                    detail=detail,
                )
            )
        return events

    def _result(
        self,
        data: dict[str, Any],
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
    ) -> list[TakopiEvent]:
        ok = data.get("is_error") is not True
        result = data.get("result")
        result_text = result if isinstance(result, str) else ""
        session_id = data.get("session_id")
        token = (
            ResumeToken(ENGINE, session_id)
            if isinstance(session_id, str) and session_id
            else found_session or resume
        )
        usage = {key: data[key] for key in _USAGE_KEYS if data.get(key) is not None}
        if data.get("usage") is not None:
            usage["usage"] = data["usage"]
        events: list[TakopiEvent] = self._denials(data.get("permission_denials"))
        if ok:
            answer = result_text or self.last_text or ""
            events.append(
                self.factory.completed_ok(answer=answer, resume=token, usage=usage or None)
            )
            return events
        # The error text goes in ``error`` only: the bridge shows answer and error together.
        events.append(
            self.factory.completed_error(
                error=_error_text(result_text, data), answer="", resume=token, usage=usage or None
            )
        )
        return events

    def _denials(self, denials: Any) -> list[TakopiEvent]:
        if not isinstance(denials, list):
            return []
        events: list[TakopiEvent] = []
        for index, denial in enumerate(denials, start=1):
            if not isinstance(denial, dict):
                continue
            tool = str(denial.get("tool_name") or "tool")
            events.append(self._warning(f"permission denied: {tool}", index, denial))
        return events

    def _warning(self, message: str, index: int, detail: dict[str, Any]) -> ActionEvent:
        return self.factory.action_completed(
            action_id=f"claude.denied.{index}",
            kind="warning",
            title=message,
            ok=False,
            detail=dict(detail),
            message=message,
            level="warning",
        )


def _error_text(result_text: str, data: dict[str, Any]) -> str:
    if result_text:
        return result_text
    subtype = data.get("subtype")
    head = f"claude run failed ({subtype})" if subtype else "claude run failed"
    errors = data.get("errors")
    if isinstance(errors, list):
        texts = [str(e) for e in errors if e]
        if texts:
            return f"{head}: " + "; ".join(texts)
    return head
