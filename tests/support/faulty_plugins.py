"""Faulty plugins as real distributions: engines, commands and transports that break the
plugin contract in one chosen way each, for the run-path fault tests and
``scripts/attack/run_path.py``.

``evil_engine(patch)`` is engine ``evil`` (distribution ``takopi-engine-evil``): a runner that
is a plain object (no base class, so a deleted method stays missing) delegating to the healthy
fake runner of ``support.run_dists``; ``patch`` is module code run after the class is defined
(``method_patch`` replaces one method's body). ``command(body)`` is command ``cmd``
(``takopi-command-cmd``); ``transport(**parts)`` is transport ``evilt``
(``takopi-transport-evilt``) with some methods' bodies replaced. ``write_grandchild_cli``
writes a fake ``evil`` CLI whose helper process ignores SIGTERM.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, TRANSPORT_GROUP, Dist
from support.run_dists import ENGINE_MODULE

#: A runner that is a plain object (no base class: a missing method stays missing), delegating
#: to the healthy fake runner; faults replace or delete its methods.
EVIL_ENGINE = (
    ENGINE_MODULE.format(engine="evil")
    + """

class Evil:
    def __init__(self, cli):
        self._inner = FakeRunner(cli)
        self.engine = ENGINE

    def is_resume_line(self, line):
        return self._inner.is_resume_line(line)

    def format_resume(self, token):
        return self._inner.format_resume(token)

    def extract_resume(self, text):
        return self._inner.extract_resume(text)

    def run(self, prompt, resume):
        return self._inner.run(prompt, resume)


def _build(config, config_path):
    return Evil(config.get("cli", ENGINE))

{patch}

BACKEND = EngineBackend(id=ENGINE, build_runner=_build, cli_cmd=ENGINE)
"""
)

RAISES = {
    "raises": "raise RuntimeError('evil fault')",
    "wrong-type": "return 42",
    "SystemExit": "raise SystemExit(7)",
    "KeyboardInterrupt": "raise KeyboardInterrupt",
}


def method_patch(method: str, body: str) -> str:
    return f"def _fault(self, *args, **kwargs):\n    {body}\n\nEvil.{method} = _fault\n"


def evil_engine(patch: str = "") -> Dist:
    return Dist(
        name="takopi-engine-evil",
        entry_points={ENGINE_GROUP: {"evil": "fake_evil.backend:BACKEND"}},
        files={"fake_evil/backend.py": EVIL_ENGINE.replace("{patch}", patch)},
    )


def module_engine(code: str) -> Dist:
    """An engine distribution whose module is ``code`` (for import-time and backend faults)."""
    return Dist(
        name="takopi-engine-evil",
        entry_points={ENGINE_GROUP: {"evil": "fake_evil_mod.backend:BACKEND"}},
        files={"fake_evil_mod/backend.py": code},
    )


def command(body: str, *, module_code: str = "", sync: bool = False) -> Dist:
    code = (
        "from takopi.api import CommandResult, RunRequest\n" + module_code + "\n\nclass Command:\n"
        "    id = 'cmd'\n"
        "    description = 'a faulty command'\n\n"
        f"    {'' if sync else 'async '}def handle(self, ctx):\n"
        + textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
        + "\n\n\nBACKEND = Command()\n"
    )
    return Dist(
        name="takopi-command-cmd",
        entry_points={COMMAND_GROUP: {"cmd": "fake_cmd_evil.backend:BACKEND"}},
        files={"fake_cmd_evil/backend.py": code},
    )


TRANSPORT = """
from pathlib import Path
from takopi.api import SetupIssue, SetupResult


class T:
    id = "evilt"
    description = "a faulty transport"

    def check_setup(self, engine_backend, *, transport_override=None):
        {check_setup}

    async def interactive_setup(self, *, force):
        return True

    def lock_token(self, *, transport_config, config_path):
        {lock_token}

    {run_def} build_and_run(self, *, transport_config, config_path, runtime, final_notify,
                      default_engine_override):
        {build_and_run}


BACKEND = T()
"""

GOOD = {
    "check_setup": "return SetupResult(issues=[], config_path=Path('x'))",
    "lock_token": "return None",
    "build_and_run": "print('TRANSPORT RAN', runtime.default_engine, flush=True)",
}


def transport(**overrides: str) -> Dist:
    parts = {**GOOD, "run_def": "def", **overrides}
    return Dist(
        name="takopi-transport-evilt",
        entry_points={TRANSPORT_GROUP: {"evilt": "fake_evilt.backend:BACKEND"}},
        files={"fake_evilt/backend.py": TRANSPORT.format(**parts)},
    )


GRANDCHILD_CLI = """#!{python}
import os, signal, subprocess, sys, time
sys.stdin.read()
pidfile = os.environ["ATTACK_PIDFILE"]
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time, os, sys\\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
    "open(sys.argv[1], 'w').write(str(os.getpid()))\\n"
    "time.sleep(600)\\n", pidfile])
print('{{"type": "session", "id": "g1"}}', flush=True)
while not os.path.exists(pidfile) or not open(pidfile).read():
    time.sleep(0.02)
time.sleep(600) if "{mode}" == "stay" else None
"""


def write_grandchild_cli(bin_dir: Path, mode: str) -> Path:
    """Fake CLI ``evil``: starts a helper that ignores SIGTERM and writes its pid to
    ``$ATTACK_PIDFILE``, prints a session line, then exits (``mode="exit"``) or stays."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / "evil"
    path.write_text(GRANDCHILD_CLI.format(python=sys.executable, mode=mode))
    path.chmod(0o755)
    return path
