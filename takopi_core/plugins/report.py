"""What the CLI and the TUI report about plugins: error records, the plain listing, exit codes.

Plain-text rendering lives here so `takopi plugins`, `takopi tui --plain` and the TUI's error
pane all say the same thing in the same order.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from takopi_core.ids import KINDS
from takopi_core.plugins.discovery import (
    Discovery,
    DiscoveryError,
    PluginEntry,
    is_distribution_enabled,
)

if TYPE_CHECKING:  # the probe module is heavier; listing without --load never needs it
    from takopi_core.plugins.probe import LoadResult

SECTION_TITLES = {
    "engine": "engine backends:",
    "transport": "transport backends:",
    "command": "command backends:",
}


_ErrorRecordBase = namedtuple(
    "_ErrorRecordBase",
    "kind id distribution message traceback source fix enabled",
    defaults=(None, "load", None, True),
)


class ErrorRecord(_ErrorRecordBase):
    """One problem with one plugin, from discovery or from loading it.

    ``source`` is ``discovery`` or ``load``; ``traceback`` is set for load errors; ``fix``
    says what to do (see :mod:`takopi_core.plugins.fixes`); ``enabled`` is False for a
    plugin its distribution's absence from ``[plugins] enabled`` hides: its error is shown,
    marked, and is not a failure.
    """

    __slots__ = ()

    @property
    def dist_label(self) -> str:
        return self.distribution or "unknown"

    def line(self) -> str:
        """``engine broken (dist): message`` as `takopi plugins` prints it."""
        marker = " disabled" if not self.enabled else ""
        return f"{self.kind} {self.id} ({self.dist_label}{marker}): {self.message}"


def _kind_order(kind: str) -> int:
    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def collect_errors(discovery: Discovery, results: Iterable[LoadResult] = ()) -> list[ErrorRecord]:
    """Every discovery and load error, grouped by kind, then distribution, then id."""
    records = [discovery_record(e, discovery.allowlist) for e in discovery.errors]
    records += [
        ErrorRecord(
            r.kind,
            r.id,
            r.distribution,
            r.message or "failed",
            r.traceback,
            "load",
            r.fix or _load_fix(r),
            is_distribution_enabled(r.distribution, discovery.allowlist),
        )
        for r in results
        if not r.ok
    ]
    records.sort(key=lambda r: (_kind_order(r.kind), r.dist_label.lower(), r.id))
    return records


def discovery_record(error: DiscoveryError, allowlist: frozenset[str] | None) -> ErrorRecord:
    """The record of an entry point discovery skipped, with what to do about it."""
    from takopi_core.plugins.fixes import discovery_fix

    enabled = is_distribution_enabled(error.distribution, allowlist)
    fix = discovery_fix(
        error.reason,
        error.id,
        error.distribution,
        enabled=enabled,
        location=error.location,
    )
    return ErrorRecord(
        error.kind, error.id, error.distribution, error.message, None, "discovery", fix, enabled
    )


def _load_fix(result: LoadResult) -> str:
    """A failure the checker did not explain (the probe ended it: a hang, a crash)."""
    from takopi_core.plugins import fixes

    return fixes.unexplained_fix(result.error_type, result.id, result.distribution)


def failures(records: Iterable[ErrorRecord]) -> list[ErrorRecord]:
    """The records that count as failures: those of enabled plugins."""
    return [record for record in records if record.enabled]


def group_errors(records: Iterable[ErrorRecord]) -> list[tuple[str, str, list[ErrorRecord]]]:
    """``[(kind, distribution label, records), ...]`` in the order of ``records``."""
    groups: dict[tuple[str, str], list[ErrorRecord]] = {}
    for record in records:
        groups.setdefault((record.kind, record.dist_label), []).append(record)
    return [(kind, dist, items) for (kind, dist), items in groups.items()]


def entry_status(entry: PluginEntry, result: LoadResult | None, *, loaded: bool) -> str:
    """``disabled``, ``not checked``, ``ok`` or ``failed``."""
    if not entry.enabled:
        return "disabled"
    if result is None:
        return "not checked" if not loaded else "failed"
    return result.status


def cli_missing(entry: PluginEntry, result: LoadResult | None = None) -> str | None:
    """For an engine whose CLI is not on PATH: how to install it (``""`` when unknown).

    ``None`` when the CLI is found, or when it is unknown without loading the plugin (only
    the built-in engines' CLIs are known then: a plugin's ``cli_cmd`` comes from the probe).
    """
    if entry.kind != "engine":
        return None
    from takopi_core.config.engines import BUILTIN_ENGINE_CLIS

    builtin = BUILTIN_ENGINE_CLIS.get(entry.id) if entry.builtin else None
    if result is not None and result.ok and result.cli_cmd:
        cmd, install = result.cli_cmd, result.install_cmd
    elif builtin is not None:
        cmd, install = builtin.cli_cmd, builtin.install_cmd
    else:
        return None
    import shutil  # only now: `takopi plugins` without engines never needs it

    return None if shutil.which(cmd) else (install or "")


def render_listing(
    discovery: Discovery,
    results: Mapping[tuple[str, str, str | None], LoadResult] | None = None,
    *,
    verbose: bool = False,
) -> str:
    """The plain `takopi plugins` view: one section per kind, then an ``errors:`` block."""
    lines: list[str] = []
    show_state = discovery.allowlist is not None
    for kind in KINDS:
        lines.append(SECTION_TITLES[kind])
        entries = discovery.of_kind(kind)
        if not entries:
            lines.append("  (none)")
        for entry in entries:
            line = f"  {entry.id} ({entry.dist_label})"
            if entry.builtin:
                line += " built-in"
            if show_state:
                line += " enabled" if entry.enabled else " disabled"
            result = results.get(entry.key) if results is not None else None
            if result is not None and result.ok and result.load_ms is not None:
                line += f"  ok {result.load_ms:.0f} ms"
            elif result is not None and not result.ok:
                line += "  FAILED"
            missing = cli_missing(entry, result) if entry.enabled else None
            if missing is not None:
                line += f"  CLI missing: {missing}" if missing else "  CLI missing"
            lines.append(line)
    errors = collect_errors(discovery, (results or {}).values())
    if errors:
        lines.append("errors:")
        for record in errors:
            lines.append(f"  {record.line()}")
            if record.fix:
                lines.append(f"      fix: {record.fix}")
            if verbose and record.traceback:
                lines.extend(f"      {tb}" for tb in record.traceback.rstrip().splitlines())
    return "\n".join(lines) + "\n"


def render_setup(results: Iterable[LoadResult]) -> str:
    """Setup status of each checked transport, as plain text ('' when none was checked)."""
    lines: list[str] = []
    # By id: the pool finishes checks in any order, and the text must not change with it.
    for result in sorted(results, key=lambda r: r.id):
        if result.kind != "transport" or result.setup_ok is None:
            continue
        if result.setup_ok:
            lines.append(f"  {result.id}: ready")
            continue
        lines.append(f"  {result.id}: needs setup (run `takopi setup {result.id}`)")
        for title, detail in result.setup_issues:
            lines.append(f"    - {title}")
            lines.extend(f"      {text.strip()}" for text in detail)
    return ("transport setup:\n" + "\n".join(lines) + "\n") if lines else ""


def listing_json(
    discovery: Discovery,
    results: Mapping[tuple[str, str, str | None], LoadResult] | None = None,
) -> list[dict[str, Any]]:
    """The `--json` view: one object per listed entry, then one per discovery error."""
    loaded = results is not None
    items: list[dict[str, Any]] = []
    for entry in discovery.entries:
        result = results.get(entry.key) if results is not None else None
        items.append(
            {
                "kind": entry.kind,
                "id": entry.id,
                "value": entry.value,
                "distribution": entry.distribution,
                "version": entry.version,
                "enabled": entry.enabled,
                "builtin": entry.builtin,
                "cli_missing": cli_missing(entry, result) is not None,
                "status": entry_status(entry, result, loaded=loaded),
                "error": result.message if result is not None and not result.ok else None,
                "fix": (result.fix or _load_fix(result))
                if result is not None and not result.ok
                else None,
                "error_type": result.error_type if result is not None else None,
                "traceback": result.traceback if result is not None else None,
                "load_ms": result.load_ms if result is not None else None,
                "description": result.description if result is not None else None,
            }
        )
    for error in discovery.errors:
        record = discovery_record(error, discovery.allowlist)
        items.append(
            {
                "kind": error.kind,
                "id": error.id,
                "value": error.value,
                "distribution": error.distribution,
                "version": None,
                "enabled": record.enabled,
                "builtin": False,
                "cli_missing": False,
                "status": "error",
                "error": error.message,
                "fix": record.fix,
                "error_type": error.reason,
                "traceback": None,
                "load_ms": None,
                "description": None,
            }
        )
    return items


def has_errors(
    discovery: Discovery, results: Mapping[Any, LoadResult] | Iterable[LoadResult] = ()
) -> bool:
    """Whether an enabled plugin failed (a disabled plugin's error is no failure)."""
    values = results.values() if isinstance(results, Mapping) else results
    return bool(failures(collect_errors(discovery, values)))
