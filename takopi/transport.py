"""Upstream Takopi's ``takopi.transport``, for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.transport``.
"""

from takopi_core.run.transport import (
    MessageRef,
    RenderedMessage,
    SendOptions,
    Transport,
)

__all__ = ["MessageRef", "RenderedMessage", "SendOptions", "Transport"]
