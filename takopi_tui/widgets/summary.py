"""The summary line: counts, the config file, and the interpreter being inspected."""

from __future__ import annotations

from pathlib import Path

from textual.content import Content
from textual.widgets import Static

from takopi_core.text import safe_text

from ..environment import Environment, display_path
from ..rows import Counts, RowFilter


def describe_summary(
    counts: Counts, config_path: Path, env: Environment, row_filter: RowFilter, shown: int
) -> Content:
    """``takopi │ 12 plugins · 1 failed · 2 disabled · checking 9/10 │ config … │ python …``."""
    parts: list[str | tuple[str, str]] = [("takopi", "bold $accent"), ("  │  ", "$text-muted")]
    parts += [(f"{counts.plugins} plugins", "bold")]
    parts += [" · ", (f"{counts.failed} failed", "bold $error" if counts.failed else "")]
    parts += [" · ", f"{counts.disabled} disabled"]
    if counts.staged_distributions:
        n = counts.staged_distributions
        parts += [" · ", (f"{n} staged change{'s' if n != 1 else ''}", "bold $warning")]
    if counts.checkable and counts.checked < counts.checkable:
        parts += [" · ", (f"checking {counts.checked}/{counts.checkable}", "$warning")]
    if row_filter.active:
        parts += [" · ", (f"showing {shown}: {row_filter.describe()}", "$accent")]
    parts += [
        (" │ ", "$text-muted"),
        ("config ", "$text-muted"),
        safe_text(display_path(config_path)),
        (" │ ", "$text-muted"),
        ("python ", "$text-muted"),
        safe_text(f"{display_path(env.python)} {env.version}"),
    ]
    return Content.assemble(*parts)


class SummaryLine(Static):
    """One line (wrapping when narrow) above the table."""

    def show(self, content: Content) -> None:
        """Redraw only when the text changed (an update re-lays out the screen)."""
        old = self.content
        if not (
            isinstance(old, Content) and old.plain == content.plain and old.spans == content.spans
        ):
            self.update(content)
