"""The Python environment the app inspects, and how paths are shown.

Users install Takopi in its own virtualenv (``uv tool install``), so the app always says which
interpreter it is looking at. Tests and screenshots inject fixed values.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Environment:
    """The interpreter whose plugins are listed and probed."""

    python: str
    version: str

    @classmethod
    def current(cls) -> Environment:
        # sys.version starts with what platform.python_version() returns ("3.11.7", "3.13.0rc1");
        # reading it directly spares importing platform at start-up.
        return cls(python=sys.executable or "python", version=sys.version.split()[0])


def display_path(path: str | os.PathLike[str] | None) -> str:
    """``path`` with the home folder shown as ``~`` (shorter, and stable in screenshots)."""
    if path is None:
        return "unknown"
    text = str(path)
    home = os.environ.get("HOME") or str(Path.home())
    home = home.rstrip(os.sep)
    if home and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home) :]
    return text
