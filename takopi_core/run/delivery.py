"""``send_result_message``: delivering a run's final message (edit, or send and replace)."""

from __future__ import annotations

from takopi_core.run.transport import (
    ChannelId,
    MessageRef,
    RenderedMessage,
    SendOptions,
    ThreadId,
    Transport,
)


async def send_result_message(
    transport: Transport,
    *,
    channel_id: ChannelId,
    message: RenderedMessage,
    edit_ref: MessageRef | None,
    replace_ref: MessageRef | None,
    reply_to: MessageRef | None,
    notify: bool,
    thread_id: ThreadId | None,
) -> MessageRef | None:
    """Deliver a final message by editing ``edit_ref`` or, failing that, sending a new one
    that replaces ``replace_ref`` (the transport deletes it). Returns the delivered ref."""
    if message.extra.get("followups"):
        extra = dict(message.extra)
        extra.setdefault("followup_reply_to_message_id", reply_to.message_id if reply_to else None)
        extra.setdefault("followup_thread_id", thread_id)
        extra.setdefault("followup_notify", notify)
        message = RenderedMessage(text=message.text, extra=extra)
    if edit_ref is not None:
        edited = await transport.edit(ref=edit_ref, message=message, wait=True)
        if edited is not None:
            return edited
    sent = await transport.send(
        channel_id=channel_id,
        message=message,
        options=SendOptions(
            reply_to=reply_to, notify=notify, replace=replace_ref, thread_id=thread_id
        ),
    )
    if sent is None:
        return None
    if replace_ref is None and edit_ref is not None and edit_ref != sent:
        # Nobody asked the transport to remove the old message, so do it here.
        await transport.delete(ref=edit_ref)
    return sent
