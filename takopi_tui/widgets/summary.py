"""The summary line: counts, the config file, and the interpreter being inspected."""

from __future__ import annotations

from pathlib import Path

from textual.content import Content
from textual.widgets import Static

from ..environment import Environment, display_path
from ..rows import Counts, RowFilter


def describe_summary(
    counts: Counts, config_path: Path, env: Environment, row_filter: RowFilter, shown: int
) -> Content:
    """``12 plugins · 1 failed · 2 disabled · checked 9/10 │ config … │ python … 3.11.7``."""
    parts: list[str | tuple[str, str]] = [(f"{counts.plugins} plugins", "bold")]
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
        display_path(config_path),
        (" │ ", "$text-muted"),
        ("python ", "$text-muted"),
        f"{display_path(env.python)} {env.version}",
    ]
    return Content.assemble(*parts)


class SummaryLine(Static):
    """One line (wrapping when narrow) above the table."""
