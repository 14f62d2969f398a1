"""PluginTable draws its lines from plain strings; they must be the lines Rich's Text makes.

The table builds each line's segments directly (for speed). The reference here builds the
same line the straightforward way: the row's ``row_cells`` Texts cropped and padded with
``Text`` methods, joined into one ``Text``, rendered by the console, with the row style
under and the cursor colours over every segment and ``{"row": index}`` as meta. Both must
give the same segments (text and style), for rows full of awkward text: wide characters,
control codes, markup look-alikes, joiners, cells too long for their fixed column.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

import takopi_tui
from takopi_core.plugins.discovery import DiscoveryError
from takopi_core.plugins.probe import LoadResult
from takopi_tui.rows import PluginRow, Status
from takopi_tui.widgets.plugin_table import (
    CELL_PADDING,
    COLUMNS,
    HEADER,
    Cell,
    PluginTable,
    row_cells,
)

APP_CSS = Path(takopi_tui.__file__).with_name("app.tcss")


def make_row(
    plugin_id: str,
    *,
    kind: str = "engine",
    dist: str | None = "takopi-x",
    version: str | None = "1.0",
    builtin: bool = False,
    enabled: bool = True,
    enabled_after: bool | None = None,
    status: Status = Status.NOT_CHECKED,
    load_ms: float | None = None,
    setup_ok: bool | None = None,
    reason: str | None = None,
) -> PluginRow:
    result = None
    if status in (Status.OK, Status.FAILED):
        result = LoadResult(
            kind=kind,
            id=plugin_id,
            value="mod:BACKEND",
            distribution=dist,
            version=version,
            status="ok" if status is Status.OK else "failed",
            load_ms=load_ms,
            setup_ok=setup_ok,
            message=None if status is Status.OK else "boom",
        )
    problem = None
    if reason is not None:
        problem = DiscoveryError(kind, plugin_id, "mod:BACKEND", dist, f"{reason}!", reason)
    return PluginRow(
        key=f"{kind}\x1f{plugin_id}\x1f{dist or ''}",
        kind=kind,
        id=plugin_id,
        value="mod:BACKEND",
        distribution=dist,
        version=version,
        location=None,
        builtin=builtin,
        enabled=enabled,
        enabled_after=enabled if enabled_after is None else enabled_after,
        status=status,
        result=result,
        problem=problem,
    )


ROWS = [
    make_row("plain"),
    make_row("off", enabled=False, status=Status.DISABLED),
    make_row("going", enabled=True, enabled_after=False),
    make_row("coming", enabled=False, enabled_after=True, status=Status.DISABLED),
    make_row("claude", dist="takopi", builtin=True, status=Status.OK, load_ms=3.4),
    make_row("codex", dist="takopi", builtin=True, enabled=False, status=Status.DISABLED),
    make_row("slow", status=Status.OK, load_ms=123456789.0),  # crops the Load ms column
    make_row("setup", kind="transport", status=Status.OK, load_ms=12.5, setup_ok=False),
    make_row("bad", status=Status.FAILED),
    make_row("busy", status=Status.LOADING),
    make_row("orphan", dist=None, version=None, status=Status.BROKEN, reason="no-distribution"),
    # A reason too wide for Status, cut in the middle of a two-column character.
    make_row("odd", status=Status.BROKEN, reason="漢字漢字漢字漢字漢字 and more"),
    make_row("wide", dist="パッケージ-dist", version="版本1.0", enabled=False),
    make_row("ctrl", dist="evil\rname\x07", version="1.0\x08b\t", status=Status.DISABLED),
    make_row("[bold]x[/]", kind="command", dist="takopi-[bold]evil[/]", version="[/]1.0"),
    make_row("joiner", version="1.0👨‍👩‍👧", builtin=True, dist="takopi-️x"),
]


def reference_widths(rows: Sequence[PluginRow]) -> list[int]:
    cells = [row_cells(row) for row in rows]
    return [
        width if width is not None else max([len(label), *(row[index].cell_len for row in cells)])
        for index, (_key, label, width) in enumerate(COLUMNS)
    ]


def reference_line(
    table: PluginTable,
    cells: Sequence[Text],
    widths: Sequence[int],
    style: Style,
    post: Style,
    index: int,
) -> Strip:
    """The line as Text methods and the console render it."""
    line = Text(end="", no_wrap=True)
    pad = " " * CELL_PADDING
    for cell, width in zip(cells, widths, strict=True):
        piece = cell.copy()
        piece.truncate(width, overflow="crop")
        gap = width - piece.cell_len
        if gap and piece.justify == "right":
            piece.pad_left(gap)
        elif gap:
            piece.pad_right(gap)
        line.append(pad)
        line.append_text(piece)
        line.append(pad)
    line.append(" " * max(0, table.size.width - line.cell_len))
    segments = Segment.apply_style(line.render(table.app.console), style, post or None)
    return Strip(list(segments), line.cell_len).apply_meta({"row": index})


def reference_render_line(table: PluginTable, rows: Sequence[PluginRow], y: int) -> Strip:
    scroll_x, scroll_y = table.scroll_offset
    width = table.size.width
    widths = reference_widths(rows)
    if y == 0:
        style = table.get_component_styles("plugin-table--header").rich_style
        strip = reference_line(table, HEADER, widths, style, Style.null(), -1)
    else:
        index = scroll_y + y - 1
        if index >= len(rows):
            return Strip.blank(width, table.rich_style)
        parity = "plugin-table--odd-row" if index % 2 else "plugin-table--even-row"
        style = table.get_component_styles(parity).rich_style
        post = Style.null()
        if index == table.cursor_row:
            cursor_style = table.get_component_rich_style("plugin-table--cursor")
            style += cursor_style
            post = Style.from_color(cursor_style.color, cursor_style.bgcolor)
        strip = reference_line(table, row_cells(rows[index]), widths, style, post, index)
    return strip.crop_extend(scroll_x, scroll_x + width, table.rich_style)


class TableApp(App[None]):
    CSS_PATH = APP_CSS

    def compose(self) -> ComposeResult:
        yield PluginTable(id="plugins")


def assert_lines_match(table: PluginTable, rows: Sequence[PluginRow]) -> int:
    """Every line on screen equals the reference; returns how many were compared."""
    height = table.size.height
    # render_lines notices focus and width changes before the lines are drawn.
    table.render_lines(Region(0, 0, table.size.width, height))
    for y in range(height):
        ours = table.render_line(y)
        theirs = reference_render_line(table, rows, y)
        assert list(ours) == list(theirs), f"line {y} differs"
        assert ours.cell_length == theirs.cell_length, f"line {y}: width differs"
    return height


async def test_lines_match_rich_text_rendering_focused_and_not() -> None:
    app = TableApp()
    async with app.run_test(size=(130, 24)) as pilot:
        table = app.query_one(PluginTable)
        table.show_rows(ROWS)
        await pilot.pause()
        compared = 0
        for focused in (True, False):
            if focused:
                table.focus()
            else:
                table.blur()
            await pilot.pause()
            assert table.has_focus is focused
            for cursor in (0, 5, len(ROWS) - 1):
                table.move_cursor(row=cursor)
                await pilot.pause()
                compared += assert_lines_match(table, ROWS)
        assert compared == 2 * 3 * table.size.height


async def test_lines_match_when_scrolled_sideways_in_a_narrow_table() -> None:
    app = TableApp()
    async with app.run_test(size=(50, 10)) as pilot:
        table = app.query_one(PluginTable)
        table.show_rows(ROWS)
        await pilot.pause()
        assert table.virtual_size.width > table.size.width
        for x in (0, 7, table.max_scroll_x):
            table.scroll_to(x=x, animate=False)
            for cursor in (3, len(ROWS) - 1):
                table.move_cursor(row=cursor)
                await pilot.pause()
                assert table.scroll_offset.x == x
                assert_lines_match(table, ROWS)


async def test_few_rows_blank_lines_and_the_built_in_marker_in_the_width() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(PluginTable)
        rows = [ROWS[0], ROWS[4], ROWS[5]]  # the widest Distribution cell: "takopi built-in"
        table.show_rows(rows)
        await pilot.pause()
        assert table.size.height > len(rows) + 1
        assert table.virtual_size.width == sum(reference_widths(rows)) + 2 * len(COLUMNS)
        assert_lines_match(table, rows)


async def test_updated_rows_are_redrawn_and_the_others_kept() -> None:
    app = TableApp()
    async with app.run_test(size=(130, 24)) as pilot:
        table = app.query_one(PluginTable)
        table.show_rows(ROWS)
        await pilot.pause()
        assert_lines_match(table, ROWS)  # row 0 drawn with the cursor
        table.move_cursor(row=4)
        await pilot.pause()
        assert_lines_match(table, ROWS)  # and without
        kept = table.render_line(2)
        # Same plugins, same column widths: a probe result arrives for "plain" (row 0).
        checked = make_row("plain", status=Status.OK, load_ms=7.0)
        updated = [checked, *ROWS[1:]]
        table.show_rows(updated)
        await pilot.pause()
        assert_lines_match(table, updated)
        assert table.render_line(2) is kept  # row 1 was not drawn again
        table.move_cursor(row=0)
        await pilot.pause()
        assert_lines_match(table, updated)
        # A longer version widens its column: every line is drawn again.
        widened = [*updated[:-1], make_row("joiner", version="1.0-a-much-longer-version")]
        table.show_rows(widened)
        await pilot.pause()
        assert_lines_match(table, widened)
        assert table.render_line(2) is not kept


async def test_cropped_suffixes_and_right_justified_cells_match() -> None:
    """Cell shapes today's rows do not have (a styled suffix cropped or shifted)."""
    cells = [
        Cell("abc", "dim", suffix=" built-in", suffix_style="italic cyan"),  # cut in suffix
        Cell("ab", "", suffix="cd", suffix_style="bold", right=True),  # suffix span shifted
        Cell("漢字漢", "green", suffix="x", suffix_style="red"),  # cut inside a wide char
        Cell("abcdef", "", suffix="gh", suffix_style="blue"),  # styled suffix cut away
        Cell("", "dim", suffix="zz"),  # unstyled suffix
        Cell("a", right=True),
        Cell("ab", "red", suffix="cd", suffix_style="blue"),  # the suffix's colour wins
    ]
    widths = (6, 7, 5, 4, 3, 3, 5)
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(PluginTable)
        await pilot.pause()
        table._widths = widths  # drawn against these columns, not measured from rows
        style = Style.parse("on #102030")
        for post in (None, Style.parse("white on red")):
            ours = table._line(cells, style, post, 3, table.size.width)
            texts = [cell.to_text() for cell in cells]
            theirs = reference_line(table, texts, widths, style, post or Style.null(), 3)
            assert list(ours) == list(theirs)
            assert ours.cell_length == theirs.cell_length == table.size.width


def test_row_cells_are_plain_text_with_their_styles() -> None:
    builtin_off = make_row("codex", dist="takopi", builtin=True, enabled=False)
    cells = row_cells(builtin_off)
    assert [cell.plain for cell in cells] == [
        "○",
        "engine",
        "codex",
        "takopi built-in",
        "1.0",
        "○ not checked",
        "",
    ]
    assert [cell.style for cell in cells] == ["dim", "dim", "dim", "dim", "dim", "dim", "dim"]
    assert [(s.start, s.end, s.style) for s in cells[3].spans] == [(6, 15, "italic cyan")]
    assert cells[6].justify == "right"

    markup = make_row("[bold]x[/]", dist="takopi-[red]evil[/]", status=Status.OK, load_ms=9.6)
    cells = row_cells(markup)
    assert cells[2].plain == "[bold]x[/]"
    assert cells[2].style == "bold"
    assert cells[3].plain == "takopi-[red]evil[/]"
    assert not cells[3].spans
    assert (cells[5].plain, cells[5].style) == ("✓ ok", "green")
    assert (cells[6].plain, cells[6].style) == ("10", "")

    staged = make_row("going", enabled=True, enabled_after=False)
    assert (row_cells(staged)[0].plain, row_cells(staged)[0].style) == ("○*", "bold magenta")
