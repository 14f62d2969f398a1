"""Upstream Takopi's ``takopi.telegram.client`` (its ``BotClient`` protocol only).

A thin re-export: the code lives in ``takopi_core.run.bot_client``.
"""

from takopi_core.run.bot_client import BotClient

__all__ = ["BotClient"]
