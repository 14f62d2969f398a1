"""Upstream Takopi's ``takopi.backends_helpers``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.plugins.backends``.
"""

from takopi_core.plugins.backends import install_issue

__all__ = ["install_issue"]
