"""``pi --print --mode json`` lines -> takopi events.

Pi prints a ``session`` header (``id``, ``cwd``...), then agent events: ``agent_start``,
``turn_start``/``turn_end``, ``message_start``/``message_update``/``message_end`` (the
assistant's ``content`` blocks, ``usage``, ``stopReason``), ``tool_execution_start``/
``_update``/``_end`` (``toolCallId``, ``toolName``, ``args``, ``result``, ``isError``),
auto-compaction and auto-retry notices, and finally ``agent_end`` (all ``messages``).

Pi's session is named up front: takopi passes ``--session <file>`` for a new run too. When the
header arrives, a new run's token becomes the short session id (the id's first segment),
which is what the resume line shows. :class:`PiStream` keeps one run's state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from takopi_core.builtins.engines.tools import file_changes, tool_kind_and_title
from takopi_core.run.events import EventFactory
from takopi_core.run.model import Action, ResumeToken, TakopiEvent

ENGINE = "pi"
_PATH_KEYS = ("path",)
SHORT_ID_CHARS = 8


def looks_like_session_path(token: str) -> bool:
    """Whether a token names a session file rather than a session id."""
    return token.endswith(".jsonl") or "/" in token or "\\" in token or token.startswith("~")


def short_session_id(session_id: str) -> str:
    """``3f2a9c1e-...`` -> ``3f2a9c1e``; ids without a dash are cut to 8 characters."""
    if "-" in session_id:
        return session_id.split("-", 1)[0]
    return session_id[:SHORT_ID_CHARS]


class PiStream:
    """One Pi run's translation state.

    ``token`` is the session the run was started with (a new session file for a new run);
    ``promote`` lets the header's id replace it, once, before the started event.
    """

    def __init__(
        self,
        token: ResumeToken,
        *,
        promote: bool,
        title: str = "pi",
        meta: dict[str, Any] | None = None,
        base: Path | None = None,
    ) -> None:
        self.factory = EventFactory(ENGINE)
        self.token = token
        self.promote = promote
        self.title = title
        self.meta = meta
        self.base = base if base is not None else Path.cwd()
        self.note_seq = 0
        self.started = False
        self.pending: dict[str, Action] = {}
        self.last_text: str | None = None
        self.last_error: str | None = None
        self.usage: dict[str, Any] | None = None

    @property
    def answer(self) -> str:
        return self.last_text or ""

    def feed(
        self, data: Any, *, resume: ResumeToken | None, found_session: ResumeToken | None
    ) -> list[TakopiEvent]:
        if not isinstance(data, dict):
            return []
        kind = data.get("type")
        events: list[TakopiEvent] = []
        if kind == "session":
            session_id = data.get("id")
            if (
                self.promote
                and not self.started
                and isinstance(session_id, str)
                and session_id
                and looks_like_session_path(self.token.value)
            ):
                self.token = ResumeToken(ENGINE, short_session_id(session_id))
            self.promote = False
        if not self.started:
            self.started = True
            events.append(self.factory.started(self.token, title=self.title, meta=self.meta))
        if kind == "tool_execution_start":
            events += self._tool_start(data)
        elif kind == "tool_execution_end":
            events += self._tool_end(data)
        elif kind == "message_end":
            self._remember(data.get("message"))
        elif kind == "agent_end":
            messages = data.get("messages")
            if isinstance(messages, list):
                last = next(
                    (
                        m
                        for m in reversed(messages)
                        if isinstance(m, dict) and m.get("role") == "assistant"
                    ),
                    None,
                )
                self._remember(last)
            events.append(self._completed())
        return events

    def _completed(self) -> TakopiEvent:
        if self.last_error is None:
            return self.factory.completed_ok(
                answer=self.answer, resume=self.token, usage=self.usage
            )
        return self.factory.completed_error(
            error=self.last_error, answer=self.answer, resume=self.token, usage=self.usage
        )

    def _remember(self, message: Any) -> None:
        """Text, usage and error of an assistant message (others are ignored)."""
        if not isinstance(message, dict) or message.get("role") != "assistant":
            return
        text = _text_of(message.get("content"))
        if text:
            self.last_text = text
        if isinstance(message.get("usage"), dict):
            self.usage = message["usage"]
        stop = message.get("stopReason")
        if stop in ("error", "aborted"):
            error = message.get("errorMessage")
            self.last_error = error if isinstance(error, str) and error else f"pi run {stop}"

    def _tool_start(self, data: dict[str, Any]) -> list[TakopiEvent]:
        tool_id = data.get("toolCallId")
        if not isinstance(tool_id, str) or not tool_id:
            return []
        name = str(data.get("toolName") or "tool")
        args = data.get("args")
        args = args if isinstance(args, dict) else {}
        kind, title = tool_kind_and_title(name, args, path_keys=_PATH_KEYS, base=self.base)
        detail: dict[str, Any] = {"tool_name": name, "args": args}
        changes = file_changes(kind, args, _PATH_KEYS)
        if changes:
            detail["changes"] = changes
        action = Action(id=tool_id, kind=kind, title=title, detail=detail)
        self.pending[tool_id] = action
        return [
            self.factory.action_started(action_id=tool_id, kind=kind, title=title, detail=detail)
        ]

    def _tool_end(self, data: dict[str, Any]) -> list[TakopiEvent]:
        tool_id = data.get("toolCallId")
        if not isinstance(tool_id, str) or not tool_id:
            return []
        name = str(data.get("toolName") or "tool")
        action = self.pending.pop(tool_id, None) or Action(id=tool_id, kind="tool", title=name)
        is_error = data.get("isError") is True
        detail = {**action.detail, "result": data.get("result"), "is_error": is_error}
        return [
            self.factory.action_completed(
                action_id=tool_id,
                kind=action.kind,
                title=action.title,
                ok=not is_error,
                detail=detail,
            )
        ]


def _text_of(content: Any) -> str | None:
    """The assistant's ``text`` blocks, concatenated and stripped (None when empty)."""
    if not isinstance(content, list):
        return None
    parts = [
        block["text"]
        for block in content
        if isinstance(block, dict)
        and block.get("type") == "text"
        and isinstance(block.get("text"), str)
    ]
    return "".join(parts).strip() or None
