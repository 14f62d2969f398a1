"""A plugin's traceback as its author needs it: from the plugin's first frame on.

The checker loads a plugin through our probe code and the import system, so every traceback
starts with frames of :mod:`takopi_core.plugins` and of ``importlib`` that say nothing about
the plugin. They are dropped from the start of the stack (of the exception and of each one
chained to it); a frame of ours deeper down (the plugin called back into the host) stays. An
error with no plugin frame at all (its object failed validation) is shown as its exception
line alone.
"""

from __future__ import annotations

import importlib
import os
import traceback
from pathlib import Path

#: Folders whose frames are the checker's machinery, not the plugin's.
_MACHINERY = (
    str(Path(__file__).resolve().parent) + os.sep,
    str(Path(importlib.__file__).resolve().parent) + os.sep,
)


def _is_machinery(filename: str) -> bool:
    if filename.startswith("<frozen importlib"):
        return True
    try:
        resolved = str(Path(filename).resolve())
    except (OSError, RuntimeError, ValueError):
        return False
    return resolved.startswith(_MACHINERY)


def _trim(error: traceback.TracebackException, seen: set[int]) -> None:
    if id(error) in seen:
        return
    seen.add(id(error))
    leading = 0
    for frame in error.stack:
        if not _is_machinery(frame.filename):
            break
        leading += 1
    del error.stack[:leading]
    for linked in (error.__cause__, error.__context__, *(error.exceptions or ())):
        if linked is not None:
            _trim(linked, seen)


def plugin_traceback(exc: BaseException) -> str:
    """The formatted traceback of ``exc`` without the checker's leading frames."""
    error = traceback.TracebackException.from_exception(exc)
    _trim(error, set())
    return "".join(error.format())
