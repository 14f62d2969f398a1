"""The Telegram Bot API client shape (upstream's ``takopi.telegram.client.BotClient``).

Command plugins written for upstream's Telegram transport receive such a client (in their
plugin config) and annotate with this Protocol. This host has no Telegram transport of its
own, so the results are typed ``Any``: upstream returns its own Bot API model structs.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class BotClient(Protocol):
    """The async Bot API calls upstream's transports make (all results None on failure)."""

    async def close(self) -> None: ...

    async def get_updates(
        self, offset: int | None, timeout_s: int = 50, allowed_updates: list[str] | None = None
    ) -> list[Any] | None: ...

    async def get_file(self, file_id: str) -> Any | None: ...

    async def download_file(self, file_path: str) -> bytes | None: ...

    async def send_message(
        self,
        chat_id: int,
        text: str,
        reply_to_message_id: int | None = None,
        disable_notification: bool | None = False,
        message_thread_id: int | None = None,
        entities: list[dict[str, Any]] | None = None,
        parse_mode: str | None = None,
        reply_markup: dict[str, Any] | None = None,
        *,
        replace_message_id: int | None = None,
    ) -> Any | None: ...

    async def send_document(
        self,
        chat_id: int,
        filename: str,
        content: bytes,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
        disable_notification: bool | None = False,
        caption: str | None = None,
    ) -> Any | None: ...

    async def edit_message_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        entities: list[dict[str, Any]] | None = None,
        parse_mode: str | None = None,
        reply_markup: dict[str, Any] | None = None,
        *,
        wait: bool = True,
    ) -> Any | None: ...

    async def delete_message(self, chat_id: int, message_id: int) -> bool: ...

    async def set_my_commands(
        self,
        commands: list[dict[str, Any]],
        *,
        scope: dict[str, Any] | None = None,
        language_code: str | None = None,
    ) -> bool: ...

    async def get_me(self) -> Any | None: ...

    async def answer_callback_query(
        self, callback_query_id: str, text: str | None = None, show_alert: bool | None = None
    ) -> bool: ...

    async def get_chat(self, chat_id: int) -> Any | None: ...

    async def get_chat_member(self, chat_id: int, user_id: int) -> Any | None: ...

    async def create_forum_topic(self, chat_id: int, name: str) -> Any | None: ...

    async def edit_forum_topic(self, chat_id: int, message_thread_id: int, name: str) -> bool: ...
