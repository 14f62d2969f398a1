"""Running pip from the TUI: the dialog that shows the exact command, and the output pane.

Nothing runs before the user has seen the command line itself (:class:`CommandDialog`, what
:meth:`PipCommand.display` returns, with the interpreter it installs into). The command then
runs in a child process (:func:`takopi_core.plugins.install.stream`), read by a thread
worker; :class:`PipOutputScreen` shows its output as it comes, in a :class:`Log` (plain
text: pip's output names packages and URLs from the index, never parsed as markup), with a
spinner and a line count, and stops it (the child's whole process group) on escape/ctrl+c.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Log, Static
from textual.worker import get_current_worker

from takopi_core.text import safe_text

from ..environment import display_path
from .dialogs import DIALOG_CSS

if TYPE_CHECKING:
    from takopi_core.plugins.install import InstallResult, PipCommand

INSTALL_CSS = Path(__file__).with_name("install.tcss")

#: What each action is called in titles and buttons.
VERBS = {"install": "Install", "update": "Update", "remove": "Remove"}

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

#: What CommandDialog dismisses with when its alternative is "ask the package index first"
#: (update with no update marks known yet) rather than a second command.
ASK_INDEX = "ask-index"


class PipRun(Protocol):
    """A running command (what :func:`takopi_core.plugins.install.stream` returns)."""

    def __iter__(self) -> Iterator[str]: ...

    def cancel(self) -> None: ...

    @property
    def result(self) -> InstallResult: ...


PipRunner = Callable[["PipCommand"], PipRun]
"""Starts a command: the real one runs pip; snapshot tests pass fixed output."""


def real_runner(command: PipCommand) -> PipRun:
    """Run ``command`` for real: a child process in its own process group."""
    from takopi_core.plugins.install import stream

    return stream(command)


def command_title(command: PipCommand) -> str:
    """``Install takopi-ralph``, ``Update 3 distributions``: what the command is about."""
    verb = VERBS[command.action]
    if len(command.names) == 1:
        return f"{verb} {command.names[0]}"
    return f"{verb} {len(command.names)} distributions"


class CommandDialog(ModalScreen["PipCommand | str | None"]):
    """Show the exact command and where it installs; dismisses with the command to run.

    ``alternative`` is a second command offered next to the first (update: this distribution,
    or those with an update mark), or :data:`ASK_INDEX` (ask the package index first), which
    the dialog dismisses with as it is; None dismisses without running anything.
    """

    CSS_PATH = [DIALOG_CSS, INSTALL_CSS]
    BINDINGS = [
        Binding("y", "choose('command')", "Run", show=False),
        Binding("a", "choose('alternative')", "Alternative", show=False),
        Binding("n,escape", "choose('none')", "Cancel", show=False),
    ]

    def __init__(
        self,
        command: PipCommand,
        *,
        python: str,
        python_version: str,
        notes: tuple[str, ...] = (),
        alternative: tuple[str, PipCommand | str] | None = None,
    ) -> None:
        super().__init__()
        self.command = command
        self.python = python
        self.python_version = python_version
        self.notes = notes
        self.alternative = alternative

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog command-dialog") as dialog:
            dialog.border_title = Content(f"{command_title(self.command)}?")
            where = display_path(self.python)
            yield Static(
                Content.assemble(
                    "This runs ",
                    (self.command.tool, "bold"),
                    " for ",
                    (where, "bold"),
                    f" (Python {self.python_version}):",
                ),
                id="command-where",
            )
            # The command as the user would type it: exactly what runs.
            yield Static(Content(safe_text(self.command.display())), id="command-line")
            if self.alternative is not None:
                label, other = self.alternative
                if not isinstance(other, str):
                    yield Static(
                        Content.assemble(
                            (f"{label} (a) ", "bold"),
                            "runs instead:\n",
                            safe_text(other.display()),
                        ),
                        id="command-alternative",
                    )
            for note in self.notes:
                yield Static(Content.assemble(("! ", "bold $warning"), note), classes="note")
            with Horizontal(classes="buttons"):
                verb = VERBS[self.command.action]
                yield Button(Content(f"{verb} (y)"), id="command", variant="primary")
                if self.alternative is not None:
                    yield Button(Content(f"{self.alternative[0]} (a)"), id="alternative")
                yield Button(Content("Cancel (n)"), id="none")

    def on_mount(self) -> None:
        self.query_one("#command", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(event.button.id or "none")

    def action_choose(self, which: str) -> None:
        if which == "command":
            self.dismiss(self.command)
        elif which == "alternative" and self.alternative is not None:
            self.dismiss(self.alternative[1])
        elif which == "none":
            self.dismiss(None)


class PipOutputScreen(ModalScreen["InstallResult | None"]):
    """Run a confirmed command and show its output; dismisses with how it ended.

    Escape (or ctrl+c) stops a running command; once it has ended, escape closes the pane and
    the caller gets the :class:`InstallResult` (None when the command could not start).
    """

    CSS_PATH = [DIALOG_CSS, INSTALL_CSS]
    BINDINGS = [
        Binding("escape,ctrl+c", "stop_or_close", "Cancel / close", show=False),
        # The app's q quits; here it must not leave a half-done pip behind.
        Binding("q", "stop_or_close", "Close", show=False),
    ]

    class Output(Message):
        """A line the command printed (already control-character safe)."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    class Ended(Message):
        """The command ended (``result``), or could not start (``error``)."""

        def __init__(self, result: InstallResult | None, error: str | None) -> None:
            super().__init__()
            self.result = result
            self.error = error

    def __init__(self, command: PipCommand, runner: PipRunner = real_runner) -> None:
        super().__init__()
        self.command = command
        self.runner = runner
        self.result: InstallResult | None = None
        self.error: str | None = None
        self.running = True
        self.cancelling = False
        self.line_count = 0
        self._run: PipRun | None = None
        self._frame = 0
        self._started = time.monotonic()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog pip-output") as dialog:
            dialog.border_title = Content(command_title(self.command))
            yield Static(Content(safe_text(self.command.display())), id="pip-command")
            yield Log(id="pip-log", auto_scroll=True)
            with Horizontal(id="pip-footer"):
                yield Static(id="pip-status")
                yield Button(Content("Cancel (esc)"), id="pip-close")

    def on_mount(self) -> None:
        self.query_one("#pip-close", Button).focus()
        self._show_status()
        # A spinner while it runs; a still mark when animations are off (screenshots).
        if self.app.animation_level != "none":
            self.set_interval(0.1, self._spin, name="pip-spinner")
        self.run_worker(
            self._drive,
            name="pip",
            group="pip",
            thread=True,
            exit_on_error=False,
            description=self.command.display(),
        )

    def on_unmount(self) -> None:
        # The app is closing (or the pane went away) while pip runs: do not leave it behind.
        if self.running and self._run is not None:
            self._run.cancel()

    def _drive(self) -> None:
        """Worker thread: start the command, post its lines, then how it ended."""
        worker = get_current_worker()
        try:
            run = self.runner(self.command)
        except Exception as exc:  # InstallError (no such interpreter), or an OSError
            self.post_message(self.Ended(None, f"{type(exc).__name__}: {exc}"))
            return
        self._run = run
        if self.cancelling:  # escape was pressed before the child started
            run.cancel()
        try:
            for line in run:
                if worker.is_cancelled:
                    run.cancel()
                    break
                self.post_message(self.Output(line))
            result = run.result
        except Exception as exc:  # the reading broke, not pip: say so, keep the app
            run.cancel()
            self.post_message(self.Ended(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.Ended(result, None))

    @on(Output)
    def _add_line(self, message: Output) -> None:
        self.line_count += 1
        self.query_one(Log).write_line(safe_text(message.line))
        self._show_status()

    @on(Ended)
    def _ended(self, message: Ended) -> None:
        self.running = False
        self.result, self.error = message.result, message.error
        if message.error is not None:
            self.query_one(Log).write_line(safe_text(message.error))
        self.query_one("#pip-close", Button).label = Content("Close (esc)")
        self._show_status()

    def _spin(self) -> None:
        if self.running:
            self._frame = (self._frame + 1) % len(SPINNER)
            self._show_status()

    def status_text(self) -> Content:
        """What the status line says: running (with a spinner), or how it ended."""
        lines = f"{self.line_count} line{'s' if self.line_count != 1 else ''} of output"
        if self.running:
            doing = "stopping" if self.cancelling else "running"
            if self.app.animation_level == "none":  # screenshots: no spinner, no clock
                return Content.assemble((f"⟳ {doing}", "bold $warning"), f" · {lines}")
            elapsed = time.monotonic() - self._started
            return Content.assemble(
                (f"{SPINNER[self._frame]} {doing} {elapsed:.0f} s", "bold $warning"), f" · {lines}"
            )
        result = self.result
        if result is None:
            return Content.assemble(("✗ could not start", "bold $error"), " · escape closes")
        if result.cancelled:
            return Content.assemble(("⊘ cancelled", "bold $warning"), f" · {lines}")
        if result.ok:
            return Content.assemble(("✓ done", "bold $success"), f" · {lines} · escape closes")
        return Content.assemble(
            (f"✗ failed (exit {result.returncode})", "bold $error"),
            f" · {lines} · escape closes",
        )

    def _show_status(self) -> None:
        self.query_one("#pip-status", Static).update(self.status_text())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_stop_or_close()

    def action_stop_or_close(self) -> None:
        if not self.running:
            self.dismiss(self.result)
            return
        if self.cancelling:
            return
        self.cancelling = True
        self._show_status()
        run = self._run
        if run is not None:  # else the worker stops it as soon as it has started
            # cancel() waits for the child to go (a few seconds at most): not on the UI thread.
            self.run_worker(run.cancel, name="pip-cancel", thread=True, exit_on_error=False)
