"""The summary line: counts, the config file, and the interpreter being inspected.

It is one line at any width. The counts always show; what gives way when the terminal is
narrow is the rest, in order: the "config"/"python" labels, the interpreter's path (its
version stays), the middle of the config path (an ellipsis keeps its start and file name),
then the counts' short forms with the path whole again, that path shortened in turn, and
at last the path, the interpreter and the name, leaving the counts alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.content import Content
from textual.events import Resize
from textual.widgets import Static

from takopi_core.text import plural, safe_text

from ..environment import Environment, display_path
from ..rows import Counts, RowFilter

#: What is left of a config path shortened to fit: never less than this many cells.
MIN_PATH_CELLS = 12

Part = str | tuple[str, str]


def _count_parts(counts: Counts, row_filter: RowFilter, shown: int, *, short: bool) -> list[Part]:
    parts: list[Part] = [(plural(counts.plugins, "plugin"), "bold")]
    parts += [" · ", (f"{counts.failed} failed", "bold $error" if counts.failed else "")]
    parts += [" · ", f"{counts.disabled} {'off' if short else 'disabled'}"]
    if counts.staged_distributions:
        n = counts.staged_distributions
        staged = f"{n} staged" if short else plural(n, "staged change")
        parts += [" · ", (staged, "bold $warning")]
    if counts.checkable and counts.checked < counts.checkable:
        checking = f"{counts.checked}/{counts.checkable}"
        parts += [" · ", (checking if short else f"checking {checking}", "$warning")]
    if row_filter.active:
        text = f"{shown} shown" if short else f"showing {shown}: {row_filter.describe()}"
        parts += [" · ", (text, "$accent")]
    return parts


def shorten_middle(text: str, cells: int) -> str:
    """``text`` cut to ``cells`` characters with an ellipsis in the middle.

    A path keeps its file name whole when there is room for it and a few leading
    characters (``~/projects/…/takopi.toml``); otherwise both ends keep half each.
    """
    if len(text) <= cells:
        return text
    if cells <= 1:
        return "…"[:cells]
    slash = text.rfind("/")
    tail_len = len(text) - slash if slash > 0 else 0
    if tail_len and tail_len + 4 <= cells:
        return text[: cells - 1 - tail_len] + "…" + text[slash:]
    tail = (cells - 1) // 2 + (cells - 1) % 2
    head = cells - 1 - tail
    return text[:head] + "…" + text[len(text) - tail :]


def describe_summary(
    counts: Counts, config_path: Path, env: Environment, row_filter: RowFilter, shown: int
) -> list[Content]:
    """The summary line's forms, widest first; :class:`SummaryLine` shows the first that fits.

    The widest: ``takopi │ 12 plugins · 1 failed · 2 disabled │ config … │ python … 3.11.7``.
    The last form keeps only the counts' short forms and the shortest config path allowed.
    """
    brand: list[Part] = [("takopi", "bold $accent"), ("  │  ", "$text-muted")]
    config = safe_text(display_path(config_path))
    python = safe_text(display_path(env.python))
    version = safe_text(env.version)
    sep: Part = (" │ ", "$text-muted")
    labelled: list[Part] = [("config ", "$text-muted"), config, sep, ("python ", "$text-muted")]
    full = _count_parts(counts, row_filter, shown, short=False)
    tight = _count_parts(counts, row_filter, shown, short=True)
    forms: list[list[Part]] = [
        [*brand, *full, sep, *labelled, f"{python} {version}"],
        [*brand, *full, sep, config, sep, f"{python} {version}"],
        [*brand, *full, sep, config, sep, f"python {version}"],
    ]
    # Narrower: the config path shortened in the middle (down to MIN_PATH_CELLS), first with
    # the counts in full, then with their short forms.
    for counts_parts in (full, tight):
        for cells in range(len(config) - (counts_parts is full), MIN_PATH_CELLS - 1, -1):
            path = shorten_middle(config, cells)
            forms.append([*brand, *counts_parts, sep, path, sep, f"python {version}"])
    # Narrowest: the path goes, then the name and the version; the counts stay.
    forms += [
        [*brand, *tight, sep, f"python {version}"],
        [*brand, *tight],
        tight,
    ]
    lines = [Content.assemble(*parts) for parts in forms]
    return lines


class SummaryLine(Static):
    """One line above the table: the widest form of the summary that fits the width."""

    forms: Sequence[Content] = ()

    def show(self, forms: Content | Sequence[Content]) -> None:
        """Show ``forms`` (widest first): the first that fits, or else the last."""
        self.forms = [forms] if isinstance(forms, Content) else list(forms)
        self._fit()

    def on_resize(self, event: Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        if not self.forms:
            return
        width = self.content_region.width
        if width <= 0:  # not laid out yet: the on_resize that follows picks again
            chosen = self.forms[0]
        else:
            chosen = next((f for f in self.forms if f.cell_length <= width), self.forms[-1])
        old = self.content
        # Redraw only when the text changed (an update re-lays out the screen).
        if not (
            isinstance(old, Content) and old.plain == chosen.plain and old.spans == chosen.spans
        ):
            self.update(chosen)
