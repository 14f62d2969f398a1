"""The gate before plugin code runs in ``takopi run``'s own process: the probe checks it first.

``takopi run`` imports its transport, engines and commands in-process (it is the host). A
plugin that hangs, exits the interpreter or crashes it at import would freeze or kill the
bridge, so before anything is imported one probe run (child processes, with the probe's
per-plugin timeout) checks every plugin the session may load. Only the ones that passed are
imported; the others are skipped and reported, each with the probe's reason. A plugin found
later (a command installed while the bridge runs) is checked on its first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from takopi_core.plugins.discovery import PluginEntry
from takopi_core.plugins.probe import LoadResult, Probe, default_workers

__all__ = ["PluginGate", "check_plugins"]

EntryKey = tuple[str, str, str | None]


@dataclass(slots=True)
class PluginGate:
    """The probe's verdicts on the plugins of this session, keyed by entry key."""

    results: dict[EntryKey, LoadResult] = field(default_factory=dict)
    #: The probe's per-plugin timeout (None: the probe's own default).
    timeout: float | None = None
    env: Mapping[str, str] | None = None

    def problem(self, entry: PluginEntry) -> str | None:
        """Why ``entry`` must not be imported (None when it passed the check).

        An entry not checked yet is checked now (a blocking probe run: call it from a
        worker thread inside an event loop).
        """
        if entry.builtin:
            return None
        result = self.results.get(entry.key)
        if result is None:
            self.check([entry])
            result = self.results.get(entry.key)
        if result is None:
            return "the check did not report on it"
        if result.ok:
            return None
        return _reason(result)

    def known_problem(self, entry: PluginEntry) -> str | None:
        """Why ``entry`` failed its check, when it was checked and failed (never probes)."""
        result = self.results.get(entry.key)
        if result is None or result.ok:
            return None
        return _reason(result)

    def skip_line(self, entry: PluginEntry) -> str | None:
        """``engine 'x' (dist) skipped: its check failed: reason``, or None when it passed."""
        problem = self.problem(entry)
        if problem is None:
            return None
        label = f"{entry.kind} {entry.id!r} ({entry.dist_label})"
        return f"{label} skipped: its check failed: {problem}"

    def check(self, entries: Iterable[PluginEntry]) -> None:
        """Probe the entries not checked yet, in one run. The host's own built-ins are not
        probed (they are host code); if the probe itself breaks, every plugin it did not
        report on counts as failed, with the probe's error as the reason."""
        todo = [entry for entry in entries if entry.key not in self.results and not entry.builtin]
        if not todo:
            return
        try:
            # A pool, so a plugin that hangs delays the start by its timeout once, not
            # everyone's checks after it.
            workers = default_workers()
            if self.timeout is None:
                probe = Probe(todo, env=self.env, workers=workers)
            else:
                probe = Probe(todo, timeout=self.timeout, env=self.env, workers=workers)
            for result in probe.results():
                self.results[result.key] = result
        except Exception as exc:
            reason = f"the check itself failed ({type(exc).__name__}: {exc})"
            for entry in todo:
                self.results.setdefault(entry.key, _failed(entry, reason))

    def passed(self, entry: PluginEntry) -> bool:
        return entry.builtin or self.problem(entry) is None


def check_plugins(
    entries: Iterable[PluginEntry],
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> PluginGate:
    """One probe run over ``entries``: the gate ``takopi run`` imports through."""
    gate = PluginGate(timeout=timeout, env=env)
    gate.check(entries)
    return gate


def _reason(result: LoadResult) -> str:
    message = (result.message or "").strip()
    if result.error_type and result.error_type not in ("InterpreterExit", "TimeoutError"):
        return f"{result.error_type}: {message}" if message else result.error_type
    return message or result.error_type or "failed"


def _failed(entry: PluginEntry, reason: str) -> LoadResult:
    return LoadResult.of(entry, "failed", error_type="ProbeError", message=reason)
