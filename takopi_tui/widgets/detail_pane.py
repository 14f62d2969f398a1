"""The detail pane: everything known about the plugin under the cursor.

The text is built as :class:`textual.content.Content` from plain strings, so error messages and
tracebacks show literally; the pane's text can be selected with the mouse and copied
(``ctrl+c``), and the screen's ``c`` key copies all of it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from takopi_core.secrets import Masker
from takopi_core.text import safe_text

from ..environment import display_path
from ..rows import PluginRow, Status

_LABEL = "bold $text-muted"
_WIDTH = 14


def _field(label: str, value: str | Content, style: str = "") -> Content:
    body = (
        value
        if isinstance(value, Content)
        else Content.assemble((value, style) if style else value)
    )
    return Content.assemble((f"{label:<{_WIDTH}}", _LABEL), body, "\n")


def _shown(text: str, masker: Masker | None) -> str:
    """Plugin or config text as shown: known secrets masked, control characters escaped."""
    return safe_text(masker.text(text) if masker is not None else text)


def _status_line(row: PluginRow) -> tuple[str, str]:
    if row.status is Status.OK:
        ms = f" in {row.load_ms:.0f} ms" if row.load_ms is not None else ""
        return f"loaded and validated{ms}", "$success"
    if row.status is Status.FAILED:
        return "failed to load", "bold $error"
    if row.status is Status.BROKEN:
        return f"skipped by discovery: {row.broken_reason}", "bold $error"
    if row.status is Status.LOADING:
        if row.checking_for is not None:
            return f"checking… {row.checking_for:.1f} s", "$warning"
        return "checking…", "$warning"
    if row.status is Status.DISABLED:
        return "disabled: not checked (its distribution is not in [plugins] enabled)", ""
    return "not checked yet", ""


def _enabled_line(row: PluginRow) -> str:
    now = "yes" if row.enabled else "no"
    if row.staged:
        after = "enabled" if row.enabled_after else "disabled"
        return f"{now}, staged: {after} on save (ctrl+s saves, u undoes)"
    return now


def describe(row: PluginRow | None, masker: Masker | None = None) -> Content:
    """The detail text of ``row`` (a hint when nothing is selected).

    Everything a plugin wrote (ids, metadata, messages, tracebacks, setup issues) goes
    through ``masker`` (secrets quoted back are masked) and has its control characters
    escaped.
    """
    if row is None:
        return Content("No plugin selected.")
    result = row.result
    status, status_style = _status_line(row)
    parts: list[Content] = [
        Content.assemble(
            (safe_text(row.id), "bold"),
            "  ",
            (row.kind, "$accent"),
            ("  built-in" if row.builtin else "", "italic"),
        ),
        Content("\n"),
        _field("Entry point", safe_text(row.value)),
        _field("Distribution", safe_text(f"{row.dist_label} {row.version or ''}".rstrip())),
        _field("Location", safe_text(display_path(row.location) if row.location else "unknown")),
        _field("Enabled", _enabled_line(row)),
        _field("Status", _shown(status, masker), status_style),
    ]
    if row.latest is not None:  # the package index has a newer release (plugins_manage.py)
        update = f"{safe_text(row.latest)} is on the package index (U updates)"
        parts.append(_field("Update", update, "$warning"))
    if result is not None and result.description:
        parts.append(_field("Description", _shown(result.description, masker)))
    if row.cli_missing is not None:
        how = f"install it: {row.cli_missing}" if row.cli_missing else "see the engine's docs"
        parts.append(_field("CLI", f"missing: not on PATH ({safe_text(how)})", "$warning"))
    if row.kind == "transport" and result is not None and result.ok:
        parts.append(_setup(row, masker))
    error = row.error_text
    if error is not None:
        error_type = result.error_type if result is not None and not result.ok else None
        heading = safe_text(f"{error_type}: ") if error_type else ""
        parts.append(
            _field("Error", Content.assemble((heading, "bold $error"), _shown(error, masker)))
        )
        if row.fix:
            parts.append(_field("Fix", _shown(row.fix, masker)))
    if result is not None and result.traceback:
        traceback = _shown(result.traceback.rstrip(), masker)
        parts.append(Content.assemble("\n", ("Traceback", _LABEL), "\n", traceback))
    return Content("").join(parts).rstrip()


def _setup(row: PluginRow, masker: Masker | None) -> Content:
    result = row.result
    assert result is not None
    if result.setup_ok is None:
        return _field("Setup", "not checked (no engine to check it with)")
    if result.setup_ok:
        return _field("Setup", "ready", "$success")
    setup_hint = f" (run `takopi setup {safe_text(row.id)}`)"
    lines = [Content.assemble(("needs setup", "$warning"), setup_hint)]
    for title, detail in result.setup_issues:
        lines.append(Content(f"{'':<{_WIDTH}}- {_shown(title, masker)}"))
        lines.extend(Content(f"{'':<{_WIDTH}}  {_shown(text.strip(), masker)}") for text in detail)
    return _field("Setup", Content("\n").join(lines))


def plain_text(row: PluginRow | None, masker: Masker | None = None) -> str:
    """The detail text without styles, for the clipboard."""
    return describe(row, masker).plain


class DetailPane(VerticalScroll):
    """A scrollable, selectable view of :func:`describe` for the highlighted row."""

    # `z` maximises it (Textual's scroll containers opt out by default).
    ALLOW_MAXIMIZE = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Details"
        self._body = Static(describe(None), id="detail-body")
        self.row: PluginRow | None = None
        #: Hides the config's secrets (set by the screen from the config and the results).
        self.masker: Masker | None = None

    def compose(self) -> ComposeResult:
        yield self._body

    def show(self, row: PluginRow | None, masker: Masker | None = None) -> None:
        new_masker = masker is not None and masker != self.masker  # a row may read differently
        if new_masker:
            self.masker = masker
        if row == self.row and self.row is not None and not new_masker:
            return
        scroll_home = row is None or self.row is None or row.key != self.row.key
        self.row = row
        self._body.update(describe(row, self.masker))
        if scroll_home:
            self.scroll_home(animate=False)
