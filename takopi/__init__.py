"""The public face for plugins: `from takopi.api import ...` works as the plugin guide shows.

Beside ``takopi.api`` (the stable API), the package keeps upstream Takopi's module layout
(``takopi.model``, ``takopi.runner``, ``takopi.config_watch``, ``takopi.telegram.files``, ...)
so plugins published for upstream import unchanged. Each module only re-exports
``takopi_core``; nothing in ``takopi_core`` imports this package (an import-linter contract).
docs/ecosystem.md lists which published plugins load.
"""
