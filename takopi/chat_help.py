"""``takopi.chat_help``, imported by published transports (Feishu), for plugins that import it.

A thin re-export: the code lives in ``takopi_core.run.chat_help``.
"""

from takopi_core.run.chat_help import ChatHelpOptions, format_chat_help

__all__ = ["ChatHelpOptions", "format_chat_help"]
