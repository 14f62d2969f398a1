"""Attack the run path: faulty engines, commands and transports through `takopi run`.

Each fault is a real distribution on a temporary ``PYTHONPATH`` beside two healthy engines
(``alpha``, the default, and ``beta``, both with fake CLIs on PATH). For each fault a real
``takopi run --transport terminal`` child (or ``--transport <faulty>``) gets a scripted chat on
its stdin; the fault "survives" (is a defect) when the chat ends abnormally: a traceback, an
exit status other than the expected one, a hang, the healthy engines not answering, the
plugin's own exit code passed through, a process left behind, a stale lock.

    .venv/bin/python scripts/attack/run_path.py [-v] [-k SUBSTRING] [-j JOBS]

Prints one line per surviving fault (all with ``-v``) and ends with
``N faults tried, M survived``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from support.distfactory import Dist, write_dists  # noqa: E402
from support.faulty_plugins import (  # noqa: E402
    RAISES,
    command,
    evil_engine,
    method_patch,
    module_engine,
    transport,
    write_grandchild_cli,
)
from support.run_dists import fake_engine, write_fake_cli  # noqa: E402

TIMEOUT = 45.0

# --- faulty engines ----------------------------------------------------------------------------


@dataclass
class Fault:
    name: str
    dists: list[Dist]
    #: the chat typed into `takopi run`
    chat: str = "first\n/evil hi\n/beta second\nthird\n"
    #: texts that must appear on stdout (healthy engines still answer)
    expect: tuple[str, ...] = (
        "alpha answered: first",
        "beta answered: second",
        "alpha answered: third",
    )
    args: tuple[str, ...] = ("run", "--transport", "terminal")
    evil_cli: bool = True
    #: acceptable exit statuses
    ok_rc: tuple[int, ...] = (0,)
    config: str = ""
    #: a custom driver (orphans, signals): returns None when the chat survived the fault
    driver: Callable[[Fault, World], str | None] | None = None
    #: the fault is a transport's: a clear error naming it is acceptable, if nothing ran
    transport: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    #: seconds between chat lines (0: all at once, as a pipe delivers them)
    pace: float = 0.0


def engine_faults() -> list[Fault]:
    faults: list[Fault] = []
    for method in ("is_resume_line", "format_resume", "extract_resume", "run"):
        # Resume helpers are called for every message: the faulty engine's CLI is missing, as
        # nobody uses it; run faults need the engine used, so its CLI is there.
        cli = method == "run"
        faults.append(
            Fault(f"runner.{method} missing", [evil_engine(f"del Evil.{method}\n")], evil_cli=cli)
        )
        for label, body in RAISES.items():
            faults.append(
                Fault(
                    f"runner.{method} {label}",
                    [evil_engine(method_patch(method, body))],
                    evil_cli=cli,
                )
            )
    faults += [
        Fault(
            "runner.engine missing",
            [
                evil_engine(
                    "_old_init = Evil.__init__\n"
                    "def _init(self, cli):\n    _old_init(self, cli)\n    del self.engine\n"
                    "Evil.__init__ = _init\n"
                )
            ],
        ),
        Fault(
            "runner.engine not a string",
            [
                evil_engine(
                    "_old_init = Evil.__init__\n"
                    "def _init(self, cli):\n    _old_init(self, cli)\n    self.engine = 42\n"
                    "Evil.__init__ = _init\n"
                )
            ],
        ),
        Fault(
            "extract_resume returns another engine's token",
            [evil_engine(method_patch("extract_resume", "return ResumeToken('beta', 'stolen')"))],
            evil_cli=False,
        ),
        Fault(
            "extract_resume returns an unknown engine's token",
            [evil_engine(method_patch("extract_resume", "return ResumeToken('zeta', 'x')"))],
            evil_cli=False,
        ),
        Fault(
            "extract_resume returns a str",
            [evil_engine(method_patch("extract_resume", "return 'evil resume x'"))],
            evil_cli=False,
        ),
        Fault(
            "is_resume_line returns None",
            [evil_engine(method_patch("is_resume_line", "return None"))],
            evil_cli=False,
        ),
    ]
    run_bodies = {
        "run yields a str": "async def gen():\n        yield 'not an event'\n    return gen()",
        "run yields a dict": "async def gen():\n        yield {'type': 'completed'}\n"
        "    return gen()",
        "run yields None": "async def gen():\n        yield None\n    return gen()",
        "run returns a list": "return []",
        "run returns None": "return None",
        "run is a coroutine": "async def co():\n        return 1\n    return co()",
        "run raises SystemExit mid-stream": "async def gen():\n"
        "        raise SystemExit(5)\n        yield\n    return gen()",
        "run raises KeyboardInterrupt mid-stream": "async def gen():\n"
        "        raise KeyboardInterrupt\n        yield\n    return gen()",
        "run ends without a completed event": "async def gen():\n"
        "        if False:\n            yield\n    return gen()",
        "run's started event has beta's token": "from takopi.api import StartedEvent\n"
        "    async def gen():\n        yield StartedEvent(engine='beta', resume=ResumeToken("
        "'beta', 's'))\n    return gen()",
        "run's completed answer is None": "from takopi.api import CompletedEvent\n"
        "    async def gen():\n        yield CompletedEvent(engine=ENGINE, ok=True, answer=None)"
        "\n    return gen()",
        "run's action event has a str action": "from takopi.api import ActionEvent\n"
        "    async def gen():\n"
        "        yield ActionEvent(engine=ENGINE, action='x', phase='started')"
        "\n    return gen()",
    }
    for name, body in run_bodies.items():
        faults.append(Fault(name, [evil_engine(method_patch("run", body))]))

    build_bodies = {
        "build_runner returns None": "return None",
        "build_runner returns a str": "return 'runner'",
        "build_runner returns an int": "return 42",
        "build_runner returns object()": "return object()",
        "build_runner raises": "raise RuntimeError('cannot build')",
        "build_runner raises SystemExit": "raise SystemExit(4)",
        "build_runner raises KeyboardInterrupt": "raise KeyboardInterrupt",
        "build_runner is async": None,
    }
    for name, body in build_bodies.items():
        if body is None:
            patch = "async def _build(config, config_path):\n    return Evil(ENGINE)\n"
        else:
            patch = f"def _build(config, config_path):\n    {body}\n"
        faults.append(Fault(name, [evil_engine(patch)], evil_cli=False))

    imports = {
        "engine import raises": "raise ImportError('no module named evil_sdk')",
        "engine import raises SystemExit": "raise SystemExit(3)",
        "engine import raises KeyboardInterrupt": "raise KeyboardInterrupt",
        "engine import calls os._exit": "import os\nos._exit(9)",
        "engine import hangs": "import time\ntime.sleep(3600)",
        "engine import segfaults": "import ctypes\nctypes.string_at(0)",
        "engine BACKEND is a str": "BACKEND = 'not a backend'",
    }
    for name, code in imports.items():
        faults.append(Fault(name, [module_engine(code + "\n")], evil_cli=False))
    return faults


# --- faulty commands ------------------------------------------------------------------------


CMD_CHAT = "first\n/cmd go\n/beta second\nthird\n"


def command_faults() -> list[Fault]:
    bodies = {
        "command returns a str": "return 'plain text'",
        "command returns a dict": "return {'text': 'hi'}",
        "command returns an int": "return 42",
        "command result text None": "return CommandResult(text=None)",
        "command result text 42": "return CommandResult(text=42)",
        "command result reply_to a str": "return CommandResult(text='x', reply_to='nope')",
        "command raises": "raise RuntimeError('cmd fault')",
        "command raises SystemExit": "raise SystemExit(6)",
        "command raises KeyboardInterrupt": "raise KeyboardInterrupt",
        "command sends an int": "await ctx.executor.send(42)\nreturn None",
        "command runs an unknown engine": "await ctx.executor.run_one(RunRequest('x', "
        "engine='zeta'))\nreturn None",
        "command runs engine 42": "await ctx.executor.run_one(RunRequest('x', engine=42))\n"
        "return None",
        "command runs with prompt None": "await ctx.executor.run_one(RunRequest(None))\n"
        "return None",
    }
    faults = [Fault(name, [command(body)], chat=CMD_CHAT) for name, body in bodies.items()]
    faults.append(
        Fault(
            "command handle is sync",
            [command("return CommandResult('x')", sync=True)],
            chat=CMD_CHAT,
        )
    )
    faults.append(
        Fault(
            "command import raises SystemExit",
            [command("return None", module_code="raise SystemExit(2)\n")],
            chat=CMD_CHAT,
        )
    )
    faults.append(
        Fault(
            "command import hangs",
            [command("return None", module_code="import time\ntime.sleep(3600)\n")],
            chat=CMD_CHAT,
        )
    )
    swallow = """
    import asyncio, os
    open(os.environ["CMD_STARTED"], "w").close()
    while True:
        try:
            await asyncio.sleep(3600)
        except BaseException:
            pass
    """
    faults.append(
        Fault(
            "command swallows cancellation",
            [command(swallow)],
            chat="first\n/cmd go\n/quit\n",
            # /cancel and /quit cancel the first run too, if it is still going
            expect=("/cmd ignored cancellation for 2 s; left behind",),
            pace=0.5,
            extra={"wait_started": "1"},
        )
    )
    faults.append(
        Fault(
            "command swallows cancellation, /cancel then end of input",
            [command(swallow)],
            chat="first\n/cmd go\n/cancel\n",
            # /cancel and /quit cancel the first run too, if it is still going
            expect=("/cmd ignored cancellation for 2 s; left behind",),
            pace=0.5,
            extra={"wait_started": "1"},
        )
    )
    return faults


# --- faulty transports ----------------------------------------------------------------------


def transport_faults() -> list[Fault]:
    cases = {
        "check_setup returns None": {"check_setup": "return None"},
        "check_setup returns a str": {"check_setup": "return 'ok'"},
        "check_setup issues are strings": {
            "check_setup": "return SetupResult(issues=['fix it'], config_path=Path('x'))"
        },
        "check_setup issue lines None": {
            "check_setup": "return SetupResult(issues=[SetupIssue('t', None)], "
            "config_path=Path('x'))"
        },
        "check_setup raises": {"check_setup": "raise RuntimeError('boom')"},
        "check_setup raises SystemExit": {"check_setup": "raise SystemExit(8)"},
        "check_setup raises KeyboardInterrupt": {"check_setup": "raise KeyboardInterrupt"},
        "lock_token raises": {"lock_token": "raise RuntimeError('no token')"},
        "lock_token returns an int": {"lock_token": "return 42"},
        "lock_token raises SystemExit": {"lock_token": "raise SystemExit(5)"},
        "build_and_run raises SystemExit": {"build_and_run": "raise SystemExit(11)"},
        "build_and_run raises KeyboardInterrupt": {"build_and_run": "raise KeyboardInterrupt"},
        "build_and_run is async": {"run_def": "async def"},
    }
    return [
        Fault(
            name,
            [transport(**parts)],
            chat="",
            args=("run", "--transport", "evilt"),
            expect=(),
            transport=True,
        )
        for name, parts in cases.items()
    ]


# --- orphans and signals --------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is not running: read its state
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def _wait_pidfile(path: Path, timeout: float = 20) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            text = path.read_text()
        except OSError:
            text = ""
        if text.strip():
            return int(text)
        time.sleep(0.05)
    return None


def cancel_orphan_driver(fault: Fault, world: World) -> str | None:
    """/cancel while the engine's leader has exited and its grandchild ignores SIGTERM."""
    write_grandchild_cli(world.bin, fault.extra["mode"])
    pidfile = world.root / "grandchild.pid"
    env = world.env({"ATTACK_PIDFILE": str(pidfile)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "takopi_core", "run", "--transport", "terminal"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write("/evil go\n")
    proc.stdin.flush()
    pid = _wait_pidfile(pidfile)
    if pid is None:
        proc.kill()
        return "the engine never started its grandchild"
    time.sleep(0.5)
    try:
        proc.communicate("/cancel\n", timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        os.kill(pid, signal.SIGKILL)
        return "takopi run did not end after /cancel and end of input"
    time.sleep(0.3)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        return f"grandchild {pid} left running after /cancel"
    return None


def signal_driver(fault: Fault, world: World) -> str | None:
    """SIGTERM/SIGHUP to `takopi run` during a run: no engine process left, no stale lock."""
    write_grandchild_cli(world.bin, "stay")
    pidfile = world.root / f"grandchild-{fault.extra['signal']}.pid"
    env = world.env({"ATTACK_PIDFILE": str(pidfile)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "takopi_core", "run", "--transport", "terminal"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write("/evil go\n")
    proc.stdin.flush()
    pid = _wait_pidfile(pidfile)
    if pid is None:
        proc.kill()
        return "the engine never started"
    proc.send_signal(getattr(signal, fault.extra["signal"]))
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        os.kill(pid, signal.SIGKILL)
        return "takopi run did not exit on the signal"
    time.sleep(0.3)
    problems = []
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        problems.append(f"engine process {pid} orphaned")
    if "Traceback" in err:
        problems.append("traceback")
    locks = list((world.home / ".takopi").glob("*.lock"))
    stale = [p for p in locks if p.read_text().strip()]
    if stale:
        problems.append(f"stale lock {stale[0].name}")
    return "; ".join(problems) or None


def orphan_faults() -> list[Fault]:
    return [
        Fault(
            "cancel: grandchild ignores SIGTERM, leader exited",
            [evil_engine()],
            driver=cancel_orphan_driver,
            extra={"mode": "exit"},
        ),
        Fault(
            "cancel: grandchild ignores SIGTERM, leader alive",
            [evil_engine()],
            driver=cancel_orphan_driver,
            extra={"mode": "stay"},
        ),
        Fault(
            "SIGTERM to takopi run during a run",
            [evil_engine()],
            driver=signal_driver,
            extra={"signal": "SIGTERM"},
        ),
        Fault(
            "SIGHUP to takopi run during a run",
            [evil_engine()],
            driver=signal_driver,
            extra={"signal": "SIGHUP"},
        ),
    ]


# --- running one fault ----------------------------------------------------------------------


@dataclass
class World:
    root: Path
    site: Path
    bin: Path
    home: Path

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "PYTHONPATH": os.pathsep.join([str(self.site), str(REPO)]),
                "PATH": os.pathsep.join([str(self.bin), env.get("PATH", "")]),
                "HOME": str(self.home),
                "TAKOPI_CONFIG": str(self.home / ".takopi" / "takopi.toml"),
                "NO_COLOR": "1",
                "CMD_STARTED": str(self.root / "started"),
            }
        )
        env.pop("TAKOPI_LOG_FILE", None)
        env.update(extra or {})
        return env


def make_world(root: Path, fault: Fault) -> World:
    world = World(root=root, site=root / "site", bin=root / "bin", home=root / "home")
    write_dists(world.site, fake_engine("alpha"), fake_engine("beta"), *fault.dists)
    write_fake_cli(world.bin, "alpha")
    write_fake_cli(world.bin, "beta")
    if fault.evil_cli:
        write_fake_cli(world.bin, "evil")
    config = world.home / ".takopi" / "takopi.toml"
    config.parent.mkdir(parents=True)
    config.write_text('default_engine = "alpha"\n' + fault.config)
    return world


def _chat(fault: Fault, world: World, cwd: str) -> subprocess.CompletedProcess[str]:
    """`takopi run` with the fault's chat on stdin, line by line when it is paced."""
    cmd = [sys.executable, "-m", "takopi_core", *fault.args]
    if not fault.pace:
        return subprocess.run(
            cmd,
            input=fault.chat,
            capture_output=True,
            text=True,
            env=world.env(),
            timeout=TIMEOUT,
            cwd=cwd,
        )
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=world.env(),
        cwd=cwd,
    )
    assert proc.stdin is not None
    *lines, last = fault.chat.splitlines(keepends=True)
    for line in lines:
        proc.stdin.write(line)
        proc.stdin.flush()
        time.sleep(fault.pace)
    started = world.root / "started"
    deadline = time.monotonic() + TIMEOUT
    while fault.extra.get("wait_started") and not started.exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)  # the last line (/cancel, /quit) must reach a running command
    try:
        out, err = proc.communicate(last, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def try_fault(fault: Fault) -> str | None:
    """None when the chat survived the fault, else what went wrong."""
    with tempfile.TemporaryDirectory(prefix="takopi-attack-") as tmp:
        world = make_world(Path(tmp), fault)
        if fault.driver is not None:
            return fault.driver(fault, world)
        try:
            result = _chat(fault, world, tmp)
        except subprocess.TimeoutExpired:
            return f"hung (no exit within {TIMEOUT:.0f} s)"
        out, err = result.stdout, result.stderr
        problems = []
        if "Traceback" in out or "Traceback" in err:
            problems.append("traceback")
        if "ExceptionGroup" in out + err:
            problems.append("ExceptionGroup")
        if "was never awaited" in err:
            problems.append("coroutine never awaited")
        if fault.transport:
            ran = "TRANSPORT RAN" in out
            named = "evilt" in err and "error:" in err
            if ran and result.returncode != 0:
                problems.append(f"ran, then exit {result.returncode}")
            if not ran and not (named and result.returncode not in (0, 130)):
                problems.append(
                    f"exit {result.returncode} without a clear error naming the transport"
                )
        else:
            if result.returncode not in fault.ok_rc:
                problems.append(f"exit {result.returncode}")
            missing = [text for text in fault.expect if text not in out]
            if missing:
                problems.append(f"missing {missing[0]!r}")
        if problems:
            tail = (err.strip().splitlines() or [""])[-1][:160]
            return "; ".join(problems) + (f" [stderr: {tail}]" if tail else "")
        return None


def _try(fault: Fault) -> str | None:
    try:
        return try_fault(fault)
    except Exception as exc:  # the harness's own failure is reported, not hidden
        return f"harness error: {type(exc).__name__}: {exc}"


def all_faults() -> list[Fault]:
    return engine_faults() + command_faults() + transport_faults() + orphan_faults()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("-k", dest="pattern", help="only faults whose name contains this")
    parser.add_argument("-j", dest="jobs", type=int, default=2)
    args = parser.parse_args()
    faults = [f for f in all_faults() if not args.pattern or args.pattern in f.name]
    names = [f.name for f in faults]
    assert len(set(names)) == len(names), "fault names must be distinct"
    survived = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for fault, problem in zip(faults, pool.map(_try, faults), strict=True):
            if problem is not None:
                survived += 1
                print(f"SURVIVED  {fault.name}: {problem}")
            elif args.verbose:
                print(f"handled   {fault.name}")
    print(f"{len(faults)} faults tried, {survived} survived")
    return 0


if __name__ == "__main__":
    sys.exit(main())
