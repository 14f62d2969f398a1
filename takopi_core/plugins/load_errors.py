"""Why a plugin failed to load, and what to do about it, from the exception it raised.

:func:`explain_with_fix` turns what the checker caught (or what the run path caught loading a
plugin in-process) into the message users read, with the cause when the distribution's
metadata tells it (a missing declared requirement, an outdated one, syntax newer than this
Python, an upstream-internal import), and its fix (:mod:`takopi_core.plugins.fixes`).
"""

from __future__ import annotations

import sys
from importlib import metadata
from typing import Any

from takopi_core.plugins.discovery import PluginEntry

#: ``obj`` before the entry point resolved to anything.
NOTHING: Any = object()


def explain_with_fix(entry: PluginEntry, exc: BaseException, obj: Any = NOTHING) -> tuple[str, str]:
    """``(message, fix)`` for a failed load: the error text with its cause when the
    distribution's metadata tells it, and what to do (see :mod:`takopi_core.plugins.fixes`).

    ``obj`` is what the entry point resolved to, when it did (a validation error).
    """
    from takopi_core.plugins import fixes
    from takopi_core.plugins.load_causes import (
        newer_syntax,
        syntax_cause,
        upstream_internal_cause,
        upstream_internal_module,
    )

    message = str(exc) or type(exc).__name__
    python = sys.executable  # the inspected interpreter: the probe runs it
    internal = upstream_internal_cause(exc)
    found = upstream_internal_module(exc)
    if internal is not None and found is not None:
        module, name = found
        fix = fixes.upstream_internal_fix(module, name, entry.id, entry.distribution, python)
        return f"{message} ({internal})", fix
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        reason = f"missing module {exc.name!r}"
        missing = fixes.missing_requirements(entry.distribution)
        outdated = fixes.outdated_requirement(exc.name, entry.distribution)
        if missing:
            reason += (
                f"; distribution {entry.distribution} requires "
                + ", ".join(repr(r) for r in missing)
                + (", which is" if len(missing) == 1 else ", which are")
                + " not installed"
            )
        elif outdated is not None:
            spec, installed = outdated
            reason += (
                f"; distribution {entry.distribution} requires {spec!r}, and {installed} is "
                "installed"
            )
        fix = fixes.missing_module_fix(exc.name, entry.value, entry.distribution, python)
        return f"{message} ({reason})", fix
    if isinstance(exc, ImportError) and exc.name:
        # ``cannot import name 'X' from 'pkg'``: pkg is installed, but not in a version the
        # plugin declares.
        outdated = fixes.outdated_requirement(exc.name, entry.distribution)
        if outdated is not None:
            spec, installed = outdated
            reason = f"distribution {entry.distribution} requires {spec!r}, and {installed} is "
            return f"{message} ({reason}installed)", fixes.pip(python, "install", spec)
    if isinstance(exc, SyntaxError):
        requires = _requires_python(entry.distribution)
        if requires and python_matches(requires, sys.version_info[:3]):
            requires = None  # declared and met: not the cause
        cause = syntax_cause(exc, entry.distribution, requires)
        if cause is not None:
            syntax = newer_syntax(exc)
            newer = fixes.newer_python_fix(
                syntax[0] if syntax else None, requires, entry.distribution
            )
            return f"{message} ({cause})", newer or fixes.plugin_fault_fix(
                entry.id, entry.distribution
            )
    if obj is not NOTHING and isinstance(exc, TypeError):
        return message, fixes.wrong_object_fix(isinstance(obj, type), entry.id, entry.distribution)
    return message, fixes.plugin_fault_fix(entry.id, entry.distribution)


def _requires_python(dist_name: str | None) -> str | None:
    if not dist_name:
        return None
    try:
        # get_all: the PackageMetadata protocol has get() only from Python 3.12, and [] will
        # raise KeyError for a missing header in later releases.
        values = metadata.distribution(dist_name).metadata.get_all("Requires-Python")
    except metadata.PackageNotFoundError:
        return None
    return str(values[0]) if values else None


def python_matches(specifier: str, version: tuple[int, ...]) -> bool:
    """Whether ``version`` satisfies a Requires-Python specifier such as ``>=3.9,!=3.10.*``."""
    for clause in specifier.split(","):
        clause = clause.strip()
        if not clause:
            continue
        for op in ("~=", "==", "!=", ">=", "<=", ">", "<"):
            if clause.startswith(op):
                target = clause[len(op) :].strip()
                break
        else:
            return True  # not a form we understand: do not claim a mismatch
        if not _clause_matches(op, target, version):
            return False
    return True


def _clause_matches(op: str, target: str, version: tuple[int, ...]) -> bool:
    wildcard = target.endswith(".*")
    try:
        parts = tuple(int(p) for p in target.removesuffix(".*").split("."))
    except ValueError:
        return True
    if wildcard or (op in ("==", "!=") and len(parts) < 3):
        same = version[: len(parts)] == parts
        if op in ("==", "!="):
            return same if op == "==" else not same
    padded = parts + (0,) * (3 - len(parts))
    current = tuple(version[:3])
    if op == ">=":
        return current >= padded
    if op == ">":
        return current > padded
    if op == "<=":
        return current <= padded
    if op == "<":
        return current < padded
    if op == "==":
        return current == padded
    if op == "!=":
        return current != padded
    # ~=X.Y means >=X.Y and ==X.*
    return current >= padded and version[: len(parts) - 1] == parts[:-1]
