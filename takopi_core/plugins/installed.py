"""Which plugin distributions an interpreter's environment has installed (metadata only).

Install, update and remove act on *the environment being inspected*, which need not be the
one this process runs in (``takopi plugins install --python PATH``). So the question is put
to that interpreter: a short child reads ``importlib.metadata`` there and prints JSON. It
never imports plugin code, only reads ``*.dist-info`` metadata.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

from takopi_core._child import child_environment
from takopi_core.ids import GROUPS, KIND_BY_GROUP, OWN_DISTRIBUTION, normalize_dist_name

#: Seconds the metadata child may take (it reads files; a slow disk, a huge environment).
INSTALLED_TIMEOUT = 30.0

# Run by the inspected interpreter: {name: [version, [kinds...]]} for distributions with an
# entry point in one of the plugin groups (argv[1:]). Standard library only.
_SCRIPT = """
import json, sys
from importlib import metadata
groups = set(sys.argv[1:])
found = {}
for dist in metadata.distributions():
    try:
        name = dist.metadata["Name"]
        version = dist.version
        eps = [ep.group for ep in dist.entry_points if ep.group in groups]
    except Exception:
        continue
    if name and eps and name not in found:
        found[name] = [version, sorted(set(eps))]
print(json.dumps(found))
"""


@dataclass(frozen=True)
class InstalledPlugin:
    """A distribution providing plugins: its name, version and the kinds it provides."""

    name: str
    version: str
    kinds: tuple[str, ...]


class InstalledError(RuntimeError):
    """The interpreter could not be asked (missing, not Python, crashed); says which."""


def installed_plugin_details(
    python: str = sys.executable, *, include_own: bool = False
) -> dict[str, InstalledPlugin]:
    """Plugin distributions installed for ``python``, by name (sorted, normalized order).

    takopi-tui itself (the built-ins) is left out unless ``include_own``.
    """
    # Not -I: plugins on PYTHONPATH count. A neutral working folder keeps the folder this
    # process runs in (which `-c` puts on sys.path) from adding distributions.
    argv = [python, "-c", _SCRIPT, *GROUPS.values()]
    try:
        done = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=child_environment(None),
            timeout=INSTALLED_TIMEOUT,
            check=False,
            cwd=os.path.abspath(os.sep),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstalledError(f"cannot list the distributions of {python}: {exc}") from exc
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise InstalledError(
            f"cannot list the distributions of {python} (exit {done.returncode})"
            + (f": {tail[0]}" if tail else "")
        )
    try:
        raw = json.loads(done.stdout)
    except ValueError as exc:
        raise InstalledError(f"{python} did not answer with a distribution list") from exc
    own = normalize_dist_name(OWN_DISTRIBUTION)
    found: dict[str, InstalledPlugin] = {}
    for name in sorted(raw, key=normalize_dist_name):
        if not include_own and normalize_dist_name(name) == own:
            continue
        version, groups = raw[name]
        kinds = tuple(sorted(KIND_BY_GROUP.get(group, group) for group in groups))
        found[name] = InstalledPlugin(str(name), str(version), kinds)
    return found


def installed_plugins(python: str = sys.executable) -> dict[str, str]:
    """Plugin distributions installed for ``python`` (except takopi-tui): name -> version."""
    return {name: plugin.version for name, plugin in installed_plugin_details(python).items()}


def interpreter_version(python: str = sys.executable) -> str | None:
    """``python``'s version (``"3.11.7"``), or None when it cannot be run."""
    if python == sys.executable:
        return sys.version.split()[0]
    try:
        done = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=INSTALLED_TIMEOUT,
            check=False,
            cwd=os.path.abspath(os.sep),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = done.stdout.strip()
    return version if done.returncode == 0 and version else None
