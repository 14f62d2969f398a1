"""The ``/model`` and ``/reasoning`` chat commands: per-engine overrides for one chat.

A chat keeps an :class:`EngineOverrides` store (engine id -> model and reasoning level);
each run on an engine starts with that engine's overrides as its run options (see
``takopi_core.run.options``). The command syntax, the reasoning levels each engine accepts
and the reply texts are upstream Takopi's chat commands, for a chat without topics::

    /model                          show the engine, its override and the engines
    /model set <model>              override the current engine's model
    /model set <engine> <model>     override another engine's model
    /model clear [engine]           back to the engine's default (its config, else its own)

and the same for ``/reasoning <level>``, which only engines with reasoning levels accept.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from takopi_core.run.commands import split_command_args
from takopi_core.run.context import RunContext
from takopi_core.run.model import EngineId
from takopi_core.run.options import EngineRunOptions

if TYPE_CHECKING:
    from takopi_core.run.runtime import TransportRuntime

#: The chat commands this module answers.
MODEL_COMMAND = "model"
REASONING_COMMAND = "reasoning"

REASONING_LEVELS: tuple[str, ...] = ("minimal", "low", "medium", "high", "xhigh")
#: The engines that take a reasoning level, and which levels (upstream's table).
REASONING_LEVELS_BY_ENGINE: dict[str, tuple[str, ...]] = {
    "claude": ("low", "medium", "high", "xhigh", "max"),
    "codex": REASONING_LEVELS,
    "pi": REASONING_LEVELS,
}

MODEL_USAGE = (
    "usage: `/model`, `/model set <model>`, "
    "`/model set <engine> <model>`, or `/model clear [engine]`"
)
REASONING_USAGE = (
    "usage: `/reasoning`, `/reasoning set <level>`, "
    "`/reasoning set <engine> <level>`, or `/reasoning clear [engine]`"
)

Field = Literal["model", "reasoning"]


def allowed_reasoning_levels(engine: str) -> tuple[str, ...]:
    """The reasoning levels ``engine`` accepts (empty when it has none)."""
    return REASONING_LEVELS_BY_ENGINE.get(engine, ())


def supports_reasoning(engine: str) -> bool:
    """True when ``engine`` takes a reasoning level."""
    return engine in REASONING_LEVELS_BY_ENGINE


@dataclass
class EngineOverrides:
    """One chat's overrides, per engine; lost when the chat ends."""

    _by_engine: dict[EngineId, EngineRunOptions] = field(default_factory=dict)

    def get(self, engine: EngineId) -> EngineRunOptions | None:
        """The run options for a run on ``engine`` (None: no override)."""
        return self._by_engine.get(engine)

    def value(self, engine: EngineId, name: Field) -> str | None:
        options = self._by_engine.get(engine)
        return getattr(options, name) if options is not None else None

    def snapshot(self) -> EngineOverrides:
        """A copy that later ``/model`` and ``/reasoning`` commands leave alone: a message
        runs with the overrides in force when it was sent, even if it starts later."""
        return EngineOverrides(dict(self._by_engine))

    def set(self, engine: EngineId, name: Field, value: str | None) -> None:
        """Set (or, with None, clear) one field; an engine left without any is dropped."""
        current = self._by_engine.get(engine, EngineRunOptions())
        updated = replace(current, **{name: value})
        if updated == EngineRunOptions():
            self._by_engine.pop(engine, None)
        else:
            self._by_engine[engine] = updated


@dataclass(frozen=True, slots=True)
class _Chat:
    """What a command needs to know about the chat it was typed in."""

    runtime: TransportRuntime
    overrides: EngineOverrides
    context: RunContext | None

    @property
    def engine_ids(self) -> tuple[EngineId, ...]:
        return self.runtime.engine_ids

    def selected_engine(self) -> tuple[EngineId, str]:
        """The engine a prompt would run on here, and where that choice comes from."""
        project_engine = self.runtime.project_default_engine(self.context)
        if project_engine:
            return project_engine, "project default"
        return self.runtime.default_engine, "global default"

    def unknown_engine(self, engine: str) -> str:
        available = ", ".join(self.engine_ids)
        return f"unknown engine `{engine}`.\navailable engines: `{available}`"


def model_command(
    args_text: str,
    *,
    runtime: TransportRuntime,
    overrides: EngineOverrides,
    context: RunContext | None,
) -> str:
    """Carry out ``/model <args_text>`` on ``overrides``; return the reply."""
    chat = _Chat(runtime, overrides, context)
    tokens = split_command_args(args_text)
    action = tokens[0].lower() if tokens else "show"
    if action == "show":
        engine, source = chat.selected_engine()
        return _show(
            chat, engine, source, "model", f"available engines: {', '.join(chat.engine_ids)}"
        )
    if action == "set":
        engine_arg, model = _parse_set_args(tokens, engine_ids=chat.engine_ids)
        if model is None:
            return MODEL_USAGE
        engine = engine_arg or chat.selected_engine()[0]
        overrides.set(engine, "model", model)
        return f"chat model override set to `{model}` for `{engine}`."
    if action == "clear":
        engine_or_problem = _clear_target(chat, tokens, MODEL_USAGE)
        if engine_or_problem[1] is not None:
            return engine_or_problem[1]
        overrides.set(engine_or_problem[0], "model", None)
        return "chat model override cleared."
    return MODEL_USAGE


def reasoning_command(
    args_text: str,
    *,
    runtime: TransportRuntime,
    overrides: EngineOverrides,
    context: RunContext | None,
) -> str:
    """Carry out ``/reasoning <args_text>`` on ``overrides``; return the reply."""
    chat = _Chat(runtime, overrides, context)
    tokens = split_command_args(args_text)
    action = tokens[0].lower() if tokens else "show"
    if action == "show":
        engine, source = chat.selected_engine()
        if not supports_reasoning(engine):
            return f"reasoning is not supported for `{engine}`."
        levels = ", ".join(allowed_reasoning_levels(engine))
        return _show(chat, engine, source, "reasoning", f"available levels: {levels}")
    if action == "set":
        engine_arg, level = _parse_set_args(tokens, engine_ids=chat.engine_ids)
        if level is None:
            return REASONING_USAGE
        engine = engine_arg or chat.selected_engine()[0]
        if not supports_reasoning(engine):
            return f"reasoning is not supported for `{engine}`."
        normalized = level.strip().lower()
        allowed = allowed_reasoning_levels(engine)
        if normalized not in allowed:
            return f"unknown reasoning level `{level}`.\navailable levels: {', '.join(allowed)}"
        overrides.set(engine, "reasoning", normalized)
        return f"chat reasoning override set to `{normalized}` for `{engine}`."
    if action == "clear":
        engine_or_problem = _clear_target(chat, tokens, REASONING_USAGE)
        if engine_or_problem[1] is not None:
            return engine_or_problem[1]
        overrides.set(engine_or_problem[0], "reasoning", None)
        return "chat reasoning override cleared."
    return REASONING_USAGE


def _show(chat: _Chat, engine: EngineId, source: str, name: Field, last_line: str) -> str:
    value = chat.overrides.value(engine, name)
    label = "chat default" if value is not None else "no override"
    return "\n\n".join(
        [
            f"engine: {engine} ({source})",
            f"{name}: {value or 'default'} ({label})",
            # No topics in this chat: upstream shows "none" for them.
            f"defaults: topic: none, chat: {value or 'none'}",
            last_line,
        ]
    )


def _clear_target(chat: _Chat, tokens: tuple[str, ...], usage: str) -> tuple[EngineId, str | None]:
    """The engine ``clear [engine]`` names (else the selected one), or the reply refusing."""
    if len(tokens) > 2:
        return "", usage
    engine = tokens[1].strip().lower() if len(tokens) == 2 else ""
    engine = engine or chat.selected_engine()[0]
    if engine not in {e.lower() for e in chat.engine_ids}:
        return engine, chat.unknown_engine(engine)
    return engine, None


def _parse_set_args(
    tokens: tuple[str, ...], *, engine_ids: tuple[EngineId, ...]
) -> tuple[EngineId | None, str | None]:
    """``(engine or None, value or None)`` of ``set [engine] <value>``.

    A lone engine id (``set codex``) is no value; a first word that is not an engine id
    starts the value (model names may contain spaces after quoting)."""
    known = {engine.lower() for engine in engine_ids}
    if len(tokens) < 2:
        return None, None
    first = tokens[1].strip()
    if len(tokens) == 2:
        return (None, None) if first.lower() in known else (None, first or None)
    if first.lower() in known:
        value = " ".join(tokens[2:]).strip()
        return first.lower(), value or None
    value = " ".join(tokens[1:]).strip()
    return None, value or None
