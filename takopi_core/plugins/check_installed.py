"""Check the plugins of some distributions, enabled or not: run as a child in an environment.

``PYTHON -m takopi_core.plugins.check_installed [--timeout S] DIST...`` discovers the plugins
of ``DIST...`` in that interpreter's environment (under the enabled list of
``$TAKOPI_CONFIG``, so duplicate ids count as they would), loads each in the probe (more
children; never in this process) and prints one JSON array: one object per entry point of
those distributions, with ``enabled`` and the probe's verdict, then their discovery errors.

`takopi plugins install` runs it after pip so a just-installed plugin is checked in the
environment it went into, even when the enabled list hides it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from takopi_core.ids import normalize_dist_name


def check_distributions(
    names: Sequence[str], *, timeout: float | None = None
) -> list[dict[str, Any]]:
    """Entries and discovery errors of the distributions ``names``, each probed."""
    from takopi_core.config.toml import enabled_list, read_config_data, resolve_config_path
    from takopi_core.errors import ConfigError
    from takopi_core.plugins.discovery import discover
    from takopi_core.plugins.probe import DEFAULT_TIMEOUT, probe_all
    from takopi_core.plugins.secret_fields import masker_from_results

    wanted = {normalize_dist_name(name) for name in names}
    path = resolve_config_path(None)
    try:
        data: dict[str, Any] | None = read_config_data(path)
        enabled: list[str] | None = enabled_list(data or {}, path)
    except ConfigError:
        data = enabled = None  # the check does not need the config; the CLI reports it
    discovery = discover(enabled)

    def ours(distribution: str | None) -> bool:
        return distribution is not None and normalize_dist_name(distribution) in wanted

    entries = [entry for entry in discovery.entries if ours(entry.distribution)]
    results = probe_all(entries, timeout=timeout if timeout is not None else DEFAULT_TIMEOUT)
    # A plugin's error may quote the config back: its secrets are masked, as everywhere.
    masker = masker_from_results(data, results)

    def shown(text: str | None) -> str | None:
        return None if text is None else masker.text(text)

    rows: list[dict[str, Any]] = []
    for entry, result in zip(entries, results, strict=True):
        rows.append(
            {
                "kind": entry.kind,
                "id": entry.id,
                "distribution": entry.distribution,
                "version": entry.version,
                "enabled": entry.enabled,
                "status": result.status,
                "message": shown(result.message),
                "fix": shown(result.fix),
            }
        )
    for error in discovery.errors:
        if ours(error.distribution):
            rows.append(
                {
                    "kind": error.kind,
                    "id": error.id,
                    "distribution": error.distribution,
                    "version": None,
                    "enabled": False,
                    "status": "failed",
                    "message": shown(error.message),
                    "fix": None,
                }
            )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m takopi_core.plugins.check_installed")
    parser.add_argument("names", nargs="+")
    parser.add_argument("--timeout", type=float, default=None)
    args = parser.parse_args(argv)
    json.dump(check_distributions(args.names, timeout=args.timeout), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
