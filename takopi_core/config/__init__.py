"""``takopi.toml``: reading, ConfigFile, comment-keeping edits, typed Settings, atomic writes."""
