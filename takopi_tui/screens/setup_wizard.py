"""The transport setup wizard: one modal screen, six steps, Back / Next / Cancel.

1. Choose a transport: every visible transport, its description and setup status;
2. its setup issues;
3. its settings: declared fields as a form, checked as you type (type, choices, required)
   and by the transport's own validators when you press Next; a transport without declared
   fields runs its own interactive setup with the terminal (the app suspends itself);
4. the default engine (a missing CLI shows how to install it) and whether this transport
   becomes the default;
5. the diff of takopi.toml (secrets masked);
6. write it, then the transport's ``check_setup`` again.

Every plugin call (check_setup, validators, the transport's own setup) happens in a child
process, through :class:`takopi_core.setup.flow.SetupSession` and the hand-over seam. All
text that comes from plugins or the config is shown as :class:`Content`, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    ContentSwitcher,
    Input,
    OptionList,
    Select,
    Static,
)
from textual.worker import Worker, WorkerState

from takopi_core.config.file import ConfigFile
from takopi_core.config.toml import display_path
from takopi_core.errors import ConfigError
from takopi_core.plugins.discovery import PluginEntry
from takopi_core.plugins.fields import FieldSpec, mask
from takopi_core.setup.child import ValidatorRunError
from takopi_core.setup.flow import (
    STEP_TITLES,
    SetupPlan,
    Survey,
    TransportChoice,
    config_secrets,
    describe_issues,
    holds_secrets,
    initial_values,
    plan_diff,
    plan_text,
    save_plan,
)

from ..handover import (
    HandOver,
    HandOverRequest,
    HandOverUnavailable,
    SetupService,
    WizardOutcome,
    own_setup_command,
    suspend_and_run,
)
from .dialogs import DIALOG_CSS, ConfirmDialog, diff_content
from .wizard_steps import (
    ChooseStep,
    DefaultsStep,
    IssuesStep,
    ResultStep,
    ReviewStep,
    SettingsStep,
)

STEPS = len(STEP_TITLES)
#: The group of the wizard's workers (plugin calls in child processes).
WORKERS = "wizard"


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


class SetupWizard(ModalScreen[WizardOutcome | None]):
    """Set up a transport in six steps (see the module docstring)."""

    # Parsed when the wizard first opens rather than at start-up (absolute, like the app's).
    CSS_PATH = [DIALOG_CSS, Path(__file__).with_name("setup_wizard.tcss")]
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close the wizard (asks first)"),
    ]

    def __init__(
        self,
        session: SetupService,
        *,
        transport_id: str | None = None,
        hand_over: HandOver = suspend_and_run,
    ) -> None:
        super().__init__()
        self.session = session
        self.preselect = transport_id
        self.hand_over = hand_over
        self.step = 1
        self.survey: Survey | None = None
        self.choice: TransportChoice | None = None
        self.specs: tuple[FieldSpec, ...] = ()
        self.initial: dict[str, Any] = {}
        self.current: dict[str, Any] = {}
        self.values: dict[str, Any] = {}
        self.field_errors: dict[str, str] = {}
        #: What the transport's validators rejected: key -> (the value, the message).
        self.rejected: dict[str, tuple[Any, str]] = {}
        self.own_setup_ran = False
        self.engine: str | None = None
        self.new_text: str | None = None
        self.config: ConfigFile | None = None
        self.saved = False
        self.final: TransportChoice | None = None
        self.busy = False
        self.plan: SetupPlan | None = None
        self._result_head = ""
        self._secrets: list[str] = []
        self._built_for: str | None = None

    # -- layout -------------------------------------------------------------------------

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

    def on_mount(self) -> None:
        self._show_step()
        self._set_busy(True, "Checking transports and engines…")
        self._survey_worker()

    # -- background work --------------------------------------------------------------------

    # Plugin calls run in a child process and take a while: each is a thread worker that
    # returns its answer; the one StateChanged handler below takes it back to the widgets.

    @work(thread=True, exit_on_error=False, group=WORKERS, name="survey")
    def _survey_worker(self) -> Survey:
        return self.session.survey()

    @work(thread=True, exit_on_error=False, group=WORKERS, name="validate")
    def _validate_worker(
        self, entry: PluginEntry, values: dict[str, Any], keys: list[str]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        return values, self.session.validate(entry, values, keys)

    @work(thread=True, exit_on_error=False, group=WORKERS, name="check")
    def _check_worker(self, entry: PluginEntry, engine: str | None) -> TransportChoice:
        return self.session.check(entry, engine)

    @work(thread=True, exit_on_error=False, group=WORKERS, name="own-setup-check")
    def _own_setup_check_worker(
        self, entry: PluginEntry, engine: str | None, status: int
    ) -> tuple[TransportChoice, int]:
        return self.session.check(entry, engine), status

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != WORKERS or not self.is_attached:
            return
        if event.state is WorkerState.SUCCESS:
            result: Any = worker.result  # what the worker method named worker.name returned
            if worker.name == "survey":
                self._survey_loaded(result)
            elif worker.name == "validate":
                values, failures = result
                self._validated(values, failures, None)
            elif worker.name == "check":
                self._checked(result)
            elif worker.name == "own-setup-check":
                self._own_setup_checked(*result)
        elif event.state is WorkerState.ERROR:
            error = worker.error
            # Expected failures say what went wrong; anything else is the machinery
            # breaking: named by its type, and the app carries on.
            message = (
                str(error)
                if isinstance(error, ConfigError | ValidatorRunError)
                else f"{type(error).__name__}: {error}"
            )
            if worker.name == "survey":
                self._survey_failed(message)
            elif worker.name == "validate":
                self._validated({}, {}, message)
            else:
                self._recheck_failed(message)

    def _survey_failed(self, message: str) -> None:
        self._set_busy(False)
        self._note("#survey-note", f"Cannot list transports:\n{message}", "error")

    def _survey_loaded(self, survey: Survey) -> None:
        self.survey = survey
        self._secrets = config_secrets(self._config_data())
        self._set_busy(False)
        if self.query_one(ChooseStep).show(survey, self.preselect):
            self._update_buttons()

    def _config_data(self) -> dict[str, Any]:
        try:
            return ConfigFile.load(self.session.config_path).data
        except ConfigError:
            return {}

    # -- navigation ---------------------------------------------------------------------

    @on(Button.Pressed, "#next")
    def action_next(self) -> None:
        if self.busy:
            return
        getattr(self, self._current_step.leave)()

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        if self.busy or self.step in (1, 6):
            return
        self._go(self.step - 1)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        """Close; when something was entered and not written, ask first."""
        if self.saved or self.step == 6:
            self.dismiss(self._outcome())
            return
        if not self.has_entered:
            self.dismiss(None)
            return
        self.app.push_screen(
            ConfirmDialog(
                "Discard the setup?",
                "What you entered has not been written to takopi.toml. Discard it?",
                yes="Discard",
                no="Keep editing",
            ),
            callback=self._discard_answered,
        )

    def _discard_answered(self, discard: bool | None) -> None:
        # Not a lambda: a callback's return value is awaited, and awaiting our own
        # dismiss from here is an error.
        if discard:
            self.dismiss(None)

    @property
    def has_entered(self) -> bool:
        """True when the user changed anything that is not written yet."""
        if self.own_setup_ran:
            return True
        if self.specs and self._built_for is not None:
            values, _ = self._read_fields()
            if any(values.get(k) != self.initial.get(k) for k in values):
                return True
        if self.step >= 4:
            if self.engine != (self.survey.default_engine if self.survey else None):
                return True
            if self._make_default_value():
                return True
        return False

    @property
    def _current_step(self) -> WizardStep:
        return WIZARD_STEPS[self.step - 1]

    def _leave_issues(self) -> None:
        self._go(3)

    def _finish(self) -> None:
        self.dismiss(self._outcome())

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
        back.disabled = self.busy or self.step in (1, 6)
        nxt = self.query_one("#next", Button)
        labels = {5: "Write" if self._has_change() else "Check", 6: "Done"}
        nxt.label = Content(labels.get(self.step, "Next"))
        nxt.disabled = self.busy or (self.step == 1 and not self._highlighted_transport())
        self.query_one("#cancel", Button).label = Content("Close" if self.step == 6 else "Cancel")

    def _has_change(self) -> bool:
        return self.config is not None and self.new_text not in (None, self.config.text)

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

    # -- step 1: choose -------------------------------------------------------------------

    def _highlighted_transport(self) -> TransportChoice | None:
        if self.survey is None:
            return None
        return self.query_one(ChooseStep).highlighted(self.survey)

    @on(OptionList.OptionHighlighted, "#transport-list")
    def _transport_highlighted(self) -> None:
        self._update_buttons()

    @on(OptionList.OptionSelected, "#transport-list")
    def _transport_selected(self) -> None:
        self.action_next()

    def _leave_choose(self) -> None:
        choice = self._highlighted_transport()
        if choice is None:
            return
        self.choice = choice
        if self._built_for != choice.id:
            self._prepare_transport(choice)
        self._show_issues()
        self._go(2)

    def _prepare_transport(self, choice: TransportChoice) -> None:
        """Build step 3 and 4 for ``choice`` (fields, hand-over, default checkbox)."""
        data = self._config_data()
        self.specs = () if choice.fields_error else choice.fields
        self.initial = initial_values(data, choice.id, self.specs)
        from takopi_core.setup.flow import current_values

        self.current = current_values(data, choice.id, self.specs)
        # Declared secrets need not have secret-sounding keys: mask their values too.
        self._secrets = config_secrets(data) + [
            str(value)
            for spec in self.specs
            if spec.secret and (value := self.current.get(spec.key)) not in (None, "")
        ]
        self.field_errors = {}
        self.rejected = {}
        self.own_setup_ran = False
        self._build_fields()
        self._built_for = choice.id
        current = data.get("transport")
        box = self.query_one("#make-default", Checkbox)
        is_default = current == choice.id
        box.label = Content(f"Make {choice.id} the default transport")
        box.display = not is_default
        with self.prevent(Checkbox.Changed):
            box.value = not isinstance(current, str)
        note = (
            f"{choice.id} is already the default transport."
            if is_default
            else f"Now the default: {current}."
            if isinstance(current, str)
            else "No default transport is set yet (takopi run uses terminal)."
        )
        self._note("#default-note", note)
        self._build_engines()

    # -- step 2: issues -------------------------------------------------------------------

    def _show_issues(self) -> None:
        choice = self.choice
        assert choice is not None
        lines = [f"{choice.id} ({choice.entry.dist_label}): {choice.status}", ""]
        if choice.setup_ok is None:
            lines.append("Its setup was not checked: no engine is installed to check it with.")
        elif not choice.issues:
            lines.append("No setup issues.")
        lines += describe_issues(choice.issues, self._secrets)
        if choice.fields_error:
            lines += ["", f"Its declared settings cannot be used: {choice.fields_error}"]
        level = "" if choice.setup_ok is not False else "warning"
        self._note("#issues", "\n".join(lines), level)

    # -- step 3: settings -----------------------------------------------------------------

    @property
    def _settings(self) -> SettingsStep:
        return self.query_one(SettingsStep)

    def _build_fields(self) -> None:
        assert self.choice is not None
        self._settings.build(self.choice.id, self.specs, self.initial, self.current)

    def _read_fields(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The form's values and the local problems: ``({key: value}, {key: message})``."""
        return self._settings.read()

    def _show_field_errors(self, errors: dict[str, str]) -> None:
        self._settings.show_errors(errors, self._typed_secrets())

    def _typed_secrets(self) -> list[str]:
        values, _ = self._read_fields() if self.specs else ({}, {})
        typed = [str(values[s.key]) for s in self.specs if s.secret and values.get(s.key)]
        return [*self._secrets, *typed]

    @on(Input.Changed, "#fields Input")
    @on(Select.Changed, "#fields Select")
    @on(Checkbox.Changed, "#fields Checkbox")
    def _field_changed(self) -> None:
        # Inline: the local checks, for fields that have something in them or showed an
        # error already (an empty form is not a wall of red on the first key). What the
        # transport rejected stays marked until that field changes.
        values, errors = self._read_fields()
        shown = {k: v for k, v in errors.items() if k in self.field_errors or v != "is required"}
        for key, (rejected_value, message) in self.rejected.items():
            if key not in shown and values.get(key) == rejected_value:
                shown[key] = message
        self.field_errors = shown
        self._show_field_errors(shown)

    def _leave_settings(self) -> None:
        if not self.specs:
            self._go(4)
            return
        values, errors = self._read_fields()
        self.field_errors = errors
        self._show_field_errors(errors)
        if errors:
            self._set_status("Fix the marked fields first.", "error")
            self._focus_first_error()
            return
        checked = [s.key for s in self.specs if s.has_validator and values.get(s.key) is not None]
        if not checked:
            self.values = values
            self._go(4)
            return
        assert self.choice is not None
        self._set_busy(True, f"Asking {self.choice.id} to check the values…")
        entry = self.choice.entry
        self._validate_worker(entry, values, checked)

    def _validated(
        self, values: dict[str, Any], failures: dict[str, str], problem: str | None
    ) -> None:
        self._set_busy(False)
        if problem is not None:
            self._set_status(
                mask(f"The values could not be checked: {problem}", self._typed_secrets()), "error"
            )
            return
        self.rejected = {key: (values.get(key), message) for key, message in failures.items()}
        if failures:
            self.field_errors = failures
            self._show_field_errors(failures)
            self._set_status("The transport rejected some values.", "error")
            self._focus_first_error()
            return
        self.values = values
        self._go(4)

    def _focus_first_error(self) -> None:
        self._settings.focus_first(self.field_errors)

    @on(Button.Pressed, "#run-own-setup")
    def _run_own_setup(self, event: Button.Pressed) -> None:
        event.stop()
        choice = self.choice
        assert choice is not None
        request = HandOverRequest(
            choice.id,
            own_setup_command(choice.id, self.session.config_path),
            self.session.child_env(),
        )
        try:
            status = self.hand_over(self.app, request)
        except HandOverUnavailable as exc:
            self._note(
                "#handover-result",
                f"This terminal cannot be handed over ({exc}). Run `takopi setup {choice.id}` "
                "in a shell instead.",
                "error",
            )
            return
        except OSError as exc:
            self._note("#handover-result", f"Could not start its setup: {exc}", "error")
            return
        self.own_setup_ran = True
        self.refresh()
        outcome = "finished" if status == 0 else f"ended with status {status}"
        self._note("#handover-result", f"Its setup {outcome}. Checking {choice.id} again…")
        self._set_busy(True, f"Checking {choice.id} again…")
        engine = self.survey.default_engine if self.survey else None
        self._own_setup_check_worker(choice.entry, engine, status)

    # -- step 4: defaults -----------------------------------------------------------------

    def _build_engines(self) -> None:
        assert self.survey is not None
        start = self.query_one(DefaultsStep).show_engines(self.survey)
        self.engine = start if start is not None else self.survey.default_engine

    @on(OptionList.OptionHighlighted, "#engine-list")
    def _engine_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and not event.option.disabled:
            self.engine = event.option.id

    @on(OptionList.OptionSelected, "#engine-list")
    def _engine_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and not event.option.disabled:
            self.engine = event.option.id
            self.action_next()

    def _make_default_value(self) -> bool:
        return self.query_one(DefaultsStep).make_default

    def _leave_defaults(self) -> None:
        assert self.choice is not None and self.survey is not None
        try:
            self.config = ConfigFile.load(self.session.config_path)
            engine = self.engine if self.engine != self.survey.default_engine else None
            self.plan = SetupPlan(
                self.choice.id,
                values=self.values if self.specs else {},
                specs=self.specs,
                make_default=self._make_default_value(),
                default_engine=engine,
            )
            self.new_text = plan_text(self.config, self.plan)
            diff = plan_diff(self.config, self.new_text, secret_paths=self.plan.secret_paths())
        except ConfigError as exc:
            self._set_status(f"Cannot prepare the change: {exc}", "error")
            return
        path = display_path(self.config.path)
        if diff:
            self._note("#diff-path", f"These changes will be written to {path}:")
        else:
            self._note("#diff-path", f"Nothing to change in {path}.")
        self.query_one("#wizard-diff", Static).update(
            diff_content(mask(diff, self._typed_secrets()))
        )
        self.query_one("#wizard-diff-scroll").display = bool(diff)
        self._go(5)

    # -- steps 5 and 6: write, check ------------------------------------------------------

    def _write(self) -> None:
        assert self.choice is not None and self.config is not None
        if self._has_change():
            assert self.new_text is not None and self.plan is not None
            try:
                note = save_plan(
                    self.config,
                    self.new_text,
                    holds_secrets=holds_secrets(self.plan, self.new_text, self.config.path),
                )
            except ConfigError as exc:
                self._set_status(
                    f"Not written: {exc}\nPress Back and Next to see the change against the "
                    "file as it is now.",
                    "error",
                )
                return
            self.saved = True
            self._result_head = f"Saved {display_path(self.config.path)}." + (
                f"\n{note}." if note else ""
            )
        else:
            self._result_head = "Nothing to change in the config."
        self._go(6)
        self._note("#result", f"{self._result_head}\n\nChecking {self.choice.id} again…")
        self._set_busy(True, f"Checking {self.choice.id} again…")
        entry = self.choice.entry
        engine = self.engine
        self._check_worker(entry, engine)

    def _recheck_failed(self, message: str) -> None:
        self._set_busy(False)
        self._set_status(f"The check could not run: {message}", "error")

    def _own_setup_checked(self, checked: TransportChoice, status: int) -> None:
        self._set_busy(False)
        self.choice = checked
        self._secrets = config_secrets(self._config_data())
        outcome = "finished" if status == 0 else f"ended with status {status}"
        lines = [f"Its setup {outcome}. {checked.id} is now: {checked.status}."]
        lines += describe_issues(checked.issues, self._secrets)
        level = "success" if checked.setup_ok else "warning"
        self._note("#handover-result", "\n".join(lines), level)
        self._show_issues()

    def _checked(self, checked: TransportChoice) -> None:
        self._set_busy(False)
        self._focus_step()  # Done was disabled while checking, so focus went elsewhere
        self.final = checked
        self._secrets = config_secrets(self._config_data())
        lines = [self._result_head, ""]
        level = "success"
        if checked.load_error:
            lines.append(f"{checked.id} failed to load: {checked.load_error}")
            level = "error"
        elif checked.setup_ok is None:
            lines.append(f"{checked.id}: not checked (no engine is installed to check it with).")
            level = "warning"
        elif checked.setup_ok:
            lines.append(f"✓ {checked.id} is ready. Start it with `takopi run`.")
        else:
            lines.append(f"{checked.id} still needs setup:")
            lines += describe_issues(checked.issues, self._typed_secrets())
            level = "warning"
        self._note("#result", mask("\n".join(lines), self._typed_secrets()), level)

    def _outcome(self) -> WizardOutcome | None:
        if self.choice is None:
            return None
        return WizardOutcome(self.choice.id, self.saved, self.final)
