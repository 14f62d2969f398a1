"""The catalogue: the published Takopi plugins, searchable, to install one with a key.

The list ships with takopi-tui (:func:`takopi_core.plugins.catalogue.load_catalogue`); each
line shows the name, its kinds, the Python it needs (marked when the inspected interpreter is
too old), whether it is on the package index at all (some are only named in upstream's list),
whether it is installed here (and at which version) and a summary. The search
box filters as you type (:func:`takopi_core.plugins.catalogue.search`); a name, requirement or
wheel path that is not in the catalogue can be installed as typed. Choosing a line dismisses
with what to install; nothing runs before the command is confirmed (CommandDialog).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from takopi_core.text import safe_text

from ..installs import CatalogueRow
from .dialogs import DIALOG_CSS

if TYPE_CHECKING:
    from takopi_core.plugins.catalogue import CatalogueEntry

CATALOGUE_CSS = Path(__file__).with_name("catalogue.tcss")

#: The row key of "install what was typed".
TYPED = "\x00typed"


@dataclass(frozen=True, slots=True)
class Choice:
    """What the user picked: a name (or requirement, or path) and whether it is installed."""

    name: str
    installed: bool
    entry: CatalogueEntry | None = None


def _one_line(text: str) -> str:
    return " ".join(safe_text(text).split())


class CatalogueScreen(ModalScreen["Choice | None"]):
    """Search the published plugins and pick one to install (or update, when installed)."""

    CSS_PATH = [DIALOG_CSS, CATALOGUE_CSS]
    BINDINGS = [
        Binding("escape", "back", "Close", show=False),
        Binding("slash", "search", "Search", show=False),
        Binding("i", "choose", "Install", show=False),
        Binding("down", "to_table", "To the list", show=False),
    ]

    def __init__(
        self,
        rows: Sequence[CatalogueRow],
        *,
        search: Callable[[str], Sequence[CatalogueEntry]],
        python_version: str,
    ) -> None:
        """
        Args:
            rows: every catalogue entry, marked installed / Python checked.
            search: the entries matching a query, best first (the catalogue's search).
            python_version: the inspected interpreter's version (the Python column's mark).
        """
        super().__init__()
        self._all = list(rows)
        self._by_name = {row.entry.name: row for row in self._all}
        self._search = search
        self._python_version = python_version
        self.shown: list[str] = []
        """The row keys shown, in order (entry names, and TYPED)."""
        self.query_text = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog catalogue-dialog") as dialog:
            dialog.border_title = "Install a plugin"
            dialog.border_subtitle = "enter installs · / searches · escape closes"
            yield Input(
                placeholder="Search, or type a name, requirement or wheel path",
                id="catalogue-search",
            )
            table: DataTable[Text] = DataTable(
                id="catalogue-table", cursor_type="row", zebra_stripes=True
            )
            table.add_column("Name", key="name")
            table.add_column("Kind", key="kind")
            table.add_column("Python", key="python")
            # Its own column: "not on the index" is not an install state (QA: it showed under
            # Installed, read as "this one is not installed from the index").
            table.add_column("On index", key="index")
            table.add_column("Installed", key="installed")
            table.add_column("Summary", key="summary")
            yield table
            yield Static(id="catalogue-detail")

    def on_mount(self) -> None:
        search = self.query_one("#catalogue-search", Input)
        search.cursor_blink = False if self.app.animation_level == "none" else search.cursor_blink
        self._show("")
        search.focus()

    # -- the list ---------------------------------------------------------------------------

    def _show(self, query: str) -> None:
        self.query_text = query.strip()
        if self.query_text:
            names = [entry.name for entry in self._search(self.query_text)]
            rows = [self._by_name[name] for name in names if name in self._by_name]
        else:
            rows = self._all
        table = self.query_one("#catalogue-table", DataTable)
        table.clear()
        self.shown = []
        for row in rows:
            table.add_row(*self._cells(row), key=row.entry.name)
            self.shown.append(row.entry.name)
        exact = any(r.entry.name.lower() == self.query_text.lower() for r in rows)
        if self.query_text and not exact:
            table.add_row(
                Text(_one_line(self.query_text), style="bold"),
                Text(""),
                Text(""),
                Text(""),
                Text(""),
                Text("installs what you typed (a name, requirement or wheel path)", "italic"),
                key=TYPED,
            )
            self.shown.append(TYPED)
        if self.shown:
            table.move_cursor(row=0, animate=False)
        self._show_detail()

    def _cells(self, row: CatalogueRow) -> tuple[Text, ...]:
        entry = row.entry
        index = Text("yes") if entry.published else Text("no", style="yellow")
        if row.installed is None:
            installed = Text("")
        else:
            installed = Text(f"✓ {_one_line(row.installed)}".rstrip(), style="green")
        python = Text(_one_line(entry.requires_python or ""))
        if row.python_ok is False:
            python.stylize("bold red")
            python.append(" ✗", style="bold red")
        return (
            Text(_one_line(entry.name), style="bold"),
            Text(_one_line(", ".join(entry.kinds))),
            python,
            index,
            installed,
            Text(_one_line(entry.summary or "")),
        )

    @property
    def highlighted(self) -> str | None:
        """The row key under the cursor (an entry name, or TYPED); None when empty."""
        table = self.query_one("#catalogue-table", DataTable)
        if not self.shown:
            return None
        index = min(max(table.cursor_row, 0), len(self.shown) - 1)
        return self.shown[index]

    def _show_detail(self) -> None:
        detail = self.query_one("#catalogue-detail", Static)
        key = self.highlighted
        if key is None:
            detail.update(Content("Nothing matches."))
            return
        if key == TYPED:
            detail.update(
                Content.assemble(
                    "Not in the catalogue: installs ",
                    (_one_line(self.query_text), "bold"),
                    " as typed (you see the exact command first).",
                )
            )
            return
        row = self._by_name[key]
        entry = row.entry
        parts: list[Content | str | tuple[str, str]] = [(_one_line(entry.name), "bold")]
        if entry.homepage:
            parts += ["  ", (_one_line(entry.homepage), "underline")]
        parts += ["\n", _one_line(entry.summary or "")]
        if row.python_ok is False:
            parts += [
                "\n",
                (
                    f"Needs Python {_one_line(entry.requires_python or '')}; this environment "
                    f"has {self._python_version}: pip will not find a release to install.",
                    "$text-error",
                ),
            ]
        if not entry.published:
            parts += [
                "\n",
                ("Not on the package index: install it from its source.", "$text-warning"),
            ]
        elif row.installed is not None:
            parts += ["\n", ("Installed here: enter updates it.", "$text-success")]
        detail.update(Content.assemble(*parts))

    @on(DataTable.RowHighlighted, "#catalogue-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    @on(DataTable.RowSelected, "#catalogue-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_choose()

    @on(Input.Changed, "#catalogue-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show(event.value)

    @on(Input.Submitted, "#catalogue-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_choose()

    # -- actions ----------------------------------------------------------------------------

    def action_choose(self) -> None:
        """Install (or update) the highlighted line."""
        key = self.highlighted
        if key is None:
            return
        if key == TYPED:
            self.dismiss(Choice(self.query_text, installed=False))
            return
        row = self._by_name[key]
        self.dismiss(Choice(row.entry.name, installed=row.installed is not None, entry=row.entry))

    def action_search(self) -> None:
        self.query_one("#catalogue-search", Input).focus()

    def action_to_table(self) -> None:
        self.query_one("#catalogue-table", DataTable).focus()

    def action_back(self) -> None:
        """Escape: clear the search first, then close."""
        search = self.query_one("#catalogue-search", Input)
        if search.value:
            search.value = ""
            search.focus()
            return
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        focused = self.focused
        typing = isinstance(focused, Input)
        if action in ("choose", "search"):
            # In the search box, i and / are letters of the query (enter installs there).
            return not typing
        if action == "to_table":
            return typing
        return True
