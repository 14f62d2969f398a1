"""Load a plugin's object and validate it for its kind.

Runs plugin code, so it is used only where plugin code may run: inside the probe's child
process, and on the run path (``takopi run``), which loads its transport, engines and
commands in-process as a host must.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from takopi_core.errors import ConfigError
from takopi_core.ids import ENGINE, GROUPS, is_reserved
from takopi_core.plugins.discovery import Discovery, PluginEntry, discover


class PluginLoadFailed(RuntimeError):
    """Loading or validating a plugin failed; ``str()`` is the reason, ``fix`` what to do
    (see :mod:`takopi_core.plugins.fixes`)."""

    def __init__(self, entry: PluginEntry, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.entry = entry
        self.fix = fix


def resolve_entry_point(entry: PluginEntry) -> metadata.EntryPoint:
    """The entry point object behind ``entry`` (same group, name and value)."""
    return metadata.EntryPoint(name=entry.id, value=entry.value, group=GROUPS[entry.kind])


def validate_backend(entry: PluginEntry, obj: Any) -> None:
    """Check ``obj`` is the right type for ``entry.kind`` and its id is the entry-point name.

    Raises TypeError or ValueError with upstream's messages.
    """
    from takopi_core.plugins import backends  # imported here: plugins import it first anyway

    # type[Any]: the three share no base, and a plugin's object is checked member by member.
    expected: type[Any] = {
        "engine": backends.EngineBackend,
        "transport": backends.TransportBackend,
        "command": backends.CommandBackend,
    }[entry.kind]
    if not isinstance(obj, expected):
        missing = _missing_members(entry.kind, obj)
        detail = f" (missing {', '.join(missing)})" if missing else ""
        raise TypeError(
            f"{entry.value} is not a{_article(expected.__name__)}{detail}: "
            f"it is {describe_object(obj)}"
        )
    if entry.kind == "command" and not _is_async_callable(obj.handle):
        raise TypeError(f"{entry.value} is not a CommandBackend (handle must be async)")
    if obj.id != entry.id:
        raise ValueError(
            f"{entry.value} {entry.kind} id {obj.id!r} does not match entrypoint {entry.id!r}"
        )


#: How much of an object's repr an error quotes.
_REPR_WIDTH = 80
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


def describe_object(obj: Any) -> str:
    """What an entry point resolved to, for an error: ``int 42``, ``the class m.Backend``,
    ``None``; the repr cut to 80 characters, its control characters escaped."""
    from takopi_core.text import safe_text

    if obj is None:
        return "None"
    if isinstance(obj, type):
        return f"the class {safe_text(f'{obj.__module__}.{obj.__qualname__}')[:_REPR_WIDTH]}"
    try:
        shown = repr(obj)
    except Exception:  # a plugin's __repr__ may raise: the type still says enough
        shown = "(its repr failed)"
    # Without the address of a default repr (<m.T object at 0x7f...>): the same object reads
    # the same in every run, so results and snapshots compare.
    shown = _ADDRESS.sub(">", safe_text(shown))
    if len(shown) > _REPR_WIDTH:
        shown = shown[: _REPR_WIDTH - 1] + "…"
    return f"{safe_text(type(obj).__qualname__)} {shown}"


_MEMBERS = {
    "engine": (),
    "transport": (
        "id",
        "description",
        "check_setup",
        "interactive_setup",
        "lock_token",
        "build_and_run",
    ),
    "command": ("id", "description", "handle"),
}


def _missing_members(kind: str, obj: Any) -> list[str]:
    return [name for name in _MEMBERS[kind] if not hasattr(obj, name)]


def _article(name: str) -> str:
    return f"n {name}" if name[0] in "AEIOU" else f" {name}"


def _is_async_callable(fn: Any) -> bool:
    import inspect

    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - a callable object with async __call__
    )


def load_entry(entry: PluginEntry) -> Any:
    """Import ``entry``'s object and validate it; raises PluginLoadFailed on any failure."""
    from takopi_core.plugins.load_errors import NOTHING

    obj: Any = NOTHING
    try:
        obj = resolve_entry_point(entry).load()
        validate_backend(entry, obj)
    except PluginLoadFailed:
        raise
    except Exception as exc:
        from takopi_core.plugins.load_errors import explain_with_fix

        fix = explain_with_fix(entry, exc, obj)[1]
        raise PluginLoadFailed(entry, str(exc) or type(exc).__name__, fix) from exc
    return obj


def load_backend(
    kind: str,
    plugin_id: str,
    *,
    enabled: Sequence[str] | None = None,
    discovery: Discovery | None = None,
) -> Any:
    """Load the visible plugin ``plugin_id`` of ``kind`` for the run path.

    Errors are ConfigErrors with upstream's texts: ``Unknown engine 'x'. Available: a, b.``,
    ``Failed to load engine 'x': reason``, ``Engine id 'cancel' is reserved.``
    """
    if kind == ENGINE and is_reserved(kind, plugin_id):
        raise ConfigError(f"Engine id {plugin_id!r} is reserved.")
    found = discovery if discovery is not None else discover(enabled, kinds=(kind,))
    visible = {e.id: e for e in found.entries if e.kind == kind and e.enabled}
    entry = visible.get(plugin_id)
    if entry is None:
        for error in found.errors:
            if error.kind == kind and error.id == plugin_id:
                from takopi_core.plugins.fixes import discovery_fix

                fix = discovery_fix(error.reason, error.id, error.distribution)
                raise ConfigError(
                    f"Failed to load {kind} {plugin_id!r}: {error.message}; to fix: {fix}"
                )
        available = ", ".join(sorted(visible))
        suffix = f" Available: {available}." if available else ""
        raise ConfigError(f"Unknown {kind} {plugin_id!r}.{suffix}")
    try:
        return load_entry(entry)
    except PluginLoadFailed as exc:
        fix = f"; to fix: {exc.fix}" if exc.fix else ""
        raise ConfigError(f"Failed to load {kind} {plugin_id!r}: {exc}{fix}") from exc
