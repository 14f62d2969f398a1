"""The `?` help: every key of the main screen and the app, and what the row marks mean.

Built from the bindings themselves, so the help cannot drift from what the keys do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..rows import Status
from ..widgets.plugin_table import STATUS_GLYPHS
from .dialogs import DIALOG_CSS

EXTRA_KEYS: tuple[tuple[str, str], ...] = (
    ("↑ ↓ j k", "Move in the table"),
    ("enter", "The distribution's details page (escape returns)"),
    ("tab", "Next pane: the details, then the errors"),
    ("enter (errors)", "Go to that error's plugin in the table"),
    ("click header", "Sort by that column; click it again to reverse"),
    ("escape", "Restores a maximised pane first (z maximises)"),
    ("ctrl+p", "Command palette: every action by name"),
    ("ctrl+c", "Copy the selected text"),
)

MARKS: tuple[tuple[str, str], ...] = (
    ("●  ○", "Enabled / disabled in [plugins] enabled"),
    ("●* ○*", "Staged: what the row will be after ctrl+s"),
    ("built-in", "Comes with takopi-tui (the name `takopi` in the list counts too)"),
)

STATUS_HELP: dict[Status, str] = {
    Status.NOT_CHECKED: "Listed from metadata; not loaded yet",
    Status.LOADING: "Being checked in a child process (the probe)",
    Status.OK: "Loaded and validated (load ms in the last column)",
    Status.FAILED: "Failed to load or validate: see the details and error panes",
    Status.DISABLED: "Its distribution is not enabled, so it is not loaded",
    Status.BROKEN: "Skipped by discovery (invalid, reserved or duplicate id)",
}


def key_rows(bindings: Iterable[Binding], display: object) -> list[tuple[str, str]]:
    """(keys, description) for every described binding; same actions share one line."""
    merged: dict[str, tuple[list[str], str]] = {}
    for binding in bindings:
        if not binding.description:
            continue
        key = display(binding) if callable(display) else binding.key
        keys, _ = merged.setdefault(binding.action, ([], binding.description))
        if key not in keys:
            keys.append(key)
    return [(" ".join(keys), description) for keys, description in merged.values()]


def help_content(keys: Sequence[tuple[str, str]]) -> Content:
    width = max(len(k) for k, _ in (*keys, *EXTRA_KEYS, *MARKS)) + 2
    parts: list[Content] = [Content.styled("Keys\n", "bold $accent")]
    for key, text in (*keys, *EXTRA_KEYS):
        parts.append(Content.assemble((f"  {key:<{width}}", "bold"), text, "\n"))
    parts.append(Content.styled("\nMarks\n", "bold $accent"))
    for mark, text in MARKS:
        parts.append(Content.assemble((f"  {mark:<{width}}", "bold"), text, "\n"))
    parts.append(Content.styled("\nStatus\n", "bold $accent"))
    for status, text in STATUS_HELP.items():
        label = STATUS_GLYPHS[status][0].replace("{reason}", "invalid id")
        parts.append(Content.assemble((f"  {label:<{width}}", "bold"), text, "\n"))
    return Content("").join(parts).rstrip()


class HelpScreen(ModalScreen[None]):
    """A modal list of keys, marks and statuses; any of escape, q or ? closes it."""

    CSS_PATH = DIALOG_CSS
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", show=False)]

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._keys = list(keys)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog help-dialog") as dialog:
            dialog.border_title = "Help"
            dialog.border_subtitle = "escape closes"
            with VerticalScroll():
                yield Static(help_content(self._keys), id="help-body")
