"""Upstream Takopi's ``takopi.directives``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.directives``.
"""

from takopi_core.run.directives import (
    DirectiveError,
    format_context_line,
    parse_context_line,
    parse_directives,
)

__all__ = ["DirectiveError", "format_context_line", "parse_context_line", "parse_directives"]
