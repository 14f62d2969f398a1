"""What the terminal chat says about itself: its opening banner and its ``/help`` text."""

from __future__ import annotations

from pathlib import Path

from takopi_core.run.commands import CommandTable
from takopi_core.run.context import RunContext
from takopi_core.run.runtime import TransportRuntime


def banner(
    runtime: TransportRuntime,
    table: CommandTable,
    *,
    ambient: RunContext | None,
    interactive: bool,
) -> str:
    """The lines shown when the chat starts: engines, projects, commands, where it works."""
    lines = ["takopi · terminal", f"default engine: {runtime.default_engine}"]
    lines.append(f"engines: {_engines_summary(runtime)}")
    aliases = runtime.project_aliases()
    lines.append(f"projects: {', '.join(aliases) if aliases else 'none'}")
    lines.append(f"commands: {_commands_summary(table)}")
    here = f"working in: {Path.cwd()}"
    if ambient is not None and ambient.project:
        here += f" (project {runtime.project_alias_for_key(ambient.project)})"
    lines.append(here)
    if interactive:
        lines.append(
            "Type a prompt and press Enter. /help lists commands; Ctrl+C cancels a run, "
            "Ctrl+C when idle or Ctrl+D quits."
        )
    return "\n".join(lines)


def _engines_summary(runtime: TransportRuntime) -> str:
    available = ", ".join(runtime.available_engine_ids()) or "none"
    missing = runtime.missing_engine_ids()
    if missing:
        available += f" (not installed: {', '.join(missing)})"
    return available


def _commands_summary(table: CommandTable) -> str:
    text = ", ".join(f"/{cid}" for cid in sorted(table.ids)) or "none"
    if table.skipped:
        text += f" (skipped: {', '.join(sorted(table.skipped))}; see /help)"
    return text


def help_text(runtime: TransportRuntime, table: CommandTable) -> str:
    """The ``/help`` text: every way to address an engine, project or command here."""
    issues = runtime.engine_issues()
    rows: list[tuple[str, str]] = [("<prompt>", "run it on the default engine")]
    for engine in runtime.engine_ids:
        note = f" ({issues[engine]})" if engine in issues else ""
        rows.append((f"/{engine} <prompt>", f"use {engine}{note}"))
    for alias in runtime.project_aliases():
        rows.append((f"/{alias} <prompt>", f"work in {alias}"))
    rows.extend((f"/{command_id} ...", "command plugin") for command_id in sorted(table.ids))
    rows += [
        ("<resume line> [prompt]", "continue that session"),
        ("/model [set|clear] ...", "show, set or clear an engine's model"),
        ("/reasoning [set|clear] ...", "show, set or clear its reasoning level"),
        ("/cancel, Ctrl+C", "cancel what is running"),
        ("/quit, Ctrl+D", "leave"),
    ]
    width = max(len(left) for left, _ in rows) + 2
    lines = ["How to talk to takopi here:"]
    lines.extend(f"  {left.ljust(width)}{right}" for left, right in rows)
    if table.skipped:
        lines.append("Skipped command plugins:")
        lines.extend(f"  /{cid}: {reason}" for cid, reason in sorted(table.skipped.items()))
    return "\n".join(lines)
