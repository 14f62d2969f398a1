"""Run `takopi ARGS` in the test's own process: ``takopi_core.cli.main(argv)``, output captured.

For the CLI tests where the child process is not what they test (what a command prints,
writes and exits with). The answer has the shape of :func:`support.paths.run_takopi`'s, so a
test reads the same either way; a call costs no interpreter start. Keep ``run_takopi`` where
the process is the point: which modules a command imports, signals, a terminal, a closed
pipe, two instances at once, the run path (it loads plugin code).

The command's own children (the probe, the setup checks) see ``site`` on PYTHONPATH and the
``env`` given, as ``run_takopi``'s child would. Plugin code must not run in the CLI's
process: a module of ``site`` imported by the command fails the call.
"""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from takopi_core.cli import main


@dataclass(frozen=True)
class CliResult:
    """What `takopi ARGS` did: its exit status and everything it wrote."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class InProcessCli:
    """Calls ``main(argv)`` with sys.path, the environment and stdin set for one call only."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def __call__(
        self,
        *args: str,
        site: Path | None = None,
        env: dict[str, str] | None = None,
        input: str | None = None,
    ) -> CliResult:
        self._capsys.readouterr()  # what the test printed before is not the command's
        with self._monkeypatch.context() as patch:
            if site is not None:
                patch.syspath_prepend(str(site))
                paths = (str(site), os.environ.get("PYTHONPATH", ""))
                patch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            patch.setattr(sys, "stdin", io.StringIO(input or ""))
            before = set(sys.modules)
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors and --help
                code = _exit_status(exc.code)
            if site is not None:
                _assert_no_plugin_code_ran(site, set(sys.modules) - before, args)
        out, err = self._capsys.readouterr()
        return CliResult(tuple(args), code, out, err)


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # what the interpreter does with sys.exit("message")
    return 1


def _assert_no_plugin_code_ran(site: Path, new: set[str], args: tuple[str, ...]) -> None:
    loaded = sorted(
        name
        for name in new
        if str(getattr(sys.modules.get(name), "__file__", None) or "").startswith(str(site))
    )
    for name in loaded:
        del sys.modules[name]  # module names repeat across tests
    assert not loaded, f"`takopi {' '.join(args)}` imported plugin modules {loaded}"
