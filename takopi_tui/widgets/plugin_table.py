"""The plugin table: one row per plugin, drawn from :class:`takopi_tui.rows.PluginRow`.

A small Line-API widget rather than Textual's DataTable: DataTable measured every cell of
every row on each change and rendered its visible lines several times before the first
paint, which was most of the start-up time with a few hundred plugins. This one builds each
row's cells as :class:`rich.text.Text` once per update, and renders only the lines on
screen, each one cached as a :class:`~textual.strip.Strip` until its row changes.

Cell text is only ever used as text: plugin ids, distribution names, versions and reasons
are untrusted and are never parsed as markup (``Text(s)``, not ``Text.from_markup``), and
their control characters are shown escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from takopi_core.text import safe_text

from ..rows import PluginRow, Status

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    # (key, label, fixed width or None for "fit the content")
    ("on", "On", 3),
    ("kind", "Kind", 9),
    ("id", "ID", None),
    ("dist", "Distribution", None),
    ("version", "Version", None),
    ("status", "Status", 17),  # fits "✓ ok, needs setup"
    ("ms", "Load ms", 7),
)
CELL_PADDING = 1  # blank columns either side of every cell

#: The Status of a transport that loads but whose setup check reported issues.
NEEDS_SETUP = "✓ ok, needs setup"

STATUS_GLYPHS: dict[Status, tuple[str, str]] = {
    Status.NOT_CHECKED: ("○ not checked", "dim"),
    Status.LOADING: ("⟳ checking", "bold yellow"),
    Status.OK: ("✓ ok", "green"),
    Status.FAILED: ("✗ failed", "bold red"),
    Status.DISABLED: ("⊘ disabled", "dim"),
    Status.BROKEN: ("✗ {reason}", "bold red"),
}


def cell_text(text: str) -> str:
    """Untrusted ``text`` for one cell: control characters escaped, and the tabs and line
    breaks :func:`safe_text` keeps made blanks (a cell is one line of fixed width)."""
    return " ".join(safe_text(text).replace("\t", " ").splitlines())


def status_cell(row: PluginRow) -> Text:
    """The Status cell: a glyph and a word, coloured by state."""
    label, style = STATUS_GLYPHS[row.status]
    if row.status is Status.BROKEN:
        label = label.format(reason=cell_text(row.broken_reason))
    elif row.status is Status.LOADING and row.checking_for is not None:
        label += f" {elapsed_text(row.checking_for)}"
    elif row.status is Status.OK and row.result is not None and row.result.setup_ok is False:
        return Text(NEEDS_SETUP, style="yellow")
    return Text(label, style=style)


def version_cell(row: PluginRow, style: str) -> Text:
    """The Version cell: the installed version, and "↑ X" when the index has a newer one."""
    cell = Text(cell_text(row.version or ""), style=style)
    if row.latest is not None:
        cell.append(f" ↑ {cell_text(row.latest)}", style="bold yellow")
    return cell


def elapsed_text(seconds: float) -> str:
    """``3.2 s``; whole seconds from 100 s on (the Status column stays 17 wide)."""
    return f"{seconds:.1f} s" if seconds < 100 else f"{seconds:.0f} s"


def row_cells(row: PluginRow) -> tuple[Text, ...]:
    """The seven cells of ``row``, in column order."""
    dim = "dim" if not row.enabled and not row.staged else ""
    if row.staged:
        on = Text("●*" if row.enabled_after else "○*", style="bold magenta")
    else:
        on = Text("●" if row.enabled else "○", style="green" if row.enabled else "dim")
    # Ids and metadata come from plugins: control characters are shown escaped.
    dist = Text(cell_text(row.dist_label), style=dim)
    if row.builtin:
        dist.append(" built-in", style="italic cyan")
    return (
        on,
        Text(row.kind, style=dim),
        Text(cell_text(row.id), style=dim or "bold"),
        dist,
        version_cell(row, dim),
        status_cell(row),
        Text(f"{row.load_ms:.0f}" if row.load_ms is not None else "", style=dim, justify="right"),
    )


HEADER = tuple(Text(label) for _key, label, _width in COLUMNS)


def measure(cells: Sequence[Sequence[Text]], header: Sequence[Text] = HEADER) -> tuple[int, ...]:
    """Content width of each column: fixed (or its label, when wider: a sort mark), or the
    widest of the label and the cells."""
    widths = []
    for index, (_key, _label, width) in enumerate(COLUMNS):
        label_width = header[index].cell_len
        if width is None:
            width = max([label_width, *(row[index].cell_len for row in cells)])
        widths.append(max(width, label_width))
    return tuple(widths)


def sorted_header(column: str | None, arrow: str) -> tuple[Text, ...]:
    """The header labels with ``arrow`` (▲ or ▼) after the sort column's label."""
    return tuple(
        Text(f"{label} {arrow}", style="bold") if key == column else Text(label)
        for key, label, _width in COLUMNS
    )


def table_line(cells: Sequence[Text], widths: Sequence[int], width: int) -> Text:
    """One table line as Text: each cell cropped and padded to its column, out to ``width``."""
    pad = " " * CELL_PADDING
    line = Text(no_wrap=True, end="")
    for cell, cell_width in zip(cells, widths, strict=True):
        fitted = cell.copy()
        fitted.align("right" if cell.justify == "right" else "left", cell_width)
        line.append(pad)
        line.append_text(fitted)
        line.append(pad)
    if line.cell_len < width:
        line.pad_right(width - line.cell_len)
    return line


class PluginTable(ScrollView, can_focus=True):
    """A row-cursor table of plugins that keeps the cursor on the same plugin across updates.

    The header stays on top while the rows scroll; rows alternate in shade (zebra stripes).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first_row", "First row", show=False),
        Binding("end,ctrl+end", "last_row", "Last row", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "plugin-table--header",
        "plugin-table--cursor",
        "plugin-table--even-row",
        "plugin-table--odd-row",
    }

    class Populated(Message):
        """New rows are on screen: sent after the refresh that drew a :meth:`show_rows`."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class RowHighlighted(Message):
        """The cursor moved to another plugin (``key`` None: the table is empty)."""

        def __init__(self, table: PluginTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> PluginTable:
            return self.table

    class HeaderClicked(Message):
        """A click on the header of the column ``column`` (a key of ``COLUMNS``)."""

        def __init__(self, table: PluginTable, column: str) -> None:
            super().__init__()
            self.table = table
            self.column = column

        @property
        def control(self) -> PluginTable:
            return self.table

    class RowSelected(Message):
        """Enter (or a click on the cursor row) on the plugin ``key``."""

        def __init__(self, table: PluginTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> PluginTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[PluginRow] = []
        self._cells: list[tuple[Text, ...]] = []
        self._keys: list[str] = []
        self._header: tuple[Text, ...] = HEADER
        self._widths: tuple[int, ...] = measure([])
        self._cursor = 0
        self._announced: str | None = None
        self._line_cache: dict[tuple[int, bool], Strip] = {}
        self._header_cache: Strip | None = None
        self._drawn_for: object = None

    # -- the model ------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def highlighted_key(self) -> str | None:
        """The key of the row under the cursor, or None when the table is empty."""
        return self._keys[self._cursor] if self._keys else None

    @property
    def shown_keys(self) -> list[str]:
        return list(self._keys)

    def show_rows(self, rows: Sequence[PluginRow]) -> None:
        """Show exactly ``rows``, keeping the cursor on the same plugin when it is still shown."""
        keys = [row.key for row in rows]
        cells = [row_cells(row) for row in rows]
        widths = measure(cells, self._header)
        if keys == self._keys and widths == self._widths:
            # Same plugins in the same columns (a probe result, a staged toggle): only the
            # lines of the rows that changed are drawn again.
            old = self._rows
            self._rows, self._cells = list(rows), cells
            for index, row in enumerate(self._rows):
                if old[index] != row:
                    self._line_cache.pop((index, False), None)
                    self._line_cache.pop((index, True), None)
            self.refresh()
        else:
            if keys != self._keys:
                keep = self.highlighted_key
                self._keys = keys
                position = keys.index(keep) if keep is not None and keep in keys else 0
                self._cursor = min(position, max(len(keys) - 1, 0))
            self._rows, self._cells = list(rows), cells
            self._widths = widths
            self._data_changed()
        self._announce()
        populated = self.Populated(len(rows))
        # The screen usually calls this; with the screen as sender the message would stop
        # bubbling there, and the app (benchmarks, tests) would never hear of it.
        populated.set_sender(self)
        self.call_after_refresh(self.post_message, populated)

    def update_rows(self, rows: Sequence[PluginRow]) -> None:
        """Redraw ``rows`` in place (same keys, same column widths: a loading row's elapsed
        time ticking), without measuring or rebuilding the others; unknown keys are skipped."""
        index_of = {key: index for index, key in enumerate(self._keys)}
        for row in rows:
            index = index_of.get(row.key)
            if index is None:
                continue
            self._rows[index] = row
            self._cells[index] = row_cells(row)
            self._line_cache.pop((index, False), None)
            self._line_cache.pop((index, True), None)
        self.refresh()

    def show_sort(self, column: str | None, arrow: str = "▲") -> None:
        """Mark the sort column's header with ``arrow`` (None: the default order, no mark)."""
        header = sorted_header(column, arrow) if column is not None else HEADER
        if header != self._header:
            self._header = header
            self._widths = measure(self._cells, header)
            self._data_changed()

    def column_at(self, x: int) -> str | None:
        """The key of the column drawn at ``x`` (widget coordinates), None past the last."""
        x += int(self.scroll_x)
        right = 0
        for (key, _label, _width), width in zip(COLUMNS, self._widths, strict=True):
            right += width + 2 * CELL_PADDING
            if x < right:
                return key
        return None

    def _data_changed(self) -> None:
        self._clear_lines()
        table_width = sum(self._widths) + 2 * CELL_PADDING * len(self._widths)
        self.virtual_size = Size(table_width, len(self._keys) + 1)  # + the header
        self.refresh()

    def notify_style_update(self) -> None:
        # Theme and CSS changes restyle every line.
        super().notify_style_update()
        self._clear_lines()
        self.refresh()

    def _clear_lines(self) -> None:
        self._line_cache.clear()
        self._header_cache = None

    # -- the cursor ------------------------------------------------------------------------------

    def move_cursor(self, *, row: int, animate: bool = False, scroll: bool = True) -> None:
        """Put the cursor on row ``row`` (clamped to the rows shown)."""
        if not self._keys:
            return
        row = max(0, min(row, len(self._keys) - 1))
        if row != self._cursor:
            self._cursor = row
            self.refresh()
        if scroll:
            self._scroll_to_cursor(animate=animate)
        self._announce()

    def _announce(self) -> None:
        """Say when the plugin under the cursor changed."""
        key = self.highlighted_key
        if key != self._announced:
            self._announced = key
            self.post_message(self.RowHighlighted(self, key))

    def on_resize(self, _event: events.Resize) -> None:
        # A smaller window (or taller panes, or a zoom restored) can leave the cursor row
        # below the last line drawn while the details still show it: bring it back in view.
        if self._keys:
            self._scroll_to_cursor()

    def _scroll_to_cursor(self, *, animate: bool = False) -> None:
        region = Region(int(self.scroll_x), self._cursor + 1, 1, 1)
        self.scroll_to_region(
            region, spacing=Spacing(top=1), animate=animate, force=True, x_axis=False
        )

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self._cursor - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(row=self._cursor + self._page())

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=len(self._keys) - 1)

    def action_select_cursor(self) -> None:
        key = self.highlighted_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def on_click(self, event: events.Click) -> None:
        row = event.style.meta.get("row")
        if row == -1:  # the header
            column = self.column_at(event.x)
            if column is not None:
                event.stop()
                self.post_message(self.HeaderClicked(self, column))
            return
        if not isinstance(row, int) or row < 0:
            return
        event.stop()
        if row == self._cursor:
            self.action_select_cursor()
        else:
            self.move_cursor(row=row)

    # -- drawing ---------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # Focus changes the cursor's and the header's look (:focus rules in app.tcss), and
        # lines are drawn out to the widget's width: either change draws every line again.
        state = (self.get_pseudo_class_state(), self.size.width)
        if state != self._drawn_for:
            self._drawn_for = state
            self._clear_lines()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            if self._header_cache is None:
                style = self.get_component_styles("plugin-table--header").rich_style
                self._header_cache = self._strip(self._header, style, None, -1, width)
            strip = self._header_cache
        else:
            index = scroll_y + y - 1
            if index >= len(self._keys):
                return Strip.blank(width, self.rich_style)
            cursor = index == self._cursor
            cached = self._line_cache.get((index, cursor))
            if cached is None:
                cached = self._line_cache[(index, cursor)] = self._row_strip(index, cursor, width)
            strip = cached
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _row_strip(self, index: int, cursor: bool, width: int) -> Strip:
        parity = "plugin-table--odd-row" if index % 2 else "plugin-table--even-row"
        style = self.get_component_styles(parity).rich_style
        post = None
        if cursor:
            cursor_style = self.get_component_rich_style("plugin-table--cursor")
            style += cursor_style
            # The cursor's colours win over the cells' own, as DataTable's did.
            post = Style.from_color(cursor_style.color, cursor_style.bgcolor) or None
        return self._strip(self._cells[index], style, post, index, width)

    def _strip(
        self, cells: Sequence[Text], style: Style, post: Style | None, index: int, width: int
    ) -> Strip:
        """Render one line: the row's style under the cells' own, the cursor's colours
        (``post``) over them, and ``{"row": index}`` as meta for clicks."""
        line = table_line(cells, self._widths, width)
        segments = Segment.apply_style(line.render(self.app.console), style, post)
        return Strip(segments, line.cell_len).apply_meta({"row": index})
