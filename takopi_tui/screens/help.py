"""The `?` help: every key of the main screen and the app, and what the row marks mean.

Built from the bindings themselves, so the help cannot drift from what the keys do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..rows import Status
from ..widgets.plugin_table import NEEDS_SETUP, STATUS_GLYPHS
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
    ("↑ 1.2.0", "Version column: a newer release is on the package index (U updates)"),
)

STATUS_HELP: dict[Status, str] = {
    Status.NOT_CHECKED: "Listed from metadata; not loaded yet",
    Status.LOADING: "Being checked in a child process (the probe); from 1 s on, for how long",
    Status.OK: "Loaded and validated (load ms in the last column)",
    Status.FAILED: "Failed to load or validate: see the details and error panes",
    Status.DISABLED: "Its distribution is not enabled, so it is not loaded",
    Status.BROKEN: "Skipped by discovery (invalid, reserved or duplicate id)",
}

#: The OK row of a transport whose check_setup reported issues.
NEEDS_SETUP_HELP = "A transport that loads, but is not set up yet: s sets it up"


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


def help_content(keys: Sequence[tuple[str, str]]) -> Table:
    """Keys, marks and statuses as a two-column grid: a long description wraps inside its
    own column, under itself, never back under the keys."""
    statuses = [
        (STATUS_GLYPHS[status][0].replace("{reason}", "invalid id"), text)
        for status, text in STATUS_HELP.items()
    ]
    statuses.insert(list(STATUS_HELP).index(Status.OK) + 1, (NEEDS_SETUP, NEEDS_SETUP_HELP))
    width = max(cell_len(k) for k, _ in (*keys, *EXTRA_KEYS, *MARKS, *statuses)) + 2
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(min_width=width, no_wrap=True, style="bold")
    grid.add_column(ratio=1, overflow="fold")
    for title, rows in (
        ("Keys", [*keys, *EXTRA_KEYS]),
        ("Marks", list(MARKS)),
        ("Status", statuses),
    ):
        if title != "Keys":
            grid.add_row("", "")
        grid.add_row(Text(title, style="bold"), "")
        for label, text in rows:
            grid.add_row(Text(f"  {label}"), Text(text))
    return grid


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
