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
The frame (layout, step switching, status line) is :mod:`.wizard_frame`; step 3's form is
:mod:`.wizard_settings`; the messages are :mod:`.wizard_reports`; the change to takopi.toml
is :mod:`.wizard_change`.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, OptionList, Static
from textual.worker import Worker, WorkerState

from takopi_core.config.file import ConfigFile
from takopi_core.config.toml import display_path
from takopi_core.errors import ConfigError
from takopi_core.plugins.discovery import PluginEntry
from takopi_core.plugins.fields import FieldSpec
from takopi_core.secrets import mask_text
from takopi_core.setup.flow import Survey, TransportChoice
from takopi_core.setup.values import config_secrets, current_values, initial_values

from ..handover import (
    HandOver,
    HandOverRequest,
    HandOverUnavailable,
    SetupService,
    WizardOutcome,
    own_setup_command,
    suspend_and_run,
)
from .dialogs import ConfirmDialog, diff_content, scroll_to_first_change
from .wizard_change import PlannedChange, plan_change, with_enabled, write_change
from .wizard_reports import (
    default_note,
    issues_report,
    own_setup_report,
    result_report,
    saved_head,
    setup_ended,
    worker_error,
)
from .wizard_settings import WORKERS, SettingsForm
from .wizard_steps import ChooseStep, DefaultsStep


class SetupWizard(SettingsForm):
    """Set up a transport in six steps (see the module docstring)."""

    def __init__(
        self,
        session: SetupService,
        *,
        transport_id: str | None = None,
        hand_over: HandOver = suspend_and_run,
        enable: str | None = None,
    ) -> None:
        """``enable``: a distribution the change also enables (its transport was disabled
        and the user chose to enable it with the setup); surveyed as if enabled already."""
        super().__init__()
        self.session = session
        self.preselect = transport_id
        self.enable = enable
        self.hand_over = hand_over
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
        self.change: PlannedChange | None = None
        self._result_head = ""
        self._secrets: list[str] = []
        self._built_for: str | None = None

    def on_mount(self) -> None:
        self._show_step()
        self._set_busy(True, "Checking transports and engines…")
        self._survey_worker()

    # -- background work --------------------------------------------------------------------

    # Plugin calls run in a child process and take a while: each is a thread worker that
    # returns its answer; the one StateChanged handler below takes it back to the widgets.

    @work(thread=True, exit_on_error=False, group=WORKERS, name="survey")
    def _survey_worker(self) -> Survey:
        if self.enable is None:
            return self.session.survey()
        # Nothing is written yet: the survey reads the config as the change will leave it.
        return self.session.survey(
            with_enabled(ConfigFile.load(self.session.config_path), self.enable)
        )

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
            message = worker_error(worker.error)
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
            if self.enable:
                self._note(
                    "#survey-note",
                    f"Which transport do you want to set up? (Setting up {self.preselect} also "
                    f"enables {self.enable}: it is disabled now.)",
                )
            self._update_buttons()

    def _config_data(self) -> dict[str, Any]:
        try:
            return ConfigFile.load(self.session.config_path).data
        except ConfigError:
            return {}

    # -- navigation ---------------------------------------------------------------------

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

    def _leave_issues(self) -> None:
        self._go(3)

    def _finish(self) -> None:
        self.dismiss(self._outcome())

    def _next_label(self) -> str:
        labels = {5: "Write" if self._has_change() else "Check", 6: "Done"}
        return labels.get(self.step, "Next")

    def _can_go_on(self) -> bool:
        return self.step != 1 or self._highlighted_transport() is not None

    def _has_change(self) -> bool:
        return self.config is not None and self.new_text not in (None, self.config.text)

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
        box.label = Content(f"Make {choice.id} the default transport")
        box.display = current != choice.id
        with self.prevent(Checkbox.Changed):
            box.value = not isinstance(current, str)
        self._note("#default-note", default_note(choice.id, current))
        self._build_engines()

    # -- step 2: issues -------------------------------------------------------------------

    def _show_issues(self) -> None:
        assert self.choice is not None
        self._note("#issues", *issues_report(self.choice, self._secrets))

    # -- step 3: settings (the form is wizard_settings.SettingsForm) --------------------

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
        self._note(
            "#handover-result", f"Its setup {setup_ended(status)}. Checking {choice.id} again…"
        )
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

    @property
    def _enabling(self) -> str | None:
        """The distribution this setup also enables: only for the transport it was asked for."""
        chosen = self.choice.id if self.choice is not None else None
        return self.enable if chosen == self.preselect else None

    def _make_default_value(self) -> bool:
        return self.query_one(DefaultsStep).make_default

    def _leave_defaults(self) -> None:
        assert self.choice is not None and self.survey is not None
        try:
            change = plan_change(
                self.session.config_path,
                self.choice.id,
                values=self.values if self.specs else {},
                specs=self.specs,
                make_default=self._make_default_value(),
                default_engine=self.engine if self.engine != self.survey.default_engine else None,
                enable=self._enabling,
            )
        except ConfigError as exc:
            self._set_status(f"Cannot prepare the change: {exc}", "error")
            return
        self.change = change
        self.config, self.new_text, diff = change.config, change.new_text, change.diff
        path = display_path(self.config.path)
        if diff and self._enabling:
            self._note(
                "#diff-path",
                f"These changes will be written to {path} (they also enable {self._enabling}, "
                "which [plugins] enabled does not list yet):",
            )
        elif diff:
            self._note("#diff-path", f"These changes will be written to {path}:")
        else:
            self._note("#diff-path", f"Nothing to change in {path}.")
        shown = mask_text(diff, self._typed_secrets())
        self.query_one("#wizard-diff", Static).update(diff_content(shown))
        scroll = self.query_one("#wizard-diff-scroll", VerticalScroll)
        scroll.display = bool(diff)
        scroll.scroll_home(animate=False)
        self._go(5)
        # Laid out first (the step was hidden): at 80x24 the context above the change
        # fills the few rows there are, so open on the first changed line, as ctrl+s does.
        self.call_after_refresh(
            scroll_to_first_change, scroll, self.query_one("#wizard-diff", Static), shown
        )

    # -- steps 5 and 6: write, check ------------------------------------------------------

    def _write(self) -> None:
        assert self.choice is not None and self.config is not None
        if self._has_change():
            assert self.change is not None
            try:
                note = write_change(self.change)
            except ConfigError as exc:
                self._set_status(
                    f"Not written: {exc}\nPress Back and Next to see the change against the "
                    "file as it is now.",
                    "error",
                )
                return
            self.saved = True
            self._result_head = saved_head(self.config.path, note)
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
        self._note("#handover-result", *own_setup_report(checked, status, self._secrets))
        self._show_issues()

    def _checked(self, checked: TransportChoice) -> None:
        self._set_busy(False)
        self._focus_step()  # Done was disabled while checking, so focus went elsewhere
        self.final = checked
        data = self._config_data()
        self._secrets = config_secrets(data)
        text, level = result_report(
            self._result_head, checked, self._typed_secrets(), data.get("transport")
        )
        self._note("#result", text, level)

    def _outcome(self) -> WizardOutcome | None:
        if self.choice is None:
            return None
        return WizardOutcome(self.choice.id, self.saved, self.final)
