"""The setup wizard's settings step (step 3) when the transport declares its fields.

A mixin of :class:`takopi_tui.screens.setup_wizard.SetupWizard`: it reads the form, marks
what is wrong as the user types (the cheap checks: type, choices, required), asks the
transport's own validators (in a child process) on Next, keeps the status line in step with
the marks and moves focus to the first bad field. The widgets are
:class:`takopi_tui.screens.wizard_steps.SettingsStep`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.widgets import Checkbox, Input, Select

from takopi_core.plugins.discovery import PluginEntry
from takopi_core.plugins.fields import FieldSpec
from takopi_core.secrets import mask_text

from .wizard_frame import WizardFrame
from .wizard_steps import SettingsStep

if TYPE_CHECKING:
    from takopi_core.setup.flow import TransportChoice

    from ..handover import SetupService

#: The group of the wizard's workers (plugin calls in child processes).
WORKERS = "wizard"

#: What the status line says while fields are marked; it goes when the marks go.
FIX_FIELDS = "Fix the marked fields first."
REJECTED = "The transport rejected some values."


class SettingsForm(WizardFrame):
    """Step 3's form: read, check as you type, validate on Next (see the module docstring)."""

    session: SetupService
    choice: TransportChoice | None
    specs: tuple[FieldSpec, ...]
    initial: dict[str, Any]
    current: dict[str, Any]
    values: dict[str, Any]
    field_errors: dict[str, str]
    #: What the transport's validators rejected: key -> (the value, the message).
    rejected: dict[str, tuple[Any, str]]
    _secrets: list[str]
    #: The status line's text while it is about the marked fields ("" when it is not).
    _fields_status: str = ""

    @work(thread=True, exit_on_error=False, group=WORKERS, name="validate")
    def _validate_worker(
        self, entry: PluginEntry, values: dict[str, Any], keys: list[str]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        return values, self.session.validate(entry, values, keys)

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
        if not shown and self._fields_status:
            self._mark_fields_status("")  # "fix the marked fields" with none marked: gone

    def _mark_fields_status(self, text: str) -> None:
        self._set_status(text, "error" if text else "")
        self._fields_status = text

    def _set_status(self, text: str, level: str = "") -> None:
        self._fields_status = ""  # whatever is said now is not about the marks
        super()._set_status(text, level)

    def _leave_settings(self) -> None:
        if not self.specs:
            self._go(4)
            return
        values, errors = self._read_fields()
        self.field_errors = errors
        self._show_field_errors(errors)
        if errors:
            self._mark_fields_status(FIX_FIELDS)
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
                mask_text(f"The values could not be checked: {problem}", self._typed_secrets()),
                "error",
            )
            return
        self.rejected = {key: (values.get(key), message) for key, message in failures.items()}
        if failures:
            self.field_errors = failures
            self._show_field_errors(failures)
            self._mark_fields_status(REJECTED)
            self._focus_first_error()
            return
        self.values = values
        self._go(4)

    def _focus_first_error(self) -> None:
        self._settings.focus_first(self.field_errors)
