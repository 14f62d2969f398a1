"""Install, update and remove plugin distributions with pip (or uv), as the user would.

Everything here works on *the environment being inspected*: an interpreter path
(``python``, default ``sys.executable``). Nothing runs without the user having seen the
exact command: :func:`plan_install`, :func:`plan_update` and :func:`plan_remove` only build a
:class:`PipCommand`, whose :meth:`PipCommand.display` is what the user confirms; then
:func:`stream` runs it as a child process and yields its output line by line.

- pip: ``PYTHON -m pip install NAME...``, ``install --upgrade``, ``uninstall -y``;
- uv, when the environment was made by uv (its ``pyvenv.cfg`` has a ``uv = ...`` line) and
  ``uv`` is on PATH: ``uv pip install --python PYTHON NAME...`` and so on (such environments
  usually have no pip at all).

A name is a requirement string (``takopi-ralph``, ``takopi-cron>=0.2``) or a local wheel,
sdist or project folder. Names starting with ``-`` are refused (they would be pip options),
and so is removing ``takopi-tui`` itself or installing upstream's ``takopi`` (its import
package would shadow this host's ``takopi`` face).

:func:`latest_versions` asks the package index (``pip index versions``) in parallel children
with a time limit; :func:`updates_available` compares its answer with installed versions
(both live in :mod:`takopi_core.plugins.index` and are re-exported here).
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from takopi_core._child import child_environment, kill_group, signal_group
from takopi_core.ids import OWN_DISTRIBUTION, UPSTREAM_ALIAS, normalize_dist_name
from takopi_core.plugins.index import (
    INDEX_TIMEOUT,
    INDEX_WORKERS,
    latest_versions,
    parse_index_versions,
    requirement_name,
    updates_available,
)
from takopi_core.text import safe_text

__all__ = [
    "INDEX_TIMEOUT",
    "INDEX_WORKERS",
    "InstallError",
    "InstallResult",
    "PipCommand",
    "PipStream",
    "latest_versions",
    "parse_index_versions",
    "plan_install",
    "plan_remove",
    "plan_update",
    "requirement_name",
    "stream",
    "updates_available",
    "uses_uv",
]

Action = Literal["install", "update", "remove"]
Tool = Literal["pip", "uv"]

#: Seconds the output may stay open after pip exited (a helper it left still holding it)
#: before that helper's process group is killed.
LEFTOVER_GRACE = 5.0

#: Archive endings pip installs from a local file.
_ARCHIVES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")


class InstallError(ValueError):
    """A name or command that cannot be run; the message says which and what to do."""


@dataclass(frozen=True)
class PipCommand:
    """One pip (or uv) command, planned but not run.

    ``action`` is what the user asked for, ``names`` the distributions or files it is about,
    ``argv`` the exact child command line, ``tool`` which installer runs it.
    """

    action: Action
    names: tuple[str, ...]
    argv: tuple[str, ...]
    tool: Tool

    def display(self) -> str:
        """The command as the user would type it in a POSIX shell (what they confirm)."""
        return shlex.join(self.argv)


@dataclass(frozen=True)
class InstallResult:
    """How a :class:`PipCommand` ended: its exit status and every line it printed.

    ``returncode`` is negative when the child was killed by a signal (``-15`` after
    :meth:`PipStream.cancel`); ``cancelled`` says the user stopped it.
    """

    command: PipCommand
    returncode: int
    lines: tuple[str, ...]
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.cancelled


# --- planning --------------------------------------------------------------------------------


def uses_uv(python: str) -> bool:
    """Whether the environment of ``python`` was made by uv and ``uv`` is on PATH.

    uv writes ``uv = VERSION`` into the ``pyvenv.cfg`` of the environments it creates. The
    interpreter path is not resolved: a venv's ``bin/python`` is a symlink to the base one.
    """
    config = Path(python).parent.parent / "pyvenv.cfg"
    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    made_by_uv = any(
        line.partition("=")[0].strip().lower() == "uv" for line in text.splitlines() if "=" in line
    )
    return made_by_uv and shutil.which("uv") is not None


def plan_install(names: Sequence[str], python: str = sys.executable) -> PipCommand:
    """The command installing ``names`` into ``python``'s environment (InstallError if refused)."""
    checked = _checked_names(names, "install")
    if not checked:
        raise InstallError("name at least one plugin distribution to install")
    return _plan("install", checked, python)


def plan_update(names: Sequence[str], python: str = sys.executable) -> PipCommand:
    """The command upgrading ``names``; with none, every installed plugin distribution.

    "Installed plugin distributions" are those of ``python``'s environment that declare an
    entry point in one of the three plugin groups, except takopi-tui itself (see
    :func:`takopi_core.plugins.installed.installed_plugins`). InstallError when there is
    nothing to update.
    """
    checked = _checked_names(names, "update")
    if not checked:
        from takopi_core.plugins.installed import InstalledError, installed_plugins

        try:
            installed = sorted(installed_plugins(python), key=normalize_dist_name)
        except InstalledError as exc:
            raise InstallError(str(exc)) from exc
        # Names come from metadata anyone can write: one that is not a plain distribution
        # name (``--index-url=...``) is never put on the command line.
        checked = tuple(name for name in installed if _is_plain_name(name))
        if not checked:
            raise InstallError(f"no plugin distributions are installed for {python}")
    return _plan("update", checked, python)


def plan_remove(names: Sequence[str], python: str = sys.executable) -> PipCommand:
    """The command uninstalling ``names`` (never takopi-tui itself; InstallError if refused)."""
    checked = _checked_names(names, "remove")
    if not checked:
        raise InstallError("name at least one plugin distribution to remove")
    for name in checked:
        if requirement_name(name) == normalize_dist_name(OWN_DISTRIBUTION):
            raise InstallError(
                f"refusing to remove {OWN_DISTRIBUTION}: it is this program. "
                "Uninstall it with the tool you installed it with (for example "
                f"`uv tool uninstall {OWN_DISTRIBUTION}`)."
            )
    return _plan("remove", checked, python)


def _plan(action: Action, names: tuple[str, ...], python: str) -> PipCommand:
    subcommand = {"install": ["install"], "update": ["install", "--upgrade"]}.get(
        action, ["uninstall"]
    )
    if uses_uv(python):
        uv = shutil.which("uv") or "uv"
        argv = [uv, "pip", *subcommand, "--python", python, *names]
        return PipCommand(action, names, tuple(argv), "uv")
    if action == "remove":
        subcommand = [*subcommand, "-y"]  # pip asks otherwise; the user confirmed already
    argv = [python, "-m", "pip", *subcommand, *names]
    return PipCommand(action, names, tuple(argv), "pip")


def _checked_names(names: Sequence[str], action: Action) -> tuple[str, ...]:
    """``names`` stripped and deduplicated; InstallError for one pip could take as an option
    or that is not a requirement, a local archive or a project folder."""
    checked: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name:
            raise InstallError("an empty name is not a distribution name")
        if name.startswith("-"):
            raise InstallError(
                f"{name!r} looks like an option, not a distribution name: options are not "
                "passed to pip (run pip yourself for those)"
            )
        if action == "install" and _is_local_path(name):
            checked.append(name)
            continue
        requirement = requirement_name(name)
        if requirement is None:
            raise InstallError(
                f"{name!r} is not a valid requirement (a distribution name such as "
                "takopi-ralph, optionally with a version: 'takopi-ralph>=0.3')"
                + (
                    ", nor an existing wheel, sdist or project folder"
                    if action == "install"
                    else ""
                )
            )
        if action != "remove" and requirement == normalize_dist_name(UPSTREAM_ALIAS):
            raise InstallError(
                f"refusing to {action} {UPSTREAM_ALIAS!r}: that is upstream Takopi, whose "
                "`takopi` package would replace this host's. Its plugins work here without it."
            )
        checked.append(name)
    return tuple(dict.fromkeys(checked))


_PLAIN_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


def _is_plain_name(name: str) -> bool:
    """Whether ``name`` is a bare distribution name (PEP 508's name rule, nothing else)."""
    return _PLAIN_NAME.fullmatch(name) is not None


def _is_local_path(name: str) -> bool:
    path = Path(name).expanduser()
    if path.is_dir():
        return (path / "pyproject.toml").is_file() or (path / "setup.py").is_file()
    return path.is_file() and name.lower().endswith(_ARCHIVES)


# --- running ---------------------------------------------------------------------------------


class PipStream(Iterator[str]):
    """A running :class:`PipCommand`: iterate for its output lines, then read :attr:`result`.

    Lines are stdout and stderr merged, in the order the child wrote them, split at ``\\n``
    and ``\\r`` (a progress line), with control characters escaped (:func:`safe_text`).
    :meth:`cancel` may be called from another thread (a TUI's Cancel button): it ends the
    child's whole process group, and iteration then stops. Use it as a context manager to be
    sure the child is gone when you leave.
    """

    def __init__(self, command: PipCommand) -> None:
        self.command = command
        self.lines: list[str] = []
        self.cancelled = False
        self._result: InstallResult | None = None
        env = child_environment(None)
        # Lines as they come, never a prompt (stdin is closed; the user confirmed already).
        env.update(PYTHONUNBUFFERED="1", PIP_NO_INPUT="1", PIP_PROGRESS_BAR="off")
        try:
            self._process = subprocess.Popen(
                command.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            raise InstallError(
                f"cannot run {command.argv[0]}: {exc.strerror or exc}. "
                "Check the interpreter path (--python) or that uv is installed."
            ) from exc
        assert self._process.stdout is not None
        self._reader = io.TextIOWrapper(
            self._process.stdout, encoding="utf-8", errors="replace", newline=None
        )
        self._lock = threading.Lock()
        self._read_to_end = threading.Event()
        threading.Thread(target=self._end_leftovers, name="pip-leftovers", daemon=True).start()

    def _end_leftovers(self) -> None:
        """Once pip has exited, end helpers it left holding the output open (after a grace):
        otherwise reading would wait for them however long they live."""
        self._process.wait()
        if not self._read_to_end.wait(timeout=LEFTOVER_GRACE):
            kill_group(self._process)

    @property
    def pid(self) -> int:
        return self._process.pid

    def __iter__(self) -> PipStream:
        return self

    def __next__(self) -> str:
        while True:
            try:
                raw = self._reader.readline()
            except (OSError, ValueError):
                raw = ""
            if not raw:
                self._finish()
                raise StopIteration
            line = safe_text(raw.rstrip("\n"))
            if line.strip():
                self.lines.append(line)
                return line

    def cancel(self) -> None:
        """Stop the child and its helpers: SIGTERM to the group, SIGKILL if it lingers."""
        with self._lock:
            if self._result is not None:
                return  # read to the end: nothing left to stop
            # Even when pip has exited: a helper it left may hold the output open.
            self.cancelled = True
        signal_group(self._process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=3)
        # Then the whole group, whether or not pip itself is gone: a helper it started (a
        # build backend) may ignore SIGTERM, and it holds the output pipe open.
        kill_group(self._process)

    def _finish(self) -> None:
        if self._result is not None:
            return
        returncode = self._process.wait()
        self._read_to_end.set()
        self._reader.close()
        self._result = InstallResult(self.command, returncode, tuple(self.lines), self.cancelled)

    @property
    def done(self) -> bool:
        return self._result is not None

    @property
    def result(self) -> InstallResult:
        """How the command ended; RuntimeError before the lines are all read."""
        if self._result is None:
            raise RuntimeError("the command is still running: read its lines first")
        return self._result

    def wait(self) -> InstallResult:
        """Read the remaining lines (kept in :attr:`lines`) and return the result."""
        for _line in self:
            pass
        return self.result

    def __enter__(self) -> PipStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._result is None:
            self.cancel()
            self._finish()


def stream(command: PipCommand) -> PipStream:
    """Start ``command`` as a child process (its own process group) and stream its output.

    Iterate the returned :class:`PipStream` for the output lines; once exhausted its
    ``result`` is the :class:`InstallResult` (exit status and lines). ``cancel()`` stops it.
    InstallError when the program cannot be started at all.
    """
    return PipStream(command)
