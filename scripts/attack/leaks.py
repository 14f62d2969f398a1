"""Attack: where can a secret show, and which outputs pass escape sequences to the terminal?

Runs every output for real (the `takopi` CLI in child processes, the TUI headless in a child)
in a temporary HOME, with hostile plugins from ``tests/support/hostile.py``:

- secrets: a config holding secrets under a secret-named key, a declared
  ``SetupField(secret=True)`` whose key does not look secret, an array, an array of tables and
  an inline table, all echoed back by plugins (setup issues, import errors, engine errors);
  and a config whose syntax error is on a token's line. Each (output, secret) pair is a
  place; a place leaks when the secret's value appears in what the user sees (stdout,
  stderr, the debug log, the TUI's screen and panes). The debug log's mode and location count
  as places too.
- escapes: a distribution whose ``Name:``, entry-point name, description, error message and
  setup issues carry OSC 52, ``ESC[2J``, OSC 0 and C1 CSI; an output is raw when ESC, BEL or
  C1 CSI reaches it.

Prints ``N places, L leaks`` and ``E outputs with escapes, R raw``, then each leak and raw
output. Run: ``.venv/bin/python scripts/attack/leaks.py`` (``-v`` lists every place).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from support.hostile import (  # noqa: E402
    BROKEN_CONFIG,
    CONFIG,
    SECRET_KEYS,
    SECRETS,
    SYNTAX_SECRET,
    raw_controls,
    write_hostile_site,
)


@dataclass
class Lab:
    home: Path
    site: Path
    bin_dir: Path

    @property
    def config(self) -> Path:
        return self.home / ".takopi" / "takopi.toml"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            HOME=str(self.home),
            TAKOPI_CONFIG=str(self.config),
            PYTHONPATH=os.pathsep.join([str(self.site), str(REPO)]),
            PATH=os.pathsep.join([str(self.bin_dir), env.get("PATH", "")]),
            TERM="dumb",
            COLUMNS="200",
        )
        env.pop("TAKOPI_LOG_FILE", None)
        return env

    def write_config(self, text: str) -> None:
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text(text, encoding="utf-8")
        self.config.chmod(0o600)

    def takopi(self, *args: str, stdin: str = "", cwd: Path | None = None) -> str:
        """stdout and stderr of the real CLI."""
        done = subprocess.run(
            [sys.executable, "-m", "takopi_core", *args],
            capture_output=True,
            text=True,
            env=self.env(),
            input=stdin,
            timeout=120,
            cwd=cwd or self.home,
        )
        return done.stdout + done.stderr

    def tui(self) -> dict[str, str]:
        """The TUI run headless in a child: the screen, and the detail pane of every row."""
        code = textwrap.dedent(
            f"""
            import asyncio, html, json, re, sys
            from takopi_tui.app import TakopiApp

            async def main():
                app = TakopiApp(config_path={str(self.config)!r}, search_path=[{str(self.site)!r}],
                                watch_interval=None)
                out = {{}}
                async with app.run_test(size=(160, 50)) as pilot:
                    for _ in range(600):
                        await pilot.pause(0.05)
                        if not app.plugins_screen.probing:
                            break
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                    screen = app.plugins_screen
                    out["screen"] = app.export_screenshot()
                    details = []
                    for index, key in enumerate(screen.table.shown_keys):
                        screen.table.move_cursor(row=index, animate=False)
                        await pilot.pause()
                        details.append(screen.query_one("#detail-body").content.plain)
                        details.append(app.export_screenshot())
                    out["details"] = "\\n".join(details)
                    lines = [o.prompt.plain for o in screen.query_one("#error-list").options]
                    lines.append(screen.query_one("#error-body").content.plain)
                    out["errors"] = "\\n".join(lines)
                    out["rows"] = "\\n".join(r.id + " " + r.status.value for r in screen.rows)
                print(json.dumps(out))

            asyncio.run(main())
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=300,
            cwd=self.home,
        )
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            raise RuntimeError(f"the TUI did not run: {done.stderr[-2000:]}")
        return json.loads(lines[-1])


def secret_outputs(lab: Lab) -> dict[str, Callable[[], str]]:
    """Each output that could show the good config's secrets (the config is written first)."""
    outputs: dict[str, Callable[[], str]] = {
        "config show": lambda: lab.takopi("config", "show"),
        "config set --dry-run (diff of every section)": lambda: lab.takopi(
            "config", "set", "transports.leaky.room", "other", "--dry-run"
        ),
        "doctor": lambda: lab.takopi("doctor"),
        "doctor --json": lambda: lab.takopi("doctor", "--json"),
        "setup leaky --non-interactive (issues, diff)": lambda: lab.takopi(
            "setup", "leaky", "--non-interactive", "room=dev", "--no-default"
        ),
        "plugins --load": lambda: lab.takopi("plugins", "--load"),
        "plugins --load --json": lambda: lab.takopi("plugins", "--load", "--json"),
        "run --transport leaky (setup issues)": lambda: lab.takopi("run", "--transport", "leaky"),
        "run (engine warnings)": lambda: lab.takopi("run", "--transport", "terminal"),
        "tui --plain": lambda: lab.takopi("tui", "--plain"),
        "plugins disable --dry-run (diff)": lambda: lab.takopi(
            "plugins", "disable", "takopi-crashy", "--dry-run"
        ),
    }
    for key in SECRET_KEYS.values():
        outputs[f"config get {key}"] = partial(lab.takopi, "config", "get", key)
        outputs[f"config unset {key} --dry-run (diff)"] = partial(
            lab.takopi, "config", "unset", key, "--dry-run"
        )
    return outputs


#: Outputs where a plugin quotes the config back, and the words that show it did: without
#: them a place that shows no secret proves nothing (the plugin did not run).
ECHOES = {
    "doctor": "cannot start with",
    "doctor --json": "cannot start with",
    "setup leaky --non-interactive (issues, diff)": "config has",
    "plugins --load": "cannot start with",
    "plugins --load --json": "cannot start with",
    "run --transport leaky (setup issues)": "config has",
    "run (engine warnings)": "rejected",
    "tui --plain": "cannot start with",
    "run --debug log": "rejected",
    "TUI details pane": "config has",
    "TUI error pane": "cannot start with",
}

#: Places whose output lacked the plugin's echo (see ECHOES).
INCONCLUSIVE: list[str] = []


def check_secrets(lab: Lab, verbose: bool) -> tuple[int, list[str]]:
    places = 0
    leaks: list[str] = []

    def check(output: str, text: str, secrets: dict[str, str]) -> None:
        nonlocal places
        if output in ECHOES and ECHOES[output] not in text:
            INCONCLUSIVE.append(output)
        for where, secret in secrets.items():
            places += 1
            leaked = secret in text
            if leaked:
                leaks.append(f"{output}: {where} ({secret})")
            if verbose:
                print(f"  {'LEAK' if leaked else 'ok  '} {output}: {where}")

    lab.write_config(CONFIG)
    for name, run in secret_outputs(lab).items():
        if name.startswith(("config get", "config unset")):
            where = next(w for w, k in SECRET_KEYS.items() if name.split()[2] == k)
            check(name, run(), {where: SECRETS[where]})
        else:
            check(name, run(), SECRETS)
    # A secret typed on the command line is echoed back by `config set`.
    check(
        "config set transports.leaky.webhook_url (declared field, echoed)",
        lab.takopi("config", "set", "transports.leaky.webhook_url", "TYPED-S3CRET-7777"),
        {"declared field typed in": "TYPED-S3CRET-7777"},
    )
    lab.write_config(CONFIG)
    # The --debug log: its content, where it is and who can read it.
    workdir = lab.home / "work"
    workdir.mkdir(exist_ok=True)
    lab.takopi("run", "--transport", "terminal", "--debug", cwd=workdir)
    logs = [p for p in (workdir / "debug.log", lab.config.parent / "debug.log") if p.exists()]
    log_text = "".join(p.read_text(errors="replace") for p in logs)
    check("run --debug log", log_text, SECRETS)
    places += 2
    in_cwd = (workdir / "debug.log").exists()
    if in_cwd:
        leaks.append("run --debug: the log is written in the current folder")
    open_modes = [p for p in logs if stat.S_IMODE(p.stat().st_mode) & 0o077]
    if open_modes or not logs:
        leaks.append(
            f"run --debug: the log is readable by others ({[oct(p.stat().st_mode) for p in logs]})"
            if logs
            else "run --debug: no log written"
        )
    if verbose:
        print(f"  {'LEAK' if in_cwd else 'ok  '} run --debug: log location")
        print(f"  {'LEAK' if open_modes or not logs else 'ok  '} run --debug: log mode")
    tui = lab.tui()
    check("TUI details pane", tui.get("details", ""), SECRETS)
    check("TUI error pane", tui.get("errors", ""), SECRETS)
    check("TUI screen", tui.get("screen", ""), SECRETS)
    # A syntax error on a token's line, in every command that reads the config.
    lab.write_config(BROKEN_CONFIG)
    for argv in (
        ("config", "show"),
        ("config", "get", "transports.telegram.bot_token"),
        ("config", "set", "x", "1"),
        ("doctor",),
        ("doctor", "--json"),
        ("plugins",),
        ("run",),
        ("setup", "leaky", "--non-interactive"),
        ("tui", "--plain"),
        ("init", "proj"),
    ):
        check(
            f"syntax error: takopi {' '.join(argv)}",
            lab.takopi(*argv),
            {"syntax-error line": SYNTAX_SECRET},
        )
    lab.write_config(CONFIG)
    return places, leaks


def check_escapes(lab: Lab, verbose: bool) -> tuple[int, list[str]]:
    lab.write_config('default_engine = "fakeeng"\n')
    outputs: dict[str, Callable[[], str]] = {
        "plugins": lambda: lab.takopi("plugins"),
        "plugins --load": lambda: lab.takopi("plugins", "--load"),
        "plugins --json": lambda: lab.takopi("plugins", "--json"),
        "plugins --load --json": lambda: lab.takopi("plugins", "--load", "--json"),
        "doctor": lambda: lab.takopi("doctor"),
        "doctor --json": lambda: lab.takopi("doctor", "--json"),
        "setup eviltransport --non-interactive": lambda: lab.takopi(
            "setup", "eviltransport", "--non-interactive"
        ),
        "run --transport eviltransport": lambda: lab.takopi("run", "--transport", "eviltransport"),
        "run --engine evilcrash": lambda: lab.takopi(
            "run", "--transport", "terminal", "--engine", "evilcrash"
        ),
        "tui --plain": lambda: lab.takopi("tui", "--plain"),
        "plugins enable (unknown name)": lambda: lab.takopi("plugins", "enable", "evilid\x1b[2J"),
    }
    raw: list[str] = []
    count = 0

    def check(name: str, text: str) -> None:
        nonlocal count
        count += 1
        found = raw_controls(text)
        if found:
            raw.append(f"{name}: {', '.join(found)}")
        if verbose:
            print(f"  {'RAW ' if found else 'ok  '} {name}")

    for name, run in outputs.items():
        check(name, run())
    workdir = lab.home / "evilwork"
    workdir.mkdir(exist_ok=True)
    lab.takopi("run", "--transport", "eviltransport", "--debug", cwd=workdir)
    logs = [p for p in (workdir / "debug.log", lab.config.parent / "debug.log") if p.exists()]
    check("run --debug log", "".join(p.read_text(errors="replace") for p in logs))
    tui = lab.tui()
    check("TUI screen", tui.get("screen", "") + tui.get("details", ""))
    check("TUI error pane", tui.get("errors", ""))
    return count, raw


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="show every place")
    verbose = parser.parse_args().verbose
    with tempfile.TemporaryDirectory(prefix="takopi-leaks-") as tmp:
        root = Path(tmp)
        lab = Lab(home=root / "home", site=root / "site", bin_dir=root / "bin")
        lab.home.mkdir()
        write_hostile_site(lab.site, lab.bin_dir)
        places, leaks = check_secrets(lab, verbose)
        outputs, raw = check_escapes(lab, verbose)
    print(f"{places} places, {len(leaks)} leaks")
    if INCONCLUSIVE:
        print(f"  inconclusive (the plugin's echo was not seen): {', '.join(INCONCLUSIVE)}")
    for leak in leaks:
        print(f"  leak: {leak}")
    print(f"{outputs} outputs with escapes, {len(raw)} raw")
    for item in raw:
        print(f"  raw: {item}")
    return 1 if leaks or raw or INCONCLUSIVE else 0


if __name__ == "__main__":
    sys.exit(main())
