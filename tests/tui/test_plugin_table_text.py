"""What PluginTable puts on screen for awkward rows: control codes, markup, wide characters,
cells too long for their column, the cursor, the built-in marker, sideways scrolling.

The table builds its lines from Rich ``Text``; these tests look at the visible result (the
characters and styles of the segments a line is drawn with), not at how it is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

import takopi_tui
from takopi_core.plugins.discovery import DiscoveryError
from takopi_core.plugins.probe import LoadResult
from takopi_tui.rows import PluginRow, Status
from takopi_tui.widgets.plugin_table import COLUMNS, PluginTable, row_cells

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
    make_row(
        "ctrl", dist="evil\rname\x07\x1b[31m", version="1.0\x08b\t\x9b", status=Status.DISABLED
    ),
    make_row("[bold]x[/]", kind="command", dist="takopi-[bold]evil[/]", version="[/]1.0"),
    make_row("newline", dist="two\nlines", version="1.0\r\n"),
    make_row("joiner", version="1.0👨‍👩‍👧", builtin=True, dist="takopi-️x"),
]
INDEX = {row.id: index for index, row in enumerate(ROWS)}


class TableApp(App[None]):
    CSS_PATH = APP_CSS

    def compose(self) -> ComposeResult:
        yield PluginTable(id="plugins")


def draw(table: PluginTable) -> list[Strip]:
    """Every line on screen, as the compositor asks for them."""
    return table.render_lines(Region(0, 0, table.size.width, table.size.height))


def plain(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def line_of(table: PluginTable, plugin_id: str) -> Strip:
    """The drawn line of ``plugin_id`` (the table must not be scrolled down)."""
    return draw(table)[INDEX[plugin_id] + 1]


def column_text(table: PluginTable, line: Strip, column: int) -> str:
    """The characters of one column's cell (padding excluded) in a line scrolled to x=0."""
    start = sum(w + 2 for w in table_widths(table)[:column]) + 1
    width = table_widths(table)[column]
    return plain(line.crop(start, start + width))


def table_widths(table: PluginTable) -> list[int]:
    """The column widths, read off the header line: each label padded to its column."""
    header = plain(draw(table)[0])
    widths = []
    for index, (_key, label, fixed) in enumerate(COLUMNS):
        if fixed is not None:
            widths.append(fixed)
            continue
        start = header.index(label)
        following = COLUMNS[index + 1][1]
        widths.append(header.index(following, start) - start - 2)
    return widths


def styles_over(line: Strip, text: str) -> list[Style]:
    """The styles of the segments that hold ``text`` (found within one segment)."""
    return [segment.style for segment in line if text in segment.text and segment.style]


async def test_every_line_fills_the_width_and_no_control_code_reaches_the_screen() -> None:
    app = TableApp()
    async with app.run_test(size=(130, 24)) as pilot:
        table = app.query_one(PluginTable)
        table.show_rows(ROWS)
        await pilot.pause()
        for focused in (True, False):
            table.focus() if focused else table.blur()
            await pilot.pause()
            for cursor in (0, 5, len(ROWS) - 1):
                table.move_cursor(row=cursor)
                await pilot.pause()
                lines = draw(table)
                assert len(lines) == table.size.height
                for y, line in enumerate(lines):
                    assert line.cell_length == table.size.width, f"line {y}"
                    text = plain(line)
                    assert cell_len(text) == table.size.width, f"line {y}"
                    bad = [c for c in text if ord(c) < 32 or 0x7F <= ord(c) < 0xA0]
                    assert not bad, f"line {y} has control codes {bad!r}"
        ctrl = plain(line_of(table, "ctrl"))
        assert "evil\\x0dname\\x07\\x1b[31m" in ctrl  # shown escaped, not acted on
        assert "1.0\\x08b \\x9b" in ctrl  # a tab would break the columns: a blank
        newline = line_of(table, "newline")
        assert column_text(table, newline, 3).rstrip() == "two lines"
        assert column_text(table, newline, 4).rstrip() == "1.0"


async def test_markup_is_shown_literally_and_wide_characters_take_two_columns() -> None:
    app = TableApp()
    async with app.run_test(size=(130, 24)) as pilot:
        table = app.query_one(PluginTable)
        table.show_rows(ROWS)
        await pilot.pause()
        line = line_of(table, "[bold]x[/]")
        assert column_text(table, line, 2).rstrip() == "[bold]x[/]"
        assert column_text(table, line, 3).rstrip() == "takopi-[bold]evil[/]"
        assert column_text(table, line, 4).rstrip() == "[/]1.0"
        assert styles_over(line, "[bold]x[/]")[0].bold  # the id's own style, nothing more
        assert not any(s.bold for s in styles_over(line, "takopi-[bold]evil[/]"))
        wide = line_of(table, "wide")
        assert column_text(table, wide, 3).rstrip() == "パッケージ-dist"
        assert column_text(table, wide, 4).rstrip() == "版本1.0"
        # Columns after the wide cells line up with the header.
        assert column_text(table, wide, 5).rstrip() == "○ not checked"


async def test_cells_too_long_for_their_column_are_cropped() -> None:
    app = TableApp()
    async with app.run_test(size=(130, 24)) as pilot:
        table = app.query_one(PluginTable)
        table.show_rows(ROWS)
        await pilot.pause()
        # Status is 17 columns: "✗ " and seven wide characters, then a blank where the
        # eighth would be cut in half.
        odd = column_text(table, line_of(table, "odd"), 5)
        assert odd == "✗ 漢字漢字漢字漢 "
        assert "and more" not in plain(line_of(table, "odd"))
        # Load ms is 7 columns, right-justified: a too-long number keeps its first digits.
        assert column_text(table, line_of(table, "slow"), 6) == "1234567"
        assert column_text(table, line_of(table, "claude"), 6) == "      3"


async def test_styles_the_cursor_and_the_built_in_marker() -> None:
    app = TableApp()
    async with app.run_test(size=(130, 24)) as pilot:
        table = app.query_one(PluginTable)
        table.show_rows(ROWS)
        table.focus()
        table.move_cursor(row=INDEX["claude"])
        await pilot.pause()
        cursor = table.get_component_rich_style("plugin-table--cursor")
        line = line_of(table, "claude")
        styles = [segment.style or Style.null() for segment in line]
        assert all(style.bgcolor == cursor.bgcolor for style in styles)
        assert {style.meta.get("row") for style in styles} == {INDEX["claude"]}
        assert styles_over(line, "built-in")[0].italic
        other = line_of(table, "codex")
        assert not any(s and s.bgcolor == cursor.bgcolor for s in (seg.style for seg in other))
        assert styles_over(other, "built-in")[0].italic
        # A disabled row is dimmed: its distribution is drawn in another colour.
        enabled = line_of(table, "slow")
        assert styles_over(other, "takopi")[0].color != styles_over(enabled, "takopi-x")[0].color
        assert column_text(table, line_of(table, "going"), 0) == "○* "
        assert styles_over(line_of(table, "going"), "○*")[0].color is not None


async def test_few_rows_blank_lines_and_the_built_in_marker_in_the_width() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(PluginTable)
        rows = [ROWS[0], ROWS[4], ROWS[5]]  # the widest Distribution cell: "takopi built-in"
        table.show_rows(rows)
        await pilot.pause()
        assert table.size.height > len(rows) + 1
        widths = table_widths(table)
        assert widths[3] == len("takopi built-in")
        assert table.virtual_size.width == sum(widths) + 2 * len(COLUMNS)
        lines = draw(table)
        assert [plain(line).strip() for line in lines[len(rows) + 1 :]] == [""] * (
            table.size.height - len(rows) - 1
        )


async def test_a_narrow_table_scrolls_sideways() -> None:
    app = TableApp()
    async with app.run_test(size=(50, 10)) as pilot:
        table = app.query_one(PluginTable)
        table.show_rows(ROWS)
        await pilot.pause()
        assert table.virtual_size.width > table.size.width
        full = plain(line_of(table, "plain"))
        table.scroll_to(x=table.max_scroll_x, animate=False)
        await pilot.pause()
        assert table.scroll_offset.x == table.max_scroll_x
        header = plain(draw(table)[0])
        assert header.rstrip().endswith("Load ms")
        assert "On" not in header.split()
        scrolled = plain(draw(table)[1])
        assert scrolled != full[: table.size.width]
        assert cell_len(scrolled) == table.size.width


async def test_updated_rows_are_redrawn_and_the_others_kept() -> None:
    app = TableApp()
    async with app.run_test(size=(130, 24)) as pilot:
        table = app.query_one(PluginTable)
        table.show_rows(ROWS)
        await pilot.pause()
        table.move_cursor(row=4)
        await pilot.pause()
        kept = table.render_line(2)
        # Same plugins, same column widths: a probe result arrives for "plain" (row 0).
        checked = make_row("plain", status=Status.OK, load_ms=7.0)
        table.show_rows([checked, *ROWS[1:]])
        await pilot.pause()
        assert "✓ ok" in plain(draw(table)[1])
        assert table.render_line(2) is kept  # row 1 was not drawn again
        # A longer version widens its column: every line is drawn again.
        widened = [checked, *ROWS[1:-1], make_row("joiner", version="1.0-a-much-longer-version")]
        table.show_rows(widened)
        await pilot.pause()
        assert table.render_line(2) is not kept
        assert "1.0-a-much-longer-version" in plain(draw(table)[len(ROWS)])


def _plains(cells: Sequence[Text]) -> list[str]:
    return [cell.plain for cell in cells]


def test_row_cells_are_plain_text_with_their_styles() -> None:
    builtin_off = make_row("codex", dist="takopi", builtin=True, enabled=False)
    cells = row_cells(builtin_off)
    assert _plains(cells) == [
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
