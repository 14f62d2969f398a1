"""The details page of a plugin's distribution, like an extension's page in VS Code.

Opened with enter or ``d`` on a row: summary, homepage and project URLs, author, licence,
Requires-Python (marked when the inspected interpreter does not meet it), the takopi range,
the entry points, each dependency marked installed / missing / wrong version, then the
README, all in one scrollable page. Everything comes from metadata
(:func:`takopi_core.plugins.dist_details.details_for`): no plugin code runs, so it is read in
the app's own process.

Untrusted text: every string from the metadata is escaped by ``details_for`` and drawn as
:class:`~textual.content.Content` built from plain strings (never markup). A Markdown README
goes to Textual's ``Markdown`` widget with ``open_links=False``: a click on a link copies
the address and says so, nothing is opened or run; images are drawn as their alt text and
never fetched (the widget does not load them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Markdown, Static

from takopi_core.plugins.dist_details import (
    DepState,
    DistDetails,
    DistMetadataError,
    DistNotFound,
    details_for,
)
from takopi_core.plugins.dist_details_text import (
    dependency_label,
    extras_line,
    license_line,
    people_line,
    skipped_line,
    takopi_line,
)
from takopi_core.text import safe_text

from ..environment import display_path
from ..widgets.key_bar import KeyBar

DETAILS_CSS = Path(__file__).with_name("details.tcss")

#: Characters of a Markdown README given to the widget. It lays out every block as widgets:
#: measured here (2 shared cores), this project's 15,600-character README takes 1.4 s, and
#: a 20,000-character run of short list items took 20 s; plain text is one widget and is
#: shown up to the metadata cap (100,000).
MARKDOWN_LIMIT = 20_000
#: Lines of a Markdown README given to the widget (many short blocks cost the most).
MARKDOWN_LINES = 400

_MARKS: dict[DepState, tuple[str, str]] = {
    DepState.INSTALLED: ("✓", "$success"),
    DepState.MISSING: ("✗", "bold $error"),
    DepState.WRONG_VERSION: ("!", "bold $warning"),
    DepState.INVALID: ("?", "bold $error"),
}


def _section(title: str) -> Content:
    return Content.styled(title, "bold $accent")


def fact_rows(details: DistDetails) -> list[tuple[str, Content]]:
    """(label, value) of the page's facts: URLs, people, licence, Python and takopi ranges,
    location. Labels from ``Project-URL`` lines are the author's text too (escaped)."""
    rows: list[tuple[str, Content]] = []
    if details.home_page:
        rows.append(("Homepage", Content(details.home_page)))
    rows.extend((label, Content(url)) for label, url in details.project_urls)
    for role, name, email in (
        ("Author", details.author, details.author_email),
        ("Maintainer", details.maintainer, details.maintainer_email),
    ):
        who = people_line(name, email)
        if who:
            rows.append((role, Content(who)))
    licence = license_line(details)
    rows.append(
        ("License", Content(licence) if licence else Content.styled("not stated", "italic"))
    )
    if details.requires_python:
        if details.python_ok is False:
            verdict = (
                f"✗ not met: the inspected Python is {details.python_version}",
                "bold $error",
            )
        elif details.python_ok:
            verdict = (f"✓ met by {details.python_version}", "$success")
        else:
            verdict = ("? not a valid range", "$warning")
        rows.append(("Requires-Python", Content.assemble(details.requires_python, "  ", verdict)))
    if details.takopi is not None:
        rows.append(("Takopi", Content(takopi_line(details))))
    else:
        rows.append(("Takopi", Content.styled("no takopi requirement declared", "italic")))
    if details.location:
        rows.append(("Location", Content(display_path(details.location))))
    return rows


def describe_problems(details: DistDetails) -> Content:
    """What stands in the way of the distribution working here, one line each."""
    parts = [_section("Problems"), Content("\n")]
    parts.extend(Content.assemble(("  ✗ ", "bold $error"), p, "\n") for p in details.problems)
    return Content("").join(parts).rstrip()


def describe_entry_points(details: DistDetails) -> Content:
    parts = [_section(f"Entry points ({len(details.entry_points)})"), Content("\n")]
    if not details.entry_points:
        parts.append(Content.styled("  none in the three plugin groups\n", "italic"))
    width = max((len(ep.id) for ep in details.entry_points), default=0) + 2
    for ep in details.entry_points:
        parts.append(
            Content.assemble(
                "  ", (f"{ep.kind:<11}", "$accent"), (f"{ep.id:<{width}}", "bold"), ep.value, "\n"
            )
        )
    return Content("").join(parts).rstrip()


def describe_dependencies(details: DistDetails) -> Content:
    """Each requirement that applies, marked; then what was left out, and the extras."""
    parts = [_section(f"Dependencies ({len(details.dependencies)})"), Content("\n")]
    if not details.dependencies:
        parts.append(Content.styled("  none\n", "italic"))
    width = min(max((len(d.requirement) for d in details.dependencies), default=0), 40) + 2
    for dep in details.dependencies:
        mark, style = _MARKS[dep.state]
        label = dependency_label(details, dep)
        if label != dep.label:  # the takopi requirement, met by this host itself
            mark, style = "·", "$text-muted"
        extra = (f"  [extra {dep.extra}]", "$text-muted") if dep.extra else ""
        parts.append(
            Content.assemble(
                "  ",
                (mark, style),
                " ",
                f"{dep.requirement:<{width}}",
                (label, style if dep.state is not DepState.INSTALLED else ""),
                extra,
                "\n",
            )
        )
    if details.skipped:
        parts.append(Content.styled(f"  ({skipped_line(details)})\n", "$text-muted"))
    if details.extras:
        parts.append(Content.assemble("  ", extras_line(details), "\n"))
    return Content("").join(parts).rstrip()


def markdown_part(text: str) -> tuple[str, bool]:
    """The start of a Markdown README the widget is given, cut at a blank line; and
    whether it was cut."""
    lines = text.splitlines()
    if len(text) <= MARKDOWN_LIMIT and len(lines) <= MARKDOWN_LINES:
        return text, False
    kept: list[str] = []
    size = 0
    for line in lines[:MARKDOWN_LINES]:
        size += len(line) + 1
        if size > MARKDOWN_LIMIT:
            break
        kept.append(line)
    # Back to the last blank line, so no block (a fence, a table) is cut in half; a README
    # without one (a single long list) is cut where it is.
    blank = max((i for i, line in enumerate(kept) if not line.strip()), default=0)
    if blank:
        kept = kept[:blank]
    return "\n".join(kept).rstrip(), True


class DetailsScreen(Screen[None]):
    """The details page of one distribution; escape (or q) goes back to the table."""

    CSS_PATH = DETAILS_CSS
    BINDINGS = [
        Binding("escape,q", "close", "Back", tooltip="Back to the plugins table"),
        Binding("c", "copy", "Copy", tooltip="Copy the page (without the README) as text"),
    ]

    def __init__(
        self,
        dist_name: str,
        *,
        search_path: Sequence[str] | None = None,
        python_version: str | None = None,
        location: str | None = None,
    ) -> None:
        super().__init__()
        self.dist_name = dist_name
        self.details: DistDetails | None = None
        self.error: str | None = None
        try:
            self.details = details_for(
                dist_name, path=search_path, python_version=python_version, location=location
            )
        except (DistNotFound, DistMetadataError) as exc:
            self.error = str(exc)

    def compose(self) -> ComposeResult:
        details = self.details
        yield Static(self._title(), id="details-title")
        with VerticalScroll(id="details-body"):
            if details is None:
                yield Static(Content.styled(self.error or "", "bold $error"), id="details-error")
            else:
                with Grid(id="details-facts"):
                    for label, value in fact_rows(details):
                        yield Static(Content(label), classes="fact-label")
                        yield Static(value, classes="fact-value")
                if details.problems:
                    yield Static(describe_problems(details), id="details-problems")
                yield Static(describe_entry_points(details), id="details-entry-points")
                yield Static(describe_dependencies(details), id="details-deps")
                yield from self._readme(details)
        yield KeyBar(id="keys")

    def _title(self) -> Content:
        details = self.details
        if details is None:
            return Content.styled(safe_text(self.dist_name), "bold")
        title = Content.assemble((details.name, "bold"), "  ", (details.version, "$accent"))
        if details.summary:
            title = Content.assemble(title, "\n", details.summary)
        return title

    def _readme(self, details: DistDetails) -> ComposeResult:
        readme = details.readme
        kind = (
            "" if readme is None else f" ({readme.content_type or 'no content type: plain text'})"
        )
        yield Static(_section(f"README{kind}"), id="details-readme-title")
        if readme is None:
            yield Static(
                Content.styled("No README in the metadata.", "italic"), id="details-readme"
            )
            return
        cut = readme.truncated
        if readme.kind == "markdown":
            text, cut_here = markdown_part(readme.text)
            cut = cut or cut_here
            yield Markdown(text, open_links=False, id="details-readme")
        else:
            # reStructuredText is shown as written: there is no rst widget, and its markup
            # reads well enough as text.
            yield Static(Content(readme.text), id="details-readme", classes="plain-readme")
        if cut:
            yield Static(
                Content.styled(
                    f"README cut here ({readme.total_chars:,} characters in all): "
                    f"`takopi plugins info {details.name}` prints more, the project's page "
                    "has all of it.",
                    "italic $text-muted",
                ),
                id="details-readme-cut",
            )

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#details-body"), scroll_visible=False)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy(self) -> None:
        details = self.details
        if details is None:
            self.app.copy_to_clipboard(self.error or "")
            return
        from takopi_core.plugins.dist_details_text import render_details

        self.app.copy_to_clipboard(render_details(details, readme=False))
        self.notify("Copied the details (without the README).", markup=False)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        """A README link is copied, never opened: it is the plugin author's text."""
        event.stop()
        self.app.copy_to_clipboard(event.href)
        self.notify(f"Link copied: {safe_text(event.href)}", markup=False)
