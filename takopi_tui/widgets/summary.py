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


class SummaryForms(list[Content]):
    """The summary's fixed forms, widest first, and :meth:`fit` to pick one for a width.

    Between the fixed forms sit those with the config path shortened in the middle; they
    are built for the width asked (one per call), not for every possible length.
    """

    def __init__(self, forms: Sequence[Content], shortened: dict[int, list[Part | None]]) -> None:
        super().__init__(forms)
        #: index of the fixed form that a shortened path may come before -> its parts
        #: with ``None`` where the path goes.
        self.shortened = shortened

    def fit(self, width: int) -> Content:
        """The first form, in order, that fits ``width`` cells (else the last)."""
        for index, form in enumerate(self):
            parts = self.shortened.get(index)
            if parts is not None:
                path = _shortened_path(parts, width)
                if path is not None:
                    return path
            if form.cell_length <= width:
                return form
        return self[-1]


def _shortened_path(parts: list[Part | None], width: int) -> Content | None:
    """``parts`` with the path (the str after the ``None`` marker) cut to fit ``width``."""
    index = parts.index(None)
    path = parts[index + 1]
    assert isinstance(path, str)
    others = [p for i, p in enumerate(parts) if i not in (index, index + 1) and p is not None]
    room = width - Content.assemble(*others).cell_length
    if room < MIN_PATH_CELLS or room >= len(path):
        return None  # too narrow for even the shortest path, or the whole path fits
    cut = [*parts[:index], shorten_middle(path, room), *parts[index + 2 :]]
    return Content.assemble(*[p for p in cut if p is not None])


def describe_summary(
    counts: Counts, config_path: Path, env: Environment, row_filter: RowFilter, shown: int
) -> SummaryForms:
    """The summary line's forms, widest first; :class:`SummaryLine` shows the one that fits.

    The widest: ``takopi │ 12 plugins · 1 failed · 2 disabled │ config … │ python … 3.11.7``.
    The narrowest keeps only the counts' short forms.
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
        [*brand, *tight, sep, config, sep, f"python {version}"],
        # Narrowest: the path goes, then the name and the version; the counts stay.
        [*brand, *tight, sep, f"python {version}"],
        [*brand, *tight],
        tight,
    ]
    # Before the short counts, and before the path goes, the path shortened in the middle.
    shortened: dict[int, list[Part | None]] = {
        3: [*brand, *full, sep, None, config, sep, f"python {version}"],
        4: [*brand, *tight, sep, None, config, sep, f"python {version}"],
    }
    return SummaryForms([Content.assemble(*parts) for parts in forms], shortened)


class SummaryLine(Static):
    """One line above the table: the widest form of the summary that fits the width."""

    forms: SummaryForms = SummaryForms((), {})

    def show(self, forms: Content | SummaryForms) -> None:
        """Show ``forms`` (widest first): the first that fits, or else the last."""
        self.forms = SummaryForms([forms], {}) if isinstance(forms, Content) else forms
        self._fit()

    def on_resize(self, event: Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        if not self.forms:
            return
        width = self.content_region.width
        # Not laid out yet (width 0): the on_resize that follows picks again.
        chosen = self.forms[0] if width <= 0 else self.forms.fit(width)
        old = self.content
        # Redraw only when the text changed (an update re-lays out the screen).
        if not (
            isinstance(old, Content) and old.plain == chosen.plain and old.spans == chosen.spans
        ):
            self.update(chosen)
