"""Small typed dialogs: a yes/no confirmation and the diff preview before saving.

Every text shown here may come from a plugin or from the user's config, so it is passed as
:class:`textual.content.Content` built from plain strings, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

#: The dialogs' styles (also the setup wizard's frame), parsed when the first one opens rather
#: than at start-up. Absolute, like the app's CSS_PATH, so subclasses elsewhere find it.
DIALOG_CSS = Path(__file__).with_name("dialogs.tcss")


class ConfirmDialog(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with True for yes."""

    CSS_PATH = DIALOG_CSS
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n,escape", "answer(False)", "No", show=False),
    ]

    def __init__(
        self, title: str, body: str | Content, *, yes: str = "Yes", no: str = "No"
    ) -> None:
        super().__init__()
        self._title = title
        self._body = body if isinstance(body, Content) else Content(body)
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog") as dialog:
            dialog.border_title = Content(self._title)
            yield Static(self._body, id="dialog-body")
            with Horizontal(classes="buttons"):
                yield Button(Content(f"{self._yes} (y)"), id="yes", variant="primary")
                yield Button(Content(f"{self._no} (n)"), id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


#: What the quit question answers: save first (through the diff preview), quit, or stay.
QuitChoice = Literal["save", "quit", "stay"]


class QuitDialog(ModalScreen[QuitChoice]):
    """Quit with staged changes: "Save and quit" (ctrl+s), "Quit" (y) or "Stay" (n, esc)."""

    CSS_PATH = DIALOG_CSS
    BINDINGS = [
        Binding("ctrl+s", "answer('save')", "Save and quit", show=False, priority=True),
        Binding("y", "answer('quit')", "Quit", show=False),
        Binding("n,escape", "answer('stay')", "Stay", show=False),
    ]

    def __init__(self, staged: int) -> None:
        super().__init__()
        self._staged = staged

    def compose(self) -> ComposeResult:
        n = self._staged
        body = (
            f"{n} staged change{'s are' if n != 1 else ' is'} not saved. Save "
            f"{'them' if n != 1 else 'it'} and quit (you see the diff first), or quit and "
            f"drop {'them' if n != 1 else 'it'}?"
        )
        with Vertical(id="dialog", classes="dialog") as dialog:
            dialog.border_title = "Quit with unsaved changes?"
            yield Static(Content(body), id="dialog-body")
            with Horizontal(classes="buttons"):
                yield Button(Content("Save and quit (ctrl+s)"), id="save", variant="primary")
                yield Button(Content("Quit (y)"), id="quit", variant="error")
                yield Button(Content("Stay (n)"), id="stay")

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        choice = event.button.id
        self.dismiss(choice if choice in ("save", "quit") else "stay")  # type: ignore[arg-type]

    def action_answer(self, choice: QuitChoice) -> None:
        self.dismiss(choice)


def diff_content(diff: str) -> Content:
    """A unified diff with added lines green and removed lines red."""
    if not diff.strip():
        return Content("(no change to the file)")
    lines: list[Content] = []
    for line in diff.rstrip("\n").splitlines():
        if line.startswith(("+++", "---")):
            lines.append(Content.styled(line, "bold"))
        elif line.startswith("@@"):
            lines.append(Content.styled(line, "$accent"))
        elif line.startswith("+"):
            lines.append(Content.styled(line, "$success"))
        elif line.startswith("-"):
            lines.append(Content.styled(line, "$error"))
        else:
            lines.append(Content(line))
    return Content("\n").join(lines)


def scroll_to_first_change(scroll: VerticalScroll, body: Static, diff: str) -> None:
    """Scroll ``scroll`` (showing ``diff`` in ``body``) to the first changed line, with a
    line of context above it: on a short terminal the change may be far below the top."""
    lines = diff_content(diff).split("\n")
    first = next(
        (
            i
            for i, line in enumerate(lines)
            if line.plain[:1] in "+-" and line.plain[:3] not in ("+++", "---")
        ),
        None,
    )
    width = body.content_region.width
    if first is None or width <= 0:
        return
    # Long lines wrap: count the rows above the target, not the lines.
    row = sum(len(line.wrap(width)) for line in lines[: max(0, first - 1)])
    scroll.scroll_to(y=row, animate=False)


class DiffDialog(ModalScreen[bool]):
    """Preview the change to the config file; dismisses with True to save."""

    CSS_PATH = DIALOG_CSS
    BINDINGS = [
        Binding("ctrl+s,y", "answer(True)", "Save", show=False),
        Binding("n,escape", "answer(False)", "Cancel", show=False),
    ]

    def __init__(self, path: str, diff: str, notes: Sequence[str] = ()) -> None:
        super().__init__()
        self._path = path
        self._diff = diff
        self._notes = tuple(notes)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog diff-dialog") as dialog:
            dialog.border_title = "Save changes?"
            yield Static(Content.assemble("Write ", (self._path, "bold"), ":"), id="diff-path")
            with VerticalScroll(id="diff-scroll"):
                yield Static(diff_content(self._diff), id="diff-body")
            for note in self._notes:
                yield Static(Content.assemble(("! ", "bold $warning"), note), classes="note")
            with Horizontal(classes="buttons"):
                yield Button(Content("Save (ctrl+s)"), id="save", variant="primary")
                yield Button(Content("Cancel (esc)"), id="cancel")

    #: The diff area is never taller than this, even on a tall terminal.
    DIFF_MAX_HEIGHT = 20
    #: Below this many rows the dialog drops its spacing so the diff gets the rows.
    SHORT_SCREEN = 30

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()
        self._fit_to_screen()
        self.call_after_refresh(self._show_first_change)

    def on_resize(self) -> None:
        self._fit_to_screen()

    def _fit_to_screen(self) -> None:
        # On a short terminal (80x24) the dialog's margins and padding cost the diff half
        # its rows: drop them there, and measure what is left once laid out.
        short = self.size.height < self.SHORT_SCREEN
        self.query_one("#dialog", Vertical).set_class(short, "-short")
        self.call_after_refresh(self._fit_diff)

    def _show_first_change(self) -> None:
        scroll_to_first_change(
            self.query_one("#diff-scroll", VerticalScroll),
            self.query_one("#diff-body", Static),
            self._diff,
        )

    def _fit_diff(self) -> None:
        """Shrink the diff area so the path, the notes and the buttons stay inside the dialog.

        CSS alone cannot say "auto height, but give way to the siblings" in an auto-height
        box, so the room left by the other rows is measured after a layout pass.
        """
        dialog = self.query_one("#dialog", Vertical)
        scroll = self.query_one("#diff-scroll", VerticalScroll)
        children = [child for child in dialog.children if child.display]
        if not children or dialog.styles.max_height is None:
            return
        last = children[-1]
        used = last.region.bottom + last.styles.margin.bottom - dialog.content_region.y
        others = used - scroll.region.height
        room = int(dialog.styles.max_height.resolve(self.size, self.size)) - dialog.gutter.height
        limit = max(3, min(self.DIFF_MAX_HEIGHT, room - others))
        current = scroll.styles.max_height
        if current is None or current.cells != limit:
            scroll.styles.max_height = limit
            self.call_after_refresh(self._show_first_change)  # the viewport changed

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "save")

    def action_answer(self, save: bool) -> None:
        self.dismiss(save)
