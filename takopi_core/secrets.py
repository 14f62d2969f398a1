"""Secrets: which config keys hold one, and the mask shown in their place.

A key whose name contains ``token``, ``secret``, ``password`` or ``key`` holds a secret, and
so does every value below it. Outputs show :data:`MASK` instead unless the user asks.
"""

from __future__ import annotations

#: A key whose name contains one of these holds a secret: masked unless asked.
SECRET_WORDS: tuple[str, ...] = ("token", "secret", "password", "key")
MASK = "********"


def is_secret_key(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def is_secret_path(keys: tuple[str, ...]) -> bool:
    """True when any key on the path names a secret (``api_keys.openai`` is one too)."""
    return any(is_secret_key(key) for key in keys)
