"""After `takopi plugins install|update`: check the new plugins and offer to enable them.

Both steps run in the environment that was installed into: the check as a child of that
interpreter (``PYTHON -m takopi_core.plugins.check_installed``, which loads each plugin in
the probe), enabling as ``PYTHON -m takopi_core plugins enable DIST`` so discovery sees that
environment's distributions. Standard library only at top level.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from takopi_core.plugins.installed import InstalledPlugin

#: Where the children run: `python -m` puts the working folder first on sys.path, and the
#: folder takopi was started in (a checkout, a project) must not decide what they import.
_NEUTRAL_FOLDER = os.path.abspath(os.sep)

#: Seconds the whole check may take on top of the per-plugin limits (the child's start-up).
_CHECK_SLACK = 60.0


def config_path_of(args: argparse.Namespace) -> Path:
    """The config file the command works with (``--config``, ``$TAKOPI_CONFIG``, home)."""
    from takopi_core.config.toml import resolve_config_path

    return resolve_config_path(getattr(args, "config", None)).expanduser().absolute()


def enabled_list_of(args: argparse.Namespace) -> frozenset[str] | None:
    """The normalized ``[plugins] enabled`` list, None when it is not set (or unreadable)."""
    from takopi_core.config.toml import enabled_list, read_config_data
    from takopi_core.errors import ConfigError
    from takopi_core.plugins.discovery import normalize_allowlist

    path = config_path_of(args)
    try:
        return normalize_allowlist(enabled_list(read_config_data(path), path))
    except ConfigError as exc:
        print(f"warning: {exc}", file=sys.stderr)
        return None


def check_new(args: argparse.Namespace, python: str, changed: Sequence[InstalledPlugin]) -> bool:
    """Load the plugins of ``changed`` in ``python``'s environment and print each verdict.

    Returns whether one failed (or the check itself could not run).
    """
    from takopi_core._child import child_environment

    names = [plugin.name for plugin in changed]
    argv = [python, "-m", "takopi_core.plugins.check_installed", *names]
    timeout = getattr(args, "timeout", None)
    if timeout is not None:
        argv += ["--timeout", str(timeout)]
    print("checking the new plugins (each loads in a separate process)...", flush=True)
    limit = (timeout or 10.0) * max(1, len(names)) * 3 + _CHECK_SLACK
    try:
        done = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            env=child_environment(config_path_of(args)),
            timeout=limit,
            check=False,
            cwd=_NEUTRAL_FOLDER,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"error: the check could not run: {exc}", file=sys.stderr)
        return True
    try:
        rows: list[dict[str, Any]] = json.loads(done.stdout)
    except ValueError:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        print(
            f"error: could not check the new plugins with {python}: {tail[0]}\n"
            "  Is takopi-tui installed in that environment? "
            f"(`{python} -m pip install takopi-tui`)",
            file=sys.stderr,
        )
        return True
    if not rows:
        print("  (these distributions declare no takopi plugins)")
    failed = False
    for row in rows:
        label = f"{row['kind']} {row['id']} ({row['distribution']})"
        hidden = "" if row["enabled"] else ", not enabled"
        if row["status"] == "ok":
            print(f"  {label}: ok{hidden}")
            continue
        failed = True
        print(f"  {label}: error: {row['message'] or 'failed'}{hidden}")
        if row.get("fix"):
            print(f"    fix: {row['fix']}")
    return failed


def offer_enable(args: argparse.Namespace, python: str, changed: Sequence[InstalledPlugin]) -> None:
    """When an enabled list is set and leaves out ``changed``, say (or run) how to add them."""
    from takopi_core.config.toml import display_path
    from takopi_core.ids import normalize_dist_name

    listed = enabled_list_of(args)
    if listed is None:
        return
    missing = [p.name for p in changed if p.kinds and normalize_dist_name(p.name) not in listed]
    if not missing:
        return
    path = config_path_of(args)
    config_option = ["--config", str(path)] if getattr(args, "config", None) else []
    command = ["takopi", "plugins", "enable", *config_option, *missing]
    import shlex

    print(
        f"[plugins] enabled in {display_path(path)} does not list {', '.join(missing)}, "
        "so takopi will not use it."
    )
    if not (args.yes and getattr(args, "enable", False)):
        print(f"Enable it: {shlex.join(command)}")
        return
    argv = [python, "-m", "takopi_core", "plugins", "enable", "--config", str(path), *missing]
    done = subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=_NEUTRAL_FOLDER,
    )
    # Through our stdout (which escapes control characters), not straight to the terminal.
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        print(f"error: enabling failed; run it yourself: {shlex.join(command)}", file=sys.stderr)
