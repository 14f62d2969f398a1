"""The plugin table: one row per plugin, drawn from :class:`takopi_tui.rows.PluginRow`.

A small Line-API widget rather than Textual's DataTable: DataTable measured every cell of
every row on each change and rendered its visible lines several times before the first
paint, which was most of the start-up time with a few hundred plugins. This one measures
the fit-the-content columns from the rows' plain strings, builds a row's cells only when
its line is drawn, and renders only the lines on screen, each one a cached
:class:`~textual.strip.Strip` assembled straight from strings and styles.

Cell text is only ever used as text: plugin ids, distribution names, versions and reasons
are untrusted and are never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.control import strip_control_codes
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

STATUS_GLYPHS: dict[Status, tuple[str, str]] = {
    Status.NOT_CHECKED: ("○ not checked", "dim"),
    Status.LOADING: ("⟳ loading", "bold yellow"),
    Status.OK: ("✓ ok", "green"),
    Status.FAILED: ("✗ failed", "bold red"),
    Status.DISABLED: ("⊘ disabled", "dim"),
    Status.BROKEN: ("✗ {reason}", "bold red"),
}


class Cell(NamedTuple):
    """One cell as plain strings and style names: what a line is drawn from.

    ``text`` may hold anything (it is untrusted); it is shown as text, like ``Text(text)``
    shows it. ``suffix`` is appended in its own style (the " built-in" marker).
    """

    text: str
    style: str = ""
    suffix: str = ""
    suffix_style: str = ""
    right: bool = False
    """Right-justified (the load time); others are left-justified."""

    def to_text(self) -> Text:
        """The same cell as a ``rich.text.Text``."""
        text = Text(self.text, style=self.style, justify="right" if self.right else None)
        if self.suffix:
            text.append(self.suffix, style=self.suffix_style)
        return text


def status_cell(row: PluginRow) -> Cell:
    """The Status cell: a glyph and a word, coloured by state."""
    label, style = STATUS_GLYPHS[row.status]
    if row.status is Status.BROKEN:
        label = label.format(reason=safe_text(row.broken_reason))
    elif row.status is Status.OK and row.result is not None and row.result.setup_ok is False:
        return Cell("✓ ok, needs setup", "yellow")
    return Cell(label, style)


def row_spec(row: PluginRow) -> tuple[Cell, ...]:
    """The seven cells of ``row``, in column order, as plain strings and style names."""
    dim = "dim" if not row.enabled and not row.staged else ""
    if row.staged:
        on = Cell("●*" if row.enabled_after else "○*", "bold magenta")
    else:
        on = Cell("●" if row.enabled else "○", "green" if row.enabled else "dim")
    # Ids and metadata come from plugins: control characters are shown escaped.
    dist_label = safe_text(row.dist_label)
    if row.builtin:
        dist = Cell(dist_label, dim, suffix=" built-in", suffix_style="italic cyan")
    else:
        dist = Cell(dist_label, dim)
    return (
        on,
        Cell(row.kind, dim),
        Cell(safe_text(row.id), dim or "bold"),
        dist,
        Cell(safe_text(row.version or ""), dim),
        status_cell(row),
        Cell(f"{row.load_ms:.0f}" if row.load_ms is not None else "", dim, right=True),
    )


def row_cells(row: PluginRow) -> tuple[Text, ...]:
    """The seven cells of ``row``, in column order."""
    return tuple(cell.to_text() for cell in row_spec(row))


#: The text of each fit-the-content column's cell (index in COLUMNS -> text), as
#: :func:`row_spec` builds it: measuring these plain strings is much cheaper than
#: building every row's cells just to know the column widths.
_FIT_TEXTS: dict[int, Callable[[PluginRow], str]] = {
    2: lambda row: safe_text(row.id),
    3: lambda row: safe_text(row.dist_label) + (" built-in" if row.builtin else ""),
    4: lambda row: safe_text(row.version or ""),
}

HEADER = tuple(Text(label) for _key, label, _width in COLUMNS)
_HEADER_CELLS = tuple(Cell(label) for _key, label, _width in COLUMNS)

#: A piece of a line: its text and the names of the cell styles over it, outermost first
#: (``()``: between cells, or in a cell without a style).
_Run = tuple[str, tuple[str, ...]]
#: (cell styles over a run, row style, cursor colours)
_RunStyleKey = tuple[tuple[str, ...], Style, Style | None]


def _as_text(text: str) -> str:
    """``text`` as ``Text(text)`` holds it: without the control codes Rich removes."""
    # isprintable() is quick and false whenever a code Rich removes is there.
    return text if text.isprintable() else strip_control_codes(text)


def _cell_runs(cell: Cell, width: int, pending: list[str], runs: list[_Run]) -> None:
    """Lay ``cell`` out in ``width`` columns.

    Unstyled text goes on ``pending`` (it joins the blanks around it); where a style starts
    or ends, the line is cut, as ``Text.render`` cuts it at every span edge. The result is
    what appending ``cell.to_text()`` cropped and padded to ``width`` would render.
    """
    text = _as_text(cell.text)
    suffix = _as_text(cell.suffix) if cell.suffix else ""
    plain = text + suffix
    spans: list[tuple[int, int, str]] = []  # (start, end, style) in order of appending
    if suffix and cell.suffix_style:
        spans.append((len(text), len(plain), cell.suffix_style))
    size = cell_len(plain)
    if size > width:  # crop, as Text.truncate(width, overflow="crop") does
        cropped = set_cell_size(plain, width)
        if len(cropped) < len(plain):
            end = len(cropped)
            spans = [(s, min(e, end), style) for s, e, style in spans if s < end]
        plain = cropped
        size = cell_len(plain)
    gap = width - size
    if gap and cell.right:
        plain = " " * gap + plain
        spans = [(s + gap, e + gap, style) for s, e, style in spans]
    elif gap:
        plain += " " * gap
    if cell.style:
        spans.insert(0, (0, len(plain), cell.style))
    if not spans:
        pending.append(plain)
        return
    if len(spans) == 1 and plain and cell.style:  # the usual case: one style, whole cell
        if pending:
            runs.append(("".join(pending), ()))
            pending.clear()
        runs.append((plain, (cell.style,)))
        return
    edges = sorted({edge for start, end, _style in spans for edge in (start, end)})
    if edges[0]:
        pending.append(plain[: edges[0]])
    before = "".join(pending)
    if before:
        runs.append((before, ()))
    pending.clear()
    for start, end in pairwise(edges):
        over = tuple(style for s, e, style in spans if s <= start and e >= end)
        runs.append((plain[start:end], over))
    if edges[-1] < len(plain):
        pending.append(plain[edges[-1] :])


class _Frame:
    """What every line of one drawing pass needs from the widget, looked up once."""

    def __init__(self, table: PluginTable) -> None:
        self._table = table
        self.scroll_x, self.scroll_y = table.scroll_offset
        self.width = table.size.width
        self._background: Style | None = None

    @property
    def background(self) -> Style:
        """The widget's own style, for blank space past the rows (rarely needed)."""
        if self._background is None:
            self._background = self._table.rich_style
        return self._background


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
        self._keys: list[str] = []
        self._widths: tuple[int, ...] = self._measure([])
        self._cursor = 0
        self._announced: str | None = None
        self._line_cache: dict[tuple[int, bool], Strip] = {}
        self._header_cache: Strip | None = None
        self._drawn_for: object = None
        self._frame: _Frame | None = None
        # Styles for drawing, kept until the lines are cleared (CSS, theme or focus change):
        # the (row style, cursor colours) of each (parity, cursor), style names resolved by
        # the console, and each run's style before the row's meta.
        self._line_styles: dict[tuple[int, bool], tuple[Style, Style | None]] = {}
        self._named_styles: dict[str, Style] = {}
        self._run_styles: dict[_RunStyleKey, Style] = {}

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
        widths = self._measure(rows)
        if keys == self._keys and widths == self._widths:
            # Same plugins in the same columns (a probe result, a staged toggle): only the
            # lines of the rows that changed are drawn again.
            old = self._rows
            self._rows = list(rows)
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
            self._rows = list(rows)
            self._widths = widths
            self._data_changed()
        self._announce()
        populated = self.Populated(len(rows))
        # The screen usually calls this; with the screen as sender the message would stop
        # bubbling there, and the app (benchmarks, tests) would never hear of it.
        populated.set_sender(self)
        self.call_after_refresh(self.post_message, populated)

    @staticmethod
    def _measure(rows: Sequence[PluginRow]) -> tuple[int, ...]:
        """Content width of each column: fixed, or the widest of the label and the cells."""
        widths = []
        for index, (_key, label, width) in enumerate(COLUMNS):
            if width is None:
                text_of = _FIT_TEXTS[index]
                # Measured as Text measures its text: control codes removed, wide
                # characters two columns.
                sizes = {cell_len(_as_text(text_of(row))) for row in rows}
                width = max(len(label), *sizes) if sizes else len(label)
            widths.append(width)
        return tuple(widths)

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
        self._line_styles.clear()
        self._named_styles.clear()
        self._run_styles.clear()

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

    async def _on_click(self, event: events.Click) -> None:
        row = event.style.meta.get("row")
        if not isinstance(row, int) or row < 0:
            return
        event.stop()
        if row == self._cursor:
            self.action_select_cursor()
        else:
            self.move_cursor(row=row)

    # -- drawing ---------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # Focus changes the cursor's and the header's look (:focus rules in app.tcss).
        # Lines are drawn out to the widget's width.
        frame = _Frame(self)
        state = (self.get_pseudo_class_state(), frame.width)
        if state != self._drawn_for:
            self._drawn_for = state
            self._clear_lines()
        # Size, scroll offset and background cannot change while these lines are drawn,
        # and looking them up for every line cost more than drawing it.
        self._frame = frame
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        frame = self._frame or _Frame(self)
        scroll_x, scroll_y, width = frame.scroll_x, frame.scroll_y, frame.width
        if y == 0:
            if self._header_cache is None:
                style = self.get_component_styles("plugin-table--header").rich_style
                self._header_cache = self._line(_HEADER_CELLS, style, None, -1, width)
            strip = self._header_cache
        else:
            index = scroll_y + y - 1
            if index >= len(self._keys):
                return Strip.blank(width, frame.background)
            cursor = index == self._cursor
            strip = self._line_cache.get((index, cursor))
            if strip is None:
                strip = self._row_line(index, cursor, width)
                self._line_cache[(index, cursor)] = strip
        end = scroll_x + width
        if strip.cell_length < end:  # only then does crop_extend use the background
            return strip.crop_extend(scroll_x, end, frame.background)
        return strip.crop(scroll_x, end)

    def _row_line(self, index: int, cursor: bool, width: int) -> Strip:
        styles = self._line_styles.get((index % 2, cursor))
        if styles is None:
            parity = "plugin-table--odd-row" if index % 2 else "plugin-table--even-row"
            style = self.get_component_styles(parity).rich_style
            post = None
            if cursor:
                cursor_style = self.get_component_rich_style("plugin-table--cursor")
                style += cursor_style
                # The cursor's colours win over the cells' own, as DataTable's did.
                post = Style.from_color(cursor_style.color, cursor_style.bgcolor) or None
            styles = self._line_styles[(index % 2, cursor)] = (style, post)
        return self._line(row_spec(self._rows[index]), *styles, index, width)

    def _line(
        self, cells: Sequence[Cell], style: Style, post: Style | None, index: int, width: int
    ) -> Strip:
        """One table line: padded cells, then the row's style out to ``width`` columns.

        The same segments as rendering the cells' ``Text`` joined into one line (cut where
        a cell style starts or ends), with the row's style under each cell's own, the
        cursor's colours (``post``) over them, and ``{"row": index}`` as meta.
        """
        pad = " " * CELL_PADDING
        pending: list[str] = []
        runs: list[_Run] = []
        for cell, cell_width in zip(cells, self._widths, strict=True):
            pending.append(pad)
            _cell_runs(cell, cell_width, pending, runs)
            pending.append(pad)
        table_text = "".join([*(text for text, _over in runs), *pending])
        table_width = cell_len(table_text)
        fill = " " * max(0, width - table_width)
        pending.append(fill)
        rest = "".join(pending)
        if rest:
            runs.append((rest, ()))
        # Blanks after the table add their own width, unless a joiner or a variation
        # selector at the end could pull one in (then measure the line as Text would).
        if "\u200d" in table_text or "\ufe0f" in table_text:
            line_width = cell_len(table_text + fill)
        else:
            line_width = table_width + len(fill)
        meta = Style.from_meta({"row": index})
        segments = []
        for text, over in runs:
            run_style = self._run_style(over, style, post)
            segments.append(Segment(text, meta + run_style))
        return Strip(segments, line_width)

    def _run_style(self, over: tuple[str, ...], style: Style, post: Style | None) -> Style:
        """The style of a run under the named cell styles ``over``, before the meta."""
        memo_key = (over, style, post)
        if memo_key in self._run_styles:
            return self._run_styles[memo_key]
        # As Text.render: the line's own (empty) style combined with the cell styles over the
        # run. (Text.render gives no style at all to a line without any cell style; the same
        # once the row style or the meta is added.)
        run_style = Style.combine([self._named_style(""), *map(self._named_style, over)])
        # As Segment.apply_style(segments, style, post).
        if style:
            run_style = style + run_style
        if post:
            run_style = run_style + post if run_style else post
        self._run_styles[memo_key] = run_style
        return run_style

    def _named_style(self, name: str) -> Style:
        style = self._named_styles.get(name)
        if style is None:
            style = self._named_styles[name] = self.app.console.get_style(
                name, default=Style.null()
            )
        return style
