"""Why a plugin written for upstream Takopi fails to import here, in words a user can act on.

Two causes account for most published plugins that do not load on this host:

- they are written in syntax newer than the running Python (upstream itself needs 3.14);
- they import a module of upstream Takopi beyond the ones the ``takopi`` face re-exports.

Both are recognised from the exception alone (plus the distribution's own Requires-Python),
without importing anything more of the plugin.
"""

from __future__ import annotations

import re
import sys

#: Statement shapes (matched at the start of the offending line) that an older Python rejects
#: with a SyntaxError, and the release that introduced them.
_NEWER_SYNTAX: tuple[tuple[re.Pattern[str], tuple[int, int], str], ...] = (
    (
        re.compile(r"^\s*type\s+[A-Za-z_]\w*\s*(\[[^\]]*\])?\s*="),
        (3, 12),
        "a `type` alias statement (PEP 695)",
    ),
    (
        re.compile(r"^\s*(async\s+)?def\s+[A-Za-z_]\w*\s*\["),
        (3, 12),
        "type parameters on a function (PEP 695)",
    ),
    (
        re.compile(r"^\s*class\s+[A-Za-z_]\w*\s*\["),
        (3, 12),
        "type parameters on a class (PEP 695)",
    ),
    (
        re.compile(r"^\s*except\*?\s+[\w.]+\s*,\s*[\w.]+(\s*,\s*[\w.]+)*\s*:"),
        (3, 14),
        "`except` with unparenthesized exception types (PEP 758)",
    ),
)

_CANNOT_IMPORT = re.compile(r"cannot import name '(?P<name>[^']+)' from '(?P<module>[^']+)'")

#: The face's root package; its missing submodules and names are upstream's internals.
_FACE = "takopi"


def _running() -> str:
    return ".".join(str(part) for part in sys.version_info[:3])


def newer_syntax(exc: SyntaxError) -> tuple[tuple[int, int], str] | None:
    """The Python release and the feature, when ``exc`` is syntax newer than this Python."""
    line = exc.text or ""
    for pattern, version, feature in _NEWER_SYNTAX:
        if sys.version_info[:2] < version and pattern.match(line):
            return version, feature
    return None


def syntax_cause(
    exc: SyntaxError, distribution: str | None, requires_python: str | None
) -> str | None:
    """What to say about a SyntaxError, or None when it is just a broken module.

    ``requires_python`` is the distribution's Requires-Python when this Python does not
    satisfy it (the caller checks); it is named whether or not the syntax is recognised.
    """
    found = newer_syntax(exc)
    where = f"distribution {distribution or 'unknown'}"
    parts: list[str] = []
    if found is not None:
        (major, minor), feature = found
        place = f" ({exc.filename}, line {exc.lineno})" if exc.filename else ""
        parts.append(
            f"{where} needs a newer Python: it uses {feature}{place}, which needs "
            f"Python {major}.{minor} or newer"
        )
    if requires_python:
        parts.append(
            f"{where} requires Python {requires_python}"
            if found is None
            else f"it requires Python {requires_python}"
        )
    if not parts:
        return None
    return "; ".join(parts) + f"; this is Python {_running()}"


def upstream_internal_module(exc: BaseException) -> tuple[str, str | None] | None:
    """``(module, name)`` when ``exc`` is an import of upstream Takopi the face lacks:
    a missing ``takopi.x`` module (name None), or a name missing from a face module."""
    if not isinstance(exc, ImportError):
        return None
    module = exc.name or ""
    if isinstance(exc, ModuleNotFoundError):
        if module.startswith(_FACE + "."):
            return module, None
        return None
    match = _CANNOT_IMPORT.search(str(exc))
    if match and (match["module"] == _FACE or match["module"].startswith(_FACE + ".")):
        return match["module"], match["name"]
    return None


def upstream_internal_cause(exc: BaseException) -> str | None:
    """The message for an upstream-internal import, or None when ``exc`` is not one."""
    found = upstream_internal_module(exc)
    if found is None:
        return None
    module, name = found
    if module == f"{_FACE}.api":
        return (
            f"it imports {module}.{name}, which this host's takopi.api does not provide: "
            f"the plugin needs a newer takopi-tui"
        )
    what = f"module {module}" if name is None else f"{module}.{name}"
    return (
        f"it imports {what}, an upstream-internal part of Takopi not provided by this host "
        f"(its `takopi` package re-exports takopi.api and the upstream modules published "
        f"plugins use); the plugin needs a newer takopi-tui, or its author can import from "
        f"takopi.api"
    )
