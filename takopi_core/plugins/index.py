"""What the package index offers: the latest release of each plugin distribution.

``pip index versions NAME`` (pip's own view, with its index settings and the environment's
Python) answers ``NAME (X.Y.Z)``; :func:`latest_versions` runs one child per name, several
at once, each ended after a time limit, and :func:`updates_available` compares the answers
with the installed versions. Re-exported by :mod:`takopi_core.plugins.install`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from takopi_core._child import child_environment, kill_group
from takopi_core.ids import normalize_dist_name

#: Seconds one ``pip index versions`` child may take before its answer counts as unknown.
INDEX_TIMEOUT = 20.0

#: How many ``pip index versions`` children run at once (they wait on the network, not CPU).
INDEX_WORKERS = 8


def requirement_name(text: str) -> str | None:
    """The normalized distribution name the requirement ``text`` names; None when it is not
    a requirement (a wheel path, a typo)."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return normalize_dist_name(Requirement(text).name)
    except InvalidRequirement:
        return None


_INDEX_LINE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s+\((?P<version>[^()\s]+)\)\s*$")


def parse_index_versions(output: str, name: str) -> str | None:
    """The latest version in ``pip index versions NAME`` output (``NAME (X.Y.Z)``), if any."""
    wanted = normalize_dist_name(name)
    for line in output.splitlines():
        match = _INDEX_LINE.match(line.strip())
        if match and normalize_dist_name(match["name"]) == wanted:
            return match["version"]
    return None


def latest_versions(
    names: Sequence[str],
    python: str = sys.executable,
    *,
    timeout: float = INDEX_TIMEOUT,
    any_python: bool = False,
) -> dict[str, str | None]:
    """The newest version of each name on the package index, as ``python``'s pip sees it.

    One ``python -m pip index versions NAME`` child per name, several at once, each ended
    (its whole group) after ``timeout`` seconds. A name maps to None when the answer is
    unknown: offline, not on the index, no release for this Python, a timeout, or no pip in
    that environment. ``any_python`` counts releases whose Requires-Python the environment's
    Python does not meet too (``--ignore-requires-python``): to say that a newer release
    exists but needs a newer Python.
    """
    unique = list(dict.fromkeys(names))
    if not unique:
        return {}
    asker = _IndexAsker(python, timeout, ["--ignore-requires-python"] if any_python else [])
    workers = min(INDEX_WORKERS, len(unique))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pip-index") as pool:
        return dict(zip(unique, pool.map(asker.latest, unique), strict=True))


class _IndexAsker:
    """Runs ``pip index versions`` for one environment.

    An environment without pip (uv makes them so) is asked through this interpreter's pip
    with ``--python-version`` set to that environment's, so Requires-Python still counts.
    """

    def __init__(self, python: str, timeout: float, options: list[str]) -> None:
        self.python = python
        self.timeout = timeout
        self.options = options
        self._lock = threading.Lock()
        self._fallback: list[str] | None = None

    def latest(self, name: str) -> str | None:
        if name.startswith("-") or requirement_name(name) is None:
            return None
        answer = _run_index([self.python, "-m", "pip", *self.options], name, self.timeout)
        if answer is not _NO_PIP:
            return answer
        fallback = self._fallback_pip()
        if fallback is None:
            return None
        again = _run_index([*fallback, *self.options], name, self.timeout)
        return None if again is _NO_PIP else again

    def _fallback_pip(self) -> list[str] | None:
        if os.path.abspath(self.python) == os.path.abspath(sys.executable):
            return None
        with self._lock:
            if self._fallback is None:
                from takopi_core.plugins.installed import interpreter_version

                version = interpreter_version(self.python)
                self._fallback = (
                    [sys.executable, "-m", "pip", "--python-version", version] if version else []
                )
        return self._fallback or None


#: _run_index's answer when the interpreter has no pip module at all.
_NO_PIP = "\0no pip"


def _run_index(pip: list[str], name: str, timeout: float) -> str | None:
    """``pip index versions NAME``'s latest version; None if unknown, _NO_PIP if no pip."""
    argv = [*pip[:3], "index", "versions", *pip[3:], name]
    env = child_environment(None)
    env.update(PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    try:
        child = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except OSError:
        return None
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(child)
        child.communicate()
        return None
    if child.returncode != 0:
        return _NO_PIP if b"No module named pip" in err else None
    return parse_index_versions(out.decode("utf-8", "replace"), name)


def updates_available(installed: Mapping[str, str], latest: Mapping[str, str | None]) -> set[str]:
    """Names (as keyed in ``installed``) whose latest known version is newer than installed.

    Names match across the two mappings in normalized form; versions compare as PEP 440
    versions, and one that does not parse never counts as an update.
    """
    from packaging.version import InvalidVersion, Version

    newest = {normalize_dist_name(name): version for name, version in latest.items()}
    found: set[str] = set()
    for name, current in installed.items():
        candidate = newest.get(normalize_dist_name(name))
        if candidate is None:
            continue
        try:
            if Version(candidate) > Version(current):
                found.add(name)
        except InvalidVersion:
            continue
    return found
