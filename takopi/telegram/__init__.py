"""``takopi.telegram``: upstream's package of that name, for its stdlib-only helpers that
transport plugins reuse (files, state_store, client's BotClient). No Telegram transport."""
