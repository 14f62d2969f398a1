"""ProgressTracker semantics and the default markdown presenter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from takopi_core.run.context import reset_run_base_dir, set_run_base_dir
from takopi_core.run.events import EventFactory
from takopi_core.run.model import Action, ActionEvent, ActionKind, ActionPhase, ResumeToken
from takopi_core.run.progress import (
    MarkdownParts,
    MarkdownPresenter,
    ProgressTracker,
    action_title,
    assemble_markdown_parts,
    format_elapsed,
)

F = EventFactory("codex")
TOKEN = ResumeToken("codex", "t-1")


def fmt(token: ResumeToken) -> str:
    return f"`codex resume {token.value}`"


def ev(
    action_id: str,
    phase: ActionPhase,
    *,
    kind: ActionKind = "command",
    title: str | None = None,
    **kw: Any,
) -> ActionEvent:
    return F.action(
        phase=phase,
        action_id=action_id,
        kind=kind,
        title=title or action_id,
        **kw,
    )


# -- tracker -----------------------------------------------------------------------------------


def test_tracker_ignores_what_does_not_change_the_view() -> None:
    tracker = ProgressTracker(engine="codex")
    assert tracker.note_event(ev("t", "started", kind="turn")) is False
    assert tracker.note_event(ev("", "started")) is False
    assert tracker.note_event(F.completed_ok(answer="x")) is False
    assert tracker.note_event("not an event") is False
    assert tracker.action_count == 0
    assert tracker.snapshot().actions == ()


def test_tracker_records_started_resume_and_action_phases() -> None:
    tracker = ProgressTracker(engine="codex")
    assert tracker.note_event(F.started(TOKEN)) is True
    assert tracker.resume == TOKEN
    assert tracker.note_event(ev("a", "started")) is True
    assert tracker.note_event(ev("b", "started")) is True
    assert tracker.note_event(ev("a", "started")) is True  # again while running: an update
    assert tracker.note_event(ev("b", "updated")) is True
    state = tracker.snapshot()
    assert [(s.action.id, s.phase, s.display_phase) for s in state.actions] == [
        ("a", "started", "updated"),
        ("b", "updated", "updated"),
    ]
    assert tracker.note_event(ev("a", "completed", ok=True)) is True
    assert tracker.note_event(ev("a", "started")) is True  # after completion: a fresh start
    state = tracker.snapshot()
    a = state.actions[0]
    assert (a.phase, a.display_phase, a.completed) == ("started", "started", False)
    # Updates keep first appearance order and do not add to the count.
    assert [s.action.id for s in state.actions] == ["a", "b"]
    assert state.action_count == 2
    assert (a.first_seen, a.last_update) == (1, 6)


def test_snapshots_between_events_show_every_change_in_first_seen_order() -> None:
    """Snapshots are refreshed incrementally: earlier snapshots stay as they were, a later one
    shows an update to an old action and the actions added since, in first-seen order."""
    tracker = ProgressTracker(engine="codex")
    tracker.note_event(ev("a", "started"))
    tracker.note_event(ev("b", "started"))
    first = tracker.snapshot()
    tracker.note_event(ev("a", "completed", ok=False))
    tracker.note_event(ev("c", "started"))
    second = tracker.snapshot()
    third = tracker.snapshot()

    assert [(s.action.id, s.phase) for s in first.actions] == [
        ("a", "started"),
        ("b", "started"),
    ]
    assert [(s.action.id, s.phase, s.ok) for s in second.actions] == [
        ("a", "completed", False),
        ("b", "started", None),
        ("c", "started", None),
    ]
    assert third.actions == second.actions
    assert first.actions[1] is second.actions[1]  # b did not change: the same frozen state


def test_snapshot_formats_resume_only_with_a_formatter_and_token() -> None:
    tracker = ProgressTracker(engine="codex")
    assert tracker.snapshot(resume_formatter=fmt).resume_line is None
    tracker.set_resume(TOKEN)
    tracker.set_resume(None)  # ignored
    assert tracker.snapshot().resume_line is None
    state = tracker.snapshot(resume_formatter=fmt, context_line="ctx: p")
    assert (state.resume, state.resume_line, state.context_line) == (
        TOKEN,
        "`codex resume t-1`",
        "ctx: p",
    )


# -- presenter ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-3, "0s"), (0, "0s"), (59.9, "59s"), (60, "1m 00s"), (187, "3m 07s"), (3661, "1h 01m")],
)
def test_format_elapsed(seconds: float, text: str) -> None:
    assert format_elapsed(seconds) == text


def test_assemble_skips_empty_parts() -> None:
    assert assemble_markdown_parts(MarkdownParts("h", None, "f")) == "h\n\nf"
    assert assemble_markdown_parts(MarkdownParts("h", "b", "")) == "h\n\nb"


def test_progress_message_shows_header_last_five_actions_and_footer() -> None:
    tracker = ProgressTracker(engine="codex")
    tracker.note_event(F.started(TOKEN))
    for n in range(1, 8):
        tracker.note_event(ev(f"c{n}", "started", title=f"cmd {n}"))
    tracker.note_event(ev("c4", "completed", title="cmd 4", ok=True))
    tracker.note_event(ev("c5", "completed", title="cmd 5", ok=False))
    tracker.note_event(ev("c6", "completed", title="cmd 6", detail={"exit_code": 2}))
    tracker.note_event(ev("c7", "updated", title="cmd 7"))
    state = tracker.snapshot(resume_formatter=fmt, context_line="ctx: demo @main")
    text = MarkdownPresenter().render_progress(state, elapsed_s=75, label="working").text
    assert text == (
        "working · codex · 1m 15s · step 7\n\n"
        "▸ `cmd 3`  \n✓ `cmd 4`  \n✗ `cmd 5`  \n✗ `cmd 6` (exit 2)  \n↻ `cmd 7`\n\n"
        "ctx: demo @main  \n`codex resume t-1`"
    )


def test_final_message_shows_the_answer_not_the_actions() -> None:
    tracker = ProgressTracker(engine="codex")
    tracker.note_event(ev("c1", "completed", ok=True))
    state = tracker.snapshot()
    text = MarkdownPresenter().render_final(state, elapsed_s=3, status="done", answer="\n hi \n")
    assert text.text == "done · codex · 3s · step 1\n\nhi"


def test_action_titles_by_kind() -> None:
    def title(kind: ActionKind, text: str, detail: dict | None = None) -> str:
        return action_title(Action("x", kind, text, detail or {}))

    assert title("command", "ls -la") == "`ls -la`"
    assert title("command", "echo `x`") == "`` echo `x` ``"
    assert title("tool", "read_file") == "tool: read_file"
    assert title("web_search", "anyio docs") == "searched: anyio docs"
    assert title("subagent", "planner") == "subagent: planner"
    assert title("note", "thinking") == "thinking"
    assert title("warning", "careful") == "careful"
    long = title("note", "word " * 200)
    assert len(long) <= 300 and long.endswith("…")


def test_file_change_titles_list_changes_relative_to_the_run_dir(tmp_path: Path) -> None:
    changes = [
        {"path": str(tmp_path / "src" / "a.py"), "kind": "add"},
        {"path": str(tmp_path / "b.py")},
        {"path": "/elsewhere/c.py", "kind": "delete"},
        {"path": str(tmp_path / "d.py"), "kind": "update"},
        {"path": str(tmp_path / "e.py"), "kind": "update"},
    ]
    token = set_run_base_dir(tmp_path)
    try:
        listed = action_title(Action("f", "file_change", "edit", {"changes": changes}))
        plain = action_title(Action("f", "file_change", str(tmp_path / "x" / "y.txt")))
    finally:
        reset_run_base_dir(token)
    assert listed == "files: add `src/a.py`, update `b.py`, delete `/elsewhere/c.py` …(2 more)"
    assert plain == "`x/y.txt`"
    assert action_title(Action("f", "file_change", "several edits")) == "several edits"


def test_untrusted_markup_is_left_as_plain_text() -> None:
    tracker = ProgressTracker(engine="codex")
    tracker.note_event(
        ActionEvent(engine="codex", action=Action("n", "note", "[bold red]x[/]"), phase="started")
    )
    text = MarkdownPresenter().render_progress(tracker.snapshot(), elapsed_s=0).text
    assert "▸ [bold red]x[/]" in text
