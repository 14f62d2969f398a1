"""`takopi tui` start-up: first full paint of a 200-plugin table against a bare Textual app.

    .venv/bin/python benchmarks/bench_tui.py [--runs N] [--plugins N]

Both apps run in a fresh child process on a pseudo-terminal (120x36), with Textual's real
driver. The clock starts just before the child is spawned and stops when the child reports,
from a callback that runs after the screen refresh that drew the filled table
(``PluginTable.Populated`` is sent then; for the bare app: ``call_after_refresh`` from mount).
The takopi app runs as a user runs it: it reads takopi.toml and discovers the 200
distributions for real (on a thread started when the app is created, joined before the
first layout), and the full table is drawn. Not inside the measured time: the file watcher's
first scan and the probe's child process, which start right after that first paint. Each
child also reports its peak resident memory then.

Target: takopi tui at most 1.5x the bare app (it was 1.3x, reached with private Textual API
and hand-written Rich rendering; a few tens of milliseconds are not worth code that breaks on
the next Textual release). Figures are medians of N runs (default 9),
alternating the two apps so machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, TRANSPORT_GROUP, Dist, write_dists

SIZE = (120, 36)
#: takopi tui's start-up time over the bare app's, at most.
TARGET_RATIO = 1.5

# Each child writes "<peak RSS in KiB>\n" to the file descriptor in BENCH_FD once painted.
REPORT = """
import os, resource
def report_and_exit(app):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    os.write(int(os.environ["BENCH_FD"]), f"{rss}\\n".encode())
    app.exit()
"""

BARE_APP = (
    REPORT
    + """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("hello")

    def on_mount(self):
        self.call_after_refresh(report_and_exit, self)

Bare().run()
"""
)

TAKOPI_APP = (
    REPORT
    + """
from takopi_tui.app import TakopiApp
from takopi_tui.widgets.plugin_table import PluginTable

class Bench(TakopiApp):
    def on_plugin_table_populated(self, message: PluginTable.Populated) -> None:
        # Sent by the table after the refresh that drew its rows.
        if message.count >= int(os.environ["BENCH_PLUGINS"]):
            report_and_exit(self)

Bench().run()
"""
)

ENGINE_CODE = """
from takopi.api import EngineBackend

BACKEND = EngineBackend(id="{id}", build_runner=lambda config, path: None)
"""

COMMAND_CODE = """
class Command:
    id = "{id}"
    description = "bench"

    async def handle(self, ctx):
        return None

BACKEND = Command()
"""


def make_site(folder: Path, count: int) -> Path:
    dists = []
    for n in range(count):
        plugin_id = f"bench_{n:03d}"
        group, code = (ENGINE_GROUP, ENGINE_CODE) if n % 2 else (COMMAND_GROUP, COMMAND_CODE)
        if n % 25 == 0:
            group = TRANSPORT_GROUP  # a few transports without a module: they fail to load
        dists.append(
            Dist(
                name=f"takopi-bench-{n:03d}",
                entry_points={group: {plugin_id: f"bench_mod_{n:03d}:BACKEND"}},
                files={f"bench_mod_{n:03d}.py": code.format(id=plugin_id)},
            )
        )
    return write_dists(folder, *dists)


def run_once(script: str, env: dict[str, str]) -> tuple[float, int]:
    """Seconds from spawn to the child's report, and the child's peak RSS in KiB."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    read_end, write_end = os.pipe()
    child_env = {**env, "BENCH_FD": str(write_end), "TERM": "xterm-256color"}
    child_env.pop("COLUMNS", None)
    child_env.pop("LINES", None)
    screen: list[bytes] = []
    drain = threading.Thread(target=_drain, args=(master, screen), daemon=True)
    drain.start()
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=child_env,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(read_end, 64)
        if not chunk:
            break
        line += chunk
    elapsed = time.perf_counter() - start
    os.close(read_end)
    try:
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        os.close(slave)
    drain.join(timeout=5)
    os.close(master)
    if not line.strip():
        tail = b"".join(screen)[-2000:].decode("utf-8", "replace")
        raise RuntimeError(f"the child reported nothing (exit status {child.returncode}):\n{tail}")
    return elapsed, int(line)


def _drain(fd: int, screen: list[bytes]) -> None:
    """Read the child's screen output so it never blocks on a full terminal buffer."""
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return
        if not data:
            return
        screen.append(data)
        del screen[:-8]  # keep the tail, for error reports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--plugins", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        (home / ".takopi").mkdir(parents=True)
        config = home / ".takopi" / "takopi.toml"
        config.write_text("# every plugin enabled\n")
        site = make_site(Path(tmp) / "site", args.plugins)
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # run as installed: with bytecode caches
        env.update(
            HOME=str(home),
            TAKOPI_CONFIG=str(config),
            PYTHONPATH=os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH")) if p),
            BENCH_PLUGINS=str(args.plugins),
        )
        bare_script = textwrap.dedent(BARE_APP)
        takopi_script = textwrap.dedent(TAKOPI_APP)
        run_once(bare_script, env)  # warm the file system caches and bytecode
        run_once(takopi_script, env)
        bare: list[tuple[float, int]] = []
        takopi: list[tuple[float, int]] = []
        for _ in range(args.runs):
            bare.append(run_once(bare_script, env))
            takopi.append(run_once(takopi_script, env))
    bare_ms = statistics.median(t for t, _ in bare) * 1000
    takopi_ms = statistics.median(t for t, _ in takopi) * 1000
    bare_mb = statistics.median(m for _, m in bare) / 1024
    takopi_mb = statistics.median(m for _, m in takopi) / 1024
    ratio = takopi_ms / bare_ms
    print(
        f"takopi tui: first full paint of {args.plugins} plugins vs a bare Textual app "
        f"(median of {args.runs}, {SIZE[0]}x{SIZE[1]} pty)"
    )
    print(f"  bare Textual app, one Static   {bare_ms:7.0f} ms   peak RSS {bare_mb:6.1f} MiB")
    label = f"takopi tui, {args.plugins} plugins"
    print(f"  {label:<30} {takopi_ms:7.0f} ms   peak RSS {takopi_mb:6.1f} MiB")
    verdict = "ok" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"  time ratio   {ratio:.2f}x  (target <= {TARGET_RATIO}x: {verdict})")
    print(f"  memory ratio {takopi_mb / bare_mb:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
