"""Progress of a run: which actions happened, in which state, and how to show it.

``ProgressTracker`` folds events into an immutable ``ProgressState`` snapshot;
``Presenter`` is what turns snapshots into messages; ``MarkdownPresenter`` (the default)
renders them as plain markdown text.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from takopi_core.run.context import get_run_base_dir
from takopi_core.run.model import Action, ActionEvent, ResumeToken, StartedEvent, slot_setters
from takopi_core.run.transport import RenderedMessage


@dataclass(frozen=True, slots=True)
class ActionState:
    """The latest known state of one action, with when it was first and last seen."""

    action: Action
    phase: str
    ok: bool | None
    display_phase: str
    completed: bool
    first_seen: int
    last_update: int


@dataclass(frozen=True, slots=True)
class ProgressState:
    """A snapshot of a run for rendering; actions are in order of first appearance."""

    engine: str
    action_count: int
    actions: tuple[ActionState, ...]
    resume: ResumeToken | None
    resume_line: str | None
    context_line: str | None


_new = object.__new__
(
    _set_action,
    _set_phase,
    _set_ok,
    _set_display_phase,
    _set_completed,
    _set_first_seen,
    _set_last_update,
) = slot_setters(ActionState)


class _ActionRecord:
    """The mutable twin of ``ActionState``: events update it in place, and the frozen
    ``ActionState`` is built only when a snapshot needs it (a flood of events costs no
    allocations beyond the events themselves)."""

    __slots__ = ("action", "completed", "display_phase", "first_seen", "index", "last_update",
                 "ok", "phase", "state")  # fmt: skip
    # Set by ProgressTracker.note_event before the first frozen() call. The event's fields,
    # not the event: a run keeps one record per action, and every object it keeps alive is
    # one more for each of the garbage collector's full passes to visit.
    action: Action
    completed: bool
    display_phase: str
    last_update: int
    ok: bool | None
    phase: str

    def __init__(self, first_seen: int, index: int) -> None:
        self.first_seen = first_seen
        self.index = index
        #: The frozen state, None while an event changed the record since it was built.
        self.state: ActionState | None = None

    def frozen(self) -> ActionState:
        state = self.state
        if state is None:
            # ActionState(event.action, event.phase, ...), built as model.new_action_event
            # builds events (a snapshot builds one per action changed since the last).
            state = self.state = _new(ActionState)
            _set_action(state, self.action)
            _set_phase(state, self.phase)
            _set_ok(state, self.ok)
            _set_display_phase(state, self.display_phase)
            _set_completed(state, self.completed)
            _set_first_seen(state, self.first_seen)
            _set_last_update(state, self.last_update)
        return state


class ProgressTracker:
    """Accumulates a run's events into the state a progress message shows.

    ``note_event`` runs once per event of a run (100,000 in a long one), so it only updates
    a mutable record; the frozen states are built when a snapshot asks for them.
    """

    def __init__(self, *, engine: str) -> None:
        self.engine = engine
        self.resume: ResumeToken | None = None
        self.action_count = 0
        # Insertion order is first appearance, which is the order actions are shown in.
        self._actions: dict[str, _ActionRecord] = {}
        self._seq = 0
        # The frozen states in that order, kept between snapshots: a snapshot refreshes only
        # the records changed since the last one (``_dirty``, each listed once), so a run with
        # tens of thousands of actions does not rebuild every state on each render (that was
        # quadratic in the run).
        self._states: list[ActionState | None] = []
        self._dirty: list[_ActionRecord] = []

    def note_event(self, event: object) -> bool:
        """Fold ``event`` in; return whether the rendered view may have changed."""
        if isinstance(event, ActionEvent):
            action = event.action
            if action.kind == "turn":
                return False
            action_id = action.id
            if not action_id:
                return False
            if not isinstance(action_id, str):
                action_id = str(action_id)
            phase = event.phase
            seq = self._seq = self._seq + 1
            record = self._actions.get(action_id)
            if record is None:
                self.action_count += 1
                record = self._actions[action_id] = _ActionRecord(seq, len(self._states))
                self._states.append(None)
                self._dirty.append(record)
                updating = phase == "updated"
            else:
                updating = phase == "updated" or (phase == "started" and not record.completed)
                if record.state is not None:
                    record.state = None
                    self._dirty.append(record)
            completed = phase == "completed"
            record.action = action
            record.phase = phase
            record.ok = event.ok
            record.display_phase = "updated" if updating and not completed else phase
            record.completed = completed
            record.last_update = seq
            return True
        if isinstance(event, StartedEvent):
            self.resume = event.resume
            return True
        return False

    def set_resume(self, resume: ResumeToken | None) -> None:
        """Remember ``resume`` unless it is None."""
        if resume is not None:
            self.resume = resume

    def _frozen_actions(self) -> tuple[ActionState, ...]:
        states = self._states
        for record in self._dirty:
            states[record.index] = record.frozen()
        self._dirty.clear()
        return tuple(states)  # type: ignore[arg-type]  # no None left: every record is built

    def snapshot(
        self,
        *,
        resume_formatter: Callable[[ResumeToken], str] | None = None,
        context_line: str | None = None,
    ) -> ProgressState:
        """The current state; ``resume_line`` is formatted when a token and formatter exist."""
        resume_line = None
        if self.resume is not None and resume_formatter is not None:
            resume_line = resume_formatter(self.resume)
        return ProgressState(
            engine=self.engine,
            action_count=self.action_count,
            actions=self._frozen_actions(),
            resume=self.resume,
            resume_line=resume_line,
            context_line=context_line,
        )


# -- rendering -------------------------------------------------------------------------------

HEADER_SEPARATOR = " · "
HARD_BREAK = "  \n"
MAX_TITLE_CHARS = 300
MAX_LISTED_CHANGES = 3

STATUS_RUNNING = "▸"
STATUS_UPDATED = "↻"
STATUS_DONE = "✓"
STATUS_FAILED = "✗"


def format_elapsed(elapsed_s: float) -> str:
    """``42s``, ``3m 07s`` or ``1h 01m``; negative times count as zero."""
    total = max(0, int(elapsed_s))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        minutes, seconds = divmod(total, 60)
        return f"{minutes}m {seconds:02}s"
    hours, rest = divmod(total, 3600)
    return f"{hours}h {rest // 60:02}m"


@dataclass(frozen=True, slots=True)
class MarkdownParts:
    """A message in three parts; empty parts are left out when assembled."""

    header: str
    body: str | None = None
    footer: str | None = None


def assemble_markdown_parts(parts: MarkdownParts) -> str:
    """Join the non-empty parts with a blank line."""
    return "\n\n".join(part for part in (parts.header, parts.body, parts.footer) if part)


def _inline_code(text: str) -> str:
    """``text`` as a code span; a fence longer than any backtick run inside keeps it intact."""
    runs = re.findall(r"`+", text)
    if not runs:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in runs) + 1)
    return f"{fence} {text} {fence}"


def _shorten(text: str) -> str:
    """``text`` with its whitespace collapsed, cut to ``MAX_TITLE_CHARS`` at a word with "…".

    What ``textwrap.shorten`` returns; a title that fits once collapsed (nearly all) is
    returned without building a ``TextWrapper``, which costs ~30x more: a render shortens
    every shown title, and a busy run renders hundreds of times."""
    collapsed = " ".join(text.split())
    if len(collapsed) > MAX_TITLE_CHARS:
        collapsed = textwrap.shorten(collapsed, width=MAX_TITLE_CHARS, placeholder="…")
    return collapsed or text[:MAX_TITLE_CHARS]


def _relative_path(path: str, base_dir: Path | None) -> str:
    base = base_dir or get_run_base_dir() or Path.cwd()
    try:
        return str(Path(path).relative_to(base))
    except ValueError:
        return path


def _looks_like_path(text: str) -> bool:
    return " " not in text and ("/" in text or "." in text)


def _file_change_title(action: Action, base_dir: Path | None) -> str:
    changes = action.detail.get("changes")
    items: list[str] = []
    if isinstance(changes, Sequence) and not isinstance(changes, str):
        for change in changes:
            if isinstance(change, dict) and change.get("path"):
                path = _relative_path(str(change["path"]), base_dir)
                items.append(f"{change.get('kind') or 'update'} {_inline_code(path)}")
    if items:
        listed = ", ".join(items[:MAX_LISTED_CHANGES])
        if len(items) > MAX_LISTED_CHANGES:
            listed += f" …({len(items) - MAX_LISTED_CHANGES} more)"
        return f"files: {listed}"
    title = action.title
    if _looks_like_path(title):
        return _inline_code(_relative_path(title, base_dir))
    return title


def action_title(action: Action, base_dir: Path | None = None) -> str:
    """How an action is named in a progress line, by kind."""
    title = _shorten(action.title)
    kind = action.kind
    if kind == "command":
        return _inline_code(title)
    if kind == "tool":
        return f"tool: {title}"
    if kind == "web_search":
        return f"searched: {title}"
    if kind == "subagent":
        return f"subagent: {title}"
    if kind == "file_change":
        return _shorten(_file_change_title(action, base_dir))
    return title


def _exit_code(action: Action) -> int | None:
    code: Any = action.detail.get("exit_code")
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def action_line(state: ActionState, base_dir: Path | None = None) -> str:
    """One progress line: a status symbol, the title, and a non-zero exit code."""
    code = _exit_code(state.action)
    if state.completed:
        failed = state.ok is False or (state.ok is None and code not in (None, 0))
        symbol = STATUS_FAILED if failed else STATUS_DONE
    elif state.display_phase == "updated":
        symbol = STATUS_UPDATED
    else:
        symbol = STATUS_RUNNING
    line = f"{symbol} {action_title(state.action, base_dir)}"
    if state.completed and code not in (None, 0):
        line += f" (exit {code})"
    return line


class MarkdownFormatter:
    """Builds the header, body and footer of progress and final messages."""

    def __init__(self, *, max_actions: int = 5, command_width: int | None = None) -> None:
        self.max_actions = max_actions
        # Upstream's keyword, kept so plugins can pass it; titles are shortened by _shorten.
        self.command_width = command_width

    def header(self, state: ProgressState, *, elapsed_s: float, label: str) -> str:
        parts = [label, state.engine, format_elapsed(elapsed_s)]
        if state.action_count > 0:
            parts.append(f"step {state.action_count}")
        return HEADER_SEPARATOR.join(parts)

    def footer(self, state: ProgressState) -> str | None:
        lines = [line for line in (state.context_line, state.resume_line) if line]
        return HARD_BREAK.join(lines) or None

    def progress_parts(
        self, state: ProgressState, *, elapsed_s: float, label: str = "working"
    ) -> MarkdownParts:
        base_dir = get_run_base_dir()  # read once per render, not once per action
        shown = state.actions[-self.max_actions :] if self.max_actions > 0 else ()
        body = HARD_BREAK.join(action_line(action, base_dir) for action in shown)
        return MarkdownParts(
            header=self.header(state, elapsed_s=elapsed_s, label=label),
            body=body or None,
            footer=self.footer(state),
        )

    def final_parts(
        self, state: ProgressState, *, elapsed_s: float, status: str, answer: str
    ) -> MarkdownParts:
        return MarkdownParts(
            header=self.header(state, elapsed_s=elapsed_s, label=status),
            body=answer.strip() or None,
            footer=self.footer(state),
        )

    # Upstream's method names, which transport plugins call.
    def render_progress_parts(
        self, state: ProgressState, *, elapsed_s: float, label: str = "working"
    ) -> MarkdownParts:
        """Same as :meth:`progress_parts` (upstream's name)."""
        return self.progress_parts(state, elapsed_s=elapsed_s, label=label)

    def render_final_parts(
        self, state: ProgressState, *, elapsed_s: float, status: str, answer: str
    ) -> MarkdownParts:
        """Same as :meth:`final_parts` (upstream's name)."""
        return self.final_parts(state, elapsed_s=elapsed_s, status=status, answer=answer)


class Presenter(Protocol):
    """Turns progress state into messages (sync)."""

    def render_progress(
        self, state: ProgressState, *, elapsed_s: float, label: str = "working"
    ) -> RenderedMessage: ...

    def render_final(
        self, state: ProgressState, *, elapsed_s: float, status: str, answer: str
    ) -> RenderedMessage: ...


class MarkdownPresenter:
    """The default ``Presenter``: plain markdown text, no transport-specific extras."""

    def __init__(self, *, max_actions: int = 5) -> None:
        self.formatter = MarkdownFormatter(max_actions=max_actions)

    def render_progress(
        self, state: ProgressState, *, elapsed_s: float, label: str = "working"
    ) -> RenderedMessage:
        parts = self.formatter.progress_parts(state, elapsed_s=elapsed_s, label=label)
        return RenderedMessage(text=assemble_markdown_parts(parts))

    def render_final(
        self, state: ProgressState, *, elapsed_s: float, status: str, answer: str
    ) -> RenderedMessage:
        parts = self.formatter.final_parts(state, elapsed_s=elapsed_s, status=status, answer=answer)
        return RenderedMessage(text=assemble_markdown_parts(parts))
