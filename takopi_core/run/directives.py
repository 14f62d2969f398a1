"""Directives at the start of a message (``/engine``, ``/project``) and ``ctx:`` lines.

Only the first non-blank line is read for directives: leading ``/word`` tokens naming an
engine or a project are consumed, anything else ends the scan and stays in the prompt. A
``ctx: project [@branch]`` line in a replied-to message pins the reply to that project.

This host has no git worktrees, so ``@branch`` tokens in a message are ordinary text; a
``ctx:`` line may still carry a branch (other hosts write them) and it is kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from takopi_core.run.context import RunContext
from takopi_core.run.model import EngineId


class DirectiveError(RuntimeError):
    """A message's directives or ``ctx:`` line cannot be honoured."""


@dataclass(frozen=True, slots=True)
class ParsedDirectives:
    """The prompt left after removing directives, and what the directives asked for."""

    prompt: str
    engine: EngineId | None = None
    project: str | None = None
    branch: str | None = None


def parse_directives(
    text: str, *, engine_ids: Iterable[EngineId], project_keys: Collection[str]
) -> ParsedDirectives:
    """Consume leading ``/engine`` and ``/project`` tokens of the first non-blank line.

    Engine ids match case-insensitively and map to their canonical spelling; ``project``
    comes back as the lowercased key. Two engine (or two project) directives are an error.
    A ``/name@bot`` suffix is ignored, as chat systems append it.
    """
    if not text:
        return ParsedDirectives(prompt="")
    lines = text.splitlines()
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None:
        return ParsedDirectives(prompt=text)
    engines = {engine.lower(): engine for engine in engine_ids}
    keys = {key.lower() for key in project_keys}
    tokens = lines[index].split()
    engine: EngineId | None = None
    project: str | None = None
    consumed = 0
    for token in tokens:
        if not token.startswith("/"):
            break
        name = token[1:].split("@", 1)[0].lower()
        if not name:
            break
        if name in engines:
            if engine is not None:
                raise DirectiveError("multiple engine directives")
            engine = engines[name]
        elif name in keys:
            if project is not None:
                raise DirectiveError("multiple project directives")
            project = name
        else:
            break
        consumed += 1
    if consumed == 0:
        return ParsedDirectives(prompt=text)
    rest = tokens[consumed:]
    if rest:
        lines[index] = " ".join(rest)
    else:
        del lines[index]
    return ParsedDirectives(prompt="\n".join(lines).strip(), engine=engine, project=project)


def parse_context_line(text: str | None, *, project_keys: Collection[str]) -> RunContext | None:
    """The context named by the last ``ctx:`` line in ``text`` (backticks allowed), if any.

    An unknown project is a DirectiveError: the reply belongs to a thread this config can no
    longer place.
    """
    if not text:
        return None
    keys = {key.lower() for key in project_keys}
    found: RunContext | None = None
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if line.startswith("`"):
            line = line[1:]
        if line.endswith("`"):
            line = line[:-1]
        line = line.strip()
        if line[:4].lower() != "ctx:":
            continue
        body = line[4:].strip()
        if not body:
            continue
        project_part, _, branch_part = body.partition("@")
        project = project_part.strip().lower()
        branch = branch_part.strip() or None
        if not project:
            continue
        if project not in keys:
            raise DirectiveError(
                f"unknown project {project!r} in ctx line; start a new thread or add it back "
                "to your config"
            )
        found = RunContext(project=project, branch=branch)
    return found


def format_context_line(context: RunContext | None, *, alias: str | None) -> str | None:
    """`` `ctx: alias` `` or `` `ctx: alias @branch` ``; None without a project."""
    if context is None or context.project is None:
        return None
    name = alias or context.project
    if context.branch:
        return f"`ctx: {name} @{context.branch}`"
    return f"`ctx: {name}`"
