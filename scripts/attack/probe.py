"""Attack: hostile plugins against the probe, through the real `takopi plugins --load --json`.

Each attack installs, in a fresh temporary site, one hostile engine (``a_<name>``, from
tests/support/hostile_plugins.py) beside two honest ones checked after it: ``b_victim``,
which raises at import, and ``c_bystander``, which is fine. Then it runs the real CLI in a
child process (working folder: a temporary folder holding a file that must survive) and
judges the outcome. The attack *fooled the probe or hurt the host* when any of these holds:

- the command crashed (a traceback, no JSON, an exit status other than 0 or 1), hung, or
  was killed;
- ``b_victim`` is not reported failed with its own error, or ``c_bystander`` is not ok;
- the attacker is reported ok although its import failed or it wrote to the probe's channel
  (attacks whose plugin is valid apart from a side effect may pass);
- the file in the working folder is gone;
- a process of the attack (found by its environment) is still running after the command;
- the command's own peak memory (VmHWM) passed 256 MiB.

Two more attacks send SIGTERM and SIGHUP to the command while a plugin (and its helper) is
loading, and pass only if no process of the probe is left.

Prints one line per attack, then ``N attacks, F fooled the probe or hurt the host``. Run::

    .venv/bin/python scripts/attack/probe.py [--code DIR] [-k NAME]

``--code DIR`` runs another checkout's ``takopi_core`` (put first on PYTHONPATH), to compare
with an older version (``git archive REV takopi takopi_core takopi_tui | tar -x -C DIR``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from support.distfactory import ENGINE_GROUP, Dist, write_dists  # noqa: E402
from support.hostile_plugins import (  # noqa: E402
    ATTACKS,
    BYSTANDER,
    MAY_PASS,
    PIDS_ENV,
    VICTIM,
    VICTIM_MESSAGE,
)

TIMEOUT = 120.0
PLUGIN_TIMEOUT = "3"
MEMORY_LIMIT_KIB = 256 * 1024
#: Attacks that do not make their own plugin fail: they target the others or the host.
VALID_PLUGINS = MAY_PASS | {"late_thread_forge", "monkeypatch_probe"}

WAITER = Dist(
    name="hostile-waiter",
    entry_points={ENGINE_GROUP: {"a_waiter": "hostile_waiter:BACKEND"}},
    files={
        "hostile_waiter/__init__.py": """
            import os, time
            folder = os.environ["HOSTILE_PIDS"]
            if os.fork() == 0:
                open(os.path.join(folder, f"{os.getpid()}.pid"), "w").close()
                time.sleep(300)
                os._exit(0)
            open(os.path.join(folder, f"{os.getpid()}.pid"), "w").close()
            time.sleep(300)
        """
    },
)


@dataclass
class Outcome:
    name: str
    problems: list[str]

    @property
    def fooled(self) -> bool:
        return bool(self.problems)


class Scene:
    """A temporary home, site, working folder and pid folder for one attack."""

    def __init__(self, root: Path, code: Path | None) -> None:
        self.site = root / "site"
        self.work = root / "work"
        self.pids = root / "pids"
        self.home = root / "home"
        for folder in (self.site, self.work, self.pids, self.home / ".takopi"):
            folder.mkdir(parents=True)
        self.keep = self.work / "keep.txt"
        self.keep.write_text("the user's file")
        path = [str(code)] if code else []
        self.env = dict(os.environ)
        self.env.update(
            HOME=str(self.home),
            TAKOPI_CONFIG=str(self.home / ".takopi" / "takopi.toml"),
            PYTHONPATH=os.pathsep.join([*path, str(self.site)]),
            **{PIDS_ENV: str(self.pids)},
        )

    def start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "takopi_core",
                "plugins",
                "--load",
                "--json",
                "--timeout",
                PLUGIN_TIMEOUT,
            ],
            cwd=self.work,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def leftovers(self, within: float = 3.0) -> list[int]:
        """Processes of this attack still running (their environment names our pid folder)."""
        marker = f"{PIDS_ENV}={self.pids}".encode()
        deadline = time.monotonic() + within
        while True:
            found = [pid for pid in _processes() if _has_env(pid, marker)]
            if not found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def kill_leftovers(self) -> None:
        for pid in self.leftovers(within=0):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _processes() -> list[int]:
    return [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) != os.getpid()]


def _has_env(pid: int, marker: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            if stat.read().rpartition(b")")[2].split()[0] in (b"Z", b"X"):
                return False
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return marker in environ.read().split(b"\0")
    except OSError:
        return False


def _peak_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _communicate(child: subprocess.Popen[bytes]) -> tuple[bytes, bytes, int, bool]:
    """Run ``child`` to its end, sampling its peak memory; (stdout, stderr, peak KiB, hung)."""
    import threading

    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            value = _peak_kib(child.pid)
            if value:
                peak[0] = max(peak[0], value)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = child.communicate(timeout=TIMEOUT)
        hung = False
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        hung = True
    done.set()
    sampler.join()
    return out, err, peak[0], hung


def judge_listing(name: str, plugin_id: str, code: int, out: bytes, err: bytes) -> list[str]:
    problems: list[str] = []
    text = err.decode("utf-8", "replace")
    if "Traceback" in text:
        problems.append("the command printed a traceback")
    if code not in (0, 1):
        problems.append(f"the command ended with status {code}")
    try:
        rows = {row["id"]: row for row in json.loads(out)}
    except (ValueError, TypeError, KeyError):
        problems.append("no JSON listing on stdout")
        return problems
    victim, bystander, attacker = (
        rows.get("b_victim"),
        rows.get("c_bystander"),
        rows.get(plugin_id),
    )
    if not victim or victim["status"] != "failed" or VICTIM_MESSAGE not in (victim["error"] or ""):
        problems.append(f"b_victim misreported: {victim and (victim['status'], victim['error'])}")
    if not bystander or bystander["status"] != "ok":
        problems.append(
            f"c_bystander misreported: {bystander and (bystander['status'], bystander['error'])}"
        )
    if attacker is None:
        problems.append("the attacker is missing from the listing")
    elif attacker["status"] == "ok" and name not in VALID_PLUGINS:
        problems.append("the attacker was reported ok")
    return problems


def run_attack(name: str, plugin_id: str, dist: Dist, code_dir: Path | None) -> Outcome:
    with tempfile.TemporaryDirectory(prefix=f"attack-{name}-") as tmp:
        scene = Scene(Path(tmp), code_dir)
        write_dists(scene.site, dist, VICTIM, BYSTANDER)
        started = time.monotonic()
        child = scene.start()
        out, err, peak, hung = _communicate(child)
        elapsed = time.monotonic() - started
        problems = [] if not hung else [f"the command hung (killed after {TIMEOUT:g} s)"]
        if not hung:
            problems += judge_listing(name, plugin_id, child.returncode, out, err)
        if not scene.keep.exists():
            problems.append("a file in the working folder was deleted")
        left = scene.leftovers()
        if left:
            problems.append(f"{len(left)} process(es) left running: {left}")
        if peak > MEMORY_LIMIT_KIB:
            problems.append(f"the command's peak memory was {peak // 1024} MiB")
        scene.kill_leftovers()
        outcome = Outcome(name, problems)
        print(f"{'FOOLED' if outcome.fooled else 'held  '} {name:<20} {elapsed:5.1f} s", end="")
        print(f"  {'; '.join(problems)}" if problems else "")
        return outcome


def run_signal_attack(sig: signal.Signals, code_dir: Path | None) -> Outcome:
    name = f"{sig.name.lower()}_cli"
    with tempfile.TemporaryDirectory(prefix=f"attack-{name}-") as tmp:
        scene = Scene(Path(tmp), code_dir)
        write_dists(scene.site, WAITER)
        child = scene.start()
        problems: list[str] = []
        deadline = time.monotonic() + 30
        while len(list(scene.pids.glob("*.pid"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        if len(list(scene.pids.glob("*.pid"))) < 2:
            problems.append("the plugin never started")
        child.send_signal(sig)
        try:
            child.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            problems.append(f"the command ignored {sig.name}")
        left = scene.leftovers()
        if left:
            problems.append(f"{len(left)} probe process(es) outlived the command: {left}")
        scene.kill_leftovers()
        outcome = Outcome(name, problems)
        print(f"{'FOOLED' if outcome.fooled else 'held  '} {name:<20}", end="")
        print(f"        {'; '.join(problems)}" if problems else "")
        return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, help="another checkout's code to attack")
    parser.add_argument("-k", dest="only", help="run only attacks whose name contains this")
    args = parser.parse_args()
    code_dir = args.code.resolve() if args.code else None
    outcomes = [
        run_attack(attack.name, attack.plugin_id, attack.dist, code_dir)
        for attack in ATTACKS
        if not args.only or args.only in attack.name
    ]
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if not args.only or args.only in sig.name.lower():
            outcomes.append(run_signal_attack(sig, code_dir))
    fooled = sum(o.fooled for o in outcomes)
    print(f"{len(outcomes)} attacks, {fooled} fooled the probe or hurt the host")
    return 1 if fooled else 0


if __name__ == "__main__":
    raise SystemExit(main())
