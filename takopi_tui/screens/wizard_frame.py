"""The setup wizard's frame: the step header, the six step panes, the status line, the buttons.

:class:`WizardFrame` lays the wizard out, shows one step at a time and gives it focus, and
turns Next and Back into moves between steps; it knows nothing about transports. What each
step checks and does lives in :class:`takopi_tui.screens.setup_wizard.SetupWizard`, which
names its methods in :data:`WIZARD_STEPS` and fills in the hooks at the end of the class.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, ContentSwitcher, Static

from takopi_core.setup.flow import STEP_TITLES

from ..handover import WizardOutcome
from .dialogs import DIALOG_CSS
from .wizard_steps import (
    ChooseStep,
    DefaultsStep,
    IssuesStep,
    ResultStep,
    ReviewStep,
    SettingsStep,
)

STEPS = len(STEP_TITLES)


@dataclass(frozen=True, slots=True)
class WizardStep:
    """One step: the widgets that get focus when it opens, and what Next does on it."""

    focus: str
    """A selector: the first shown, focusable match gets focus (else the Next button)."""
    leave: str
    """The name of the wizard's method Next calls: it checks the step and moves on."""


#: The steps in order (their titles are takopi_core.setup.flow.STEP_TITLES).
WIZARD_STEPS = (
    WizardStep("#transport-list", "_leave_choose"),
    WizardStep("#next", "_leave_issues"),
    WizardStep(
        "#fields Input, #fields Select, #fields Checkbox, #run-own-setup", "_leave_settings"
    ),
    WizardStep("#engine-list", "_leave_defaults"),
    WizardStep("#next", "_write"),
    WizardStep("#next", "_finish"),
)
assert len(WIZARD_STEPS) == STEPS


class WizardFrame(ModalScreen[WizardOutcome | None]):
    """A modal screen of six steps with Back / Next / Cancel (see the module docstring)."""

    # Parsed when the wizard first opens rather than at start-up (absolute, like the app's).
    CSS_PATH = [DIALOG_CSS, Path(__file__).with_name("setup_wizard.tcss")]
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close the wizard (asks first)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.step = 1
        #: True while a plugin call runs: Back and Next wait for it.
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="wizard", classes="dialog wizard-dialog") as box:
            box.border_title = "Set up a transport"
            yield Static("", id="wizard-step")
            with ContentSwitcher(initial="step-1", id="wizard-steps"):
                yield ChooseStep(id="step-1")
                yield IssuesStep(id="step-2")
                yield SettingsStep(id="step-3")
                yield DefaultsStep(id="step-4")
                yield ReviewStep(id="step-5")
                yield ResultStep(id="step-6")
            yield Static("", id="wizard-status")
            with Horizontal(classes="buttons"):
                yield Button(Content("Back"), id="back")
                yield Button(Content("Next"), id="next", variant="primary")
                yield Button(Content("Cancel"), id="cancel")

    # -- navigation ---------------------------------------------------------------------

    @on(Button.Pressed, "#next")
    def action_next(self) -> None:
        if self.busy:
            return
        getattr(self, self._current_step.leave)()

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        if self.busy or self.step == 6:
            return
        if self.step == 1:
            # Back from the first step goes back to where the wizard was opened from, like
            # Cancel (which asks first when something was entered): never a dead button.
            self.action_cancel()
            return
        self._go(self.step - 1)

    def action_cancel(self) -> None:
        """Close the wizard (the wizard asks first when something was entered)."""
        self.dismiss(None)

    @property
    def _current_step(self) -> WizardStep:
        return WIZARD_STEPS[self.step - 1]

    def _go(self, step: int) -> None:
        self.step = step
        self._show_step()

    def _show_step(self) -> None:
        title = STEP_TITLES[self.step - 1]
        self.query_one("#wizard-step", Static).update(
            Content.assemble((f"Step {self.step} of {STEPS}", "bold"), f"  ·  {title}")
        )
        self.query_one(ContentSwitcher).current = f"step-{self.step}"
        self._set_status("")
        self._update_buttons()
        self.call_after_refresh(self._focus_step)

    def _focus_step(self) -> None:
        # The switcher hides the widget that had focus: give it to this step's first one.
        for widget in self.query(self._current_step.focus):
            if widget.display and widget.focusable:
                widget.focus()
                return
        self.query_one("#next", Button).focus()

    def _update_buttons(self) -> None:
        back = self.query_one("#back", Button)
        back.disabled = self.busy or self.step == 6
        back.tooltip = "Leave the wizard" if self.step == 1 else "The previous step"
        nxt = self.query_one("#next", Button)
        nxt.label = Content(self._next_label())
        nxt.disabled = self.busy or not self._can_go_on()
        self.query_one("#cancel", Button).label = Content("Close" if self.step == 6 else "Cancel")

    # -- the status line and notes ----------------------------------------------------------

    def _set_busy(self, busy: bool, status: str = "") -> None:
        self.busy = busy
        self._set_status(status)
        self._update_buttons()

    def _set_status(self, text: str, level: str = "") -> None:
        status = self.query_one("#wizard-status", Static)
        status.update(Content(text))
        status.set_classes(f"-{level}" if level else "")
        status.display = bool(text)

    def _note(self, selector: str, text: str, level: str = "") -> None:
        widget = self.query_one(selector, Static)
        widget.update(Content(text))
        widget.set_classes(f"-{level}" if level else "")

    # -- hooks the wizard fills in ----------------------------------------------------------

    def _next_label(self) -> str:
        """The Next button's label on the current step."""
        return "Next"

    def _can_go_on(self) -> bool:
        """False while the current step has nothing to go on with (Next is disabled)."""
        return True
