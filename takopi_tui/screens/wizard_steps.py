"""The setup wizard's steps: one widget per step, owning its layout; the settings step also
owns its form (building it from the declared fields, reading it, marking errors).

The wizard (:mod:`takopi_tui.screens.setup_wizard`) holds the state across steps and decides
where Next goes; these widgets draw. All text from plugins or the config is shown as
:class:`Content`, never as markup.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from takopi_core.plugins.fields import FieldSpec, FieldValueError, check_value, format_value
from takopi_core.secrets import mask_text
from takopi_core.setup.flow import EngineChoice, Survey, TransportChoice


def note(widget: Static, text: str, level: str = "") -> None:
    """Show ``text`` (plain, never markup) in ``widget``, styled by ``level``."""
    widget.update(Content(text))
    widget.set_classes(f"-{level}" if level else "")


class ChooseStep(Vertical):
    """Step 1: every visible transport and its setup status."""

    def compose(self) -> ComposeResult:
        yield Static(Content("Checking transports and engines…"), id="survey-note")
        yield OptionList(id="transport-list")

    def show(self, survey: Survey, preselect: str | None) -> bool:
        """List the surveyed transports, the suggested one highlighted; False when none."""
        options = self.query_one("#transport-list", OptionList)
        options.clear_options()
        survey_note = self.query_one("#survey-note", Static)
        if not survey.transports:
            note(
                survey_note,
                "No transport is installed (or all are hidden by [plugins] enabled).",
                "error",
            )
            return False
        note(survey_note, "Which transport do you want to set up?")
        width = max(len(t.id) for t in survey.transports)
        for choice in survey.transports:
            options.add_option(
                Option(
                    transport_prompt(choice, width, survey.current_transport),
                    id=choice.id,
                    disabled=not choice.loaded,
                )
            )
        first = survey.suggested_transport(preselect)
        options.highlighted = survey.transports.index(first) if first is not None else 0
        options.focus()
        return True

    def highlighted(self, survey: Survey) -> TransportChoice | None:
        """The highlighted transport, when it can be chosen (it loads)."""
        options = self.query_one("#transport-list", OptionList)
        if options.highlighted is None:
            return None
        option = options.get_option_at_index(options.highlighted)
        if option.disabled or option.id is None:
            return None
        return survey.transport(option.id)


class IssuesStep(VerticalScroll):
    """Step 2: the chosen transport's setup issues."""

    def compose(self) -> ComposeResult:
        yield Static("", id="issues")


class SettingsStep(VerticalScroll):
    """Step 3: the declared fields as a form, or the hand-over to the transport's own setup."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.specs: tuple[FieldSpec, ...] = ()
        self.current: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="settings-note")
        yield Vertical(id="fields")
        with Vertical(id="handover"):
            yield Button(Content("Run its setup"), id="run-own-setup")
            yield Static("", id="handover-result")

    def on_mount(self) -> None:
        self.query_one("#handover").display = False

    def build(
        self,
        transport_id: str,
        specs: tuple[FieldSpec, ...],
        initial: dict[str, Any],
        current: dict[str, Any],
    ) -> None:
        """Lay the step out for ``transport_id``: its fields from ``initial`` (``current``:
        what the config holds, for secrets left empty), or the hand-over when none."""
        self.specs, self.current = specs, current
        fields = self.query_one("#fields", Vertical)
        fields.remove_children()
        handover = self.query_one("#handover")
        settings_note = self.query_one("#settings-note", Static)
        if not specs:
            handover.display = True
            fields.display = False
            note(
                settings_note,
                f"{transport_id} does not declare its settings, so it asks for them itself. "
                "Run its setup: takopi steps aside and the transport's own prompts use this "
                "terminal; when it ends you come back here.",
            )
            note(self.query_one("#handover-result", Static), "")
            return
        handover.display = False
        fields.display = True
        note(
            settings_note,
            f"Settings for [transports.{transport_id}]. A value of the wrong type, not "
            f"among the choices or missing is marked as you type; Next also asks "
            f"{transport_id} to check the values.",
        )
        fields.mount_all(
            [field_widget(index, spec, initial, current) for index, spec in enumerate(specs)]
        )

    def read(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The form's values and the local problems: ``({key: value}, {key: message})``."""
        from takopi_core.plugins.fields import parse_text

        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for index, spec in enumerate(self.specs):
            widgets = self.query(f"#field-{index}")
            if not widgets:
                continue
            widget = widgets.first()
            value: Any
            if isinstance(widget, Checkbox):
                value = widget.value
            elif isinstance(widget, Select):
                value = None if widget.value is Select.NULL else widget.value
            else:
                assert isinstance(widget, Input)
                try:
                    value = parse_text(spec, widget.value)
                except FieldValueError as exc:
                    errors[spec.key] = str(exc)
                    values[spec.key] = None
                    continue
                if value is None and spec.secret:
                    value = self.current.get(spec.key)  # empty secret: keep the current one
            values[spec.key] = value
            problem = check_value(spec, value)
            if problem:
                errors[spec.key] = problem
        return values, errors

    def show_errors(self, errors: dict[str, str], secrets: list[str]) -> None:
        """Mark the fields in ``errors`` (key -> message, ``secrets`` masked), clear the rest."""
        for index, spec in enumerate(self.specs):
            message = errors.get(spec.key)
            widgets = self.query(f"#error-{index}")
            if not widgets:
                continue
            error = widgets.first(Static)
            if message:
                error.update(Content(mask_text(f"{spec.label} {message}", secrets)))
            else:
                error.update("")
            error.display = bool(message)
            field = self.query_one(f"#field-{index}")
            field.set_class(bool(message), "-invalid")

    def focus_first(self, errors: dict[str, str]) -> None:
        """Focus the first field with an error."""
        for index, spec in enumerate(self.specs):
            if spec.key in errors:
                self.query_one(f"#field-{index}").focus()
                return


class DefaultsStep(VerticalScroll):
    """Step 4: the default engine, and whether this transport becomes the default.

    A scroll area: on a short terminal (80x24) the checkbox and its note are below the fold.
    """

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Focus scrolls the checkbox into view; its note, just below, says what it changes.
        if event.widget.id == "make-default":
            note_widget = self.query_one("#default-note")
            self.call_after_refresh(self.scroll_to_widget, note_widget, animate=False)

    def compose(self) -> ComposeResult:
        yield Label(Content("Default engine"), classes="section")
        yield OptionList(id="engine-list")
        yield Static("", id="engine-note")
        yield Checkbox(Content("Make it the default transport"), id="make-default")
        yield Static("", id="default-note")

    def show_engines(self, survey: Survey) -> str | None:
        """List the surveyed engines, the suggested one highlighted; returns its id."""
        engines = self.query_one("#engine-list", OptionList)
        engines.clear_options()
        engine_note = self.query_one("#engine-note", Static)
        if not survey.engines:
            engines.display = False
            note(
                engine_note,
                "No engine is installed: install one (`takopi plugins` lists what is "
                "installed), then set it up here.",
                "warning",
            )
            return None
        engines.display = True
        note(engine_note, "")
        width = max(len(e.id) for e in survey.engines)
        for engine in survey.engines:
            engines.add_option(
                Option(
                    engine_prompt(engine, width, survey.default_engine),
                    id=engine.id,
                    disabled=not engine.loaded,
                )
            )
        start = survey.suggested_engine()
        if start is not None:
            engines.highlighted = survey.engine_ids().index(start)
        return start

    @property
    def make_default(self) -> bool:
        """Whether the transport becomes the default (the box is shown and ticked)."""
        box = self.query_one("#make-default", Checkbox)
        return box.display and box.value


class ReviewStep(Vertical):
    """Step 5: the diff of takopi.toml (secrets masked)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="diff-path")
        with VerticalScroll(id="wizard-diff-scroll"):
            yield Static("", id="wizard-diff")


class ResultStep(VerticalScroll):
    """Step 6: what was written, and the transport's check afterwards."""

    def compose(self) -> ComposeResult:
        yield Static("", id="result")


def field_widget(
    index: int, spec: FieldSpec, initial: dict[str, Any], current: dict[str, Any]
) -> Vertical:
    """The form row of one declared field: label, help, the input, its error line."""
    tags = [t for t in ("secret" if spec.secret else "", "" if spec.required else "optional") if t]
    label = spec.label + (f"  ({', '.join(tags)})" if tags else "")
    parts: list[Any] = [Label(Content(label), classes="field-label")]
    if spec.help:
        parts.append(Static(Content(spec.help), classes="field-help"))
    start = initial.get(spec.key)
    if spec.kind == "bool":
        parts.append(
            Checkbox(Content(spec.label), value=bool(start), id=f"field-{index}", compact=True)
        )
    elif spec.choices:
        options = [(Content(format_value(spec, c)), c) for c in spec.choices]
        select_value = start if start in spec.choices else Select.NULL
        parts.append(
            Select(
                options,
                value=select_value,
                allow_blank=not spec.required or select_value is Select.NULL,
                id=f"field-{index}",
                prompt="Choose…",
                compact=True,
            )
        )
    elif spec.secret:
        has_current = current.get(spec.key) not in (None, "")
        parts.append(
            Input(
                "",
                placeholder="set; type to replace, leave empty to keep" if has_current else "",
                password=True,
                id=f"field-{index}",
                compact=True,
            )
        )
    else:
        parts.append(
            Input(
                format_value(spec, start) if start is not None else "",
                placeholder="" if spec.required else "optional",
                id=f"field-{index}",
                compact=True,
            )
        )
    parts.append(Static("", classes="field-error", id=f"error-{index}"))
    return Vertical(*parts, classes="field")


_STATUS_STYLE = {
    "ready": "$text-success",
    "needs setup": "$text-warning",
    "failed to load": "$text-error",
    "not checked": "$text-muted",
}


def transport_prompt(choice: TransportChoice, width: int, current: str | None) -> Content:
    head = Content.assemble(
        (f"{choice.id:<{width}}", "bold"),
        "  ",
        (f"{choice.status:<14}", _STATUS_STYLE.get(choice.status, "")),
        "  ",
        choice.description or "",
        ("  (default)", "$text-muted") if choice.id == current else "",
    )
    if choice.load_error:
        return Content("\n").join([head, Content.styled(f"  {choice.load_error}", "$text-error")])
    return head


def engine_prompt(engine: EngineChoice, width: int, default: str | None) -> Content:
    style = "$text-success" if engine.loaded and engine.installed else "$text-warning"
    if not engine.loaded:
        style = "$text-error"
    head = Content.assemble(
        (f"{engine.id:<{width}}", "bold"),
        "  ",
        (engine.status, style),
        ("  (the current default)", "$text-muted") if engine.id == default else "",
    )
    lines = [head]
    if engine.install_hint:
        lines.append(Content.assemble("  install: ", (engine.install_hint, "bold")))
    elif not engine.loaded and engine.result is not None and engine.result.message:
        lines.append(Content.styled(f"  {engine.result.message}", "$text-error"))
    return Content("\n").join(lines)
