"""Upstream Takopi's ``takopi.markdown``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.progress``.
"""

from takopi_core.run.progress import (
    MarkdownFormatter,
    MarkdownParts,
    MarkdownPresenter,
    assemble_markdown_parts,
    format_elapsed,
)

__all__ = [
    "MarkdownFormatter",
    "MarkdownParts",
    "MarkdownPresenter",
    "assemble_markdown_parts",
    "format_elapsed",
]
