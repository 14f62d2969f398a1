"""The `/help` text a chat transport sends (``takopi.chat_help``, which transports import).

Upstream 0.23.4 has no such module; the published Feishu transport imports it, so its shape
comes from that call site: ``format_chat_help(ChatHelpOptions(...))`` returning markdown.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChatHelpOptions:
    """What the chat offers: engines, projects and which optional commands are on."""

    transport: str
    engine_ids: tuple[str, ...] = ()
    project_aliases: tuple[str, ...] = ()
    default_engine: str | None = None
    include_file: bool = False
    include_topics: bool = False
    files_enabled: bool = False
    command_ids: tuple[str, ...] = ()


def format_chat_help(options: ChatHelpOptions) -> str:
    """The help message: one markdown bullet per way to talk to the bot."""
    default = f" (`{options.default_engine}`)" if options.default_engine else ""
    lines = [
        f"**takopi on {options.transport}**",
        "",
        f"- send a prompt: the default engine{default}",
    ]
    lines.extend(f"- `/{engine} <prompt>`: run it on {engine}" for engine in options.engine_ids)
    lines.extend(
        f"- `/{alias} <prompt>`: work in project {alias}" for alias in options.project_aliases
    )
    lines.extend(f"- `/{command} ...`: command plugin" for command in options.command_ids)
    lines += [
        "- reply to a message with a resume line: continue that session",
        "- `/new`: start a fresh session",
        "- `/model [engine] [name|clear]`: show or set an engine's model",
        "- `/reasoning [engine] [level|clear]`: show or set its reasoning level",
        "- `/cancel`: cancel the run you reply to",
    ]
    if options.include_file:
        state = "" if options.files_enabled else " (file transfer is off in this chat's config)"
        lines.append(f"- `/file put <path>` / `/file get <path>`: send or fetch a file{state}")
    if options.include_topics:
        lines.append("- `/topic <project> [@branch]`: bind this topic to a project")
    return "\n".join(lines)
