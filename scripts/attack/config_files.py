"""Attack: hostile config files and situations, through every command that reads the config.

Each case builds a fresh temporary HOME whose ``~/.takopi/takopi.toml`` is hostile (deep
nesting, a FIFO, a link to /dev/zero, a dangling link, a planted ``.bak`` / lock / temporary
file link, a huge or binary file, bad encodings, wrong types, ...), then runs the real CLI in
child processes, each with a time limit: ``config show``, ``config set``, ``doctor``,
``plugins`` and ``run --transport terminal`` (stdin closed).

A command's outcome is one of:

- ``clear``: it failed, naming the config file, with no traceback and no raw escape;
- ``ok``: it worked (for situations that are legitimate, such as a symlinked config);
- ``unclear``: it failed without naming the file (or printed a raw ESC);
- ``traceback`` or ``hang``.

A case is damaged when a file it must not touch changed: the target of a planted link, or,
for a refused config, the config itself (or anything new beside it). Prints
``N hostile files, C clear errors, D files damaged`` and the hangs and tracebacks, then every
case that was not clear. Run::

    .venv/bin/python scripts/attack/config_files.py [-v] [--code DIR]

``--code DIR`` runs another checkout's ``takopi_core`` (put first on PYTHONPATH), to compare
with an older version.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("config", "show"),
    ("config", "set", "entry_added", "1"),
    ("doctor",),
    ("plugins",),
    ("run", "--transport", "terminal"),
)
TIMEOUT = 20.0
MIB = 1024 * 1024


@dataclass
class Situation:
    """What a case built, and what must hold after the commands ran."""

    #: The config must be refused by every command (so it, and its folder, stay as they are).
    refused: bool = True
    #: Files outside the config that nothing may change (link targets).
    victims: list[Path] = field(default_factory=list)
    #: Paths that must not come to exist (where a dangling link points).
    never_created: list[Path] = field(default_factory=list)
    #: The path to set TAKOPI_CONFIG to, when not the default one.
    config: Path | None = None
    #: Valid TOML that the typed checks refuse: `config show` shows it (with a warning naming
    #: the file) and `plugins` lists plugins; every other command must refuse it.
    typed: bool = False


@dataclass
class Lab:
    home: Path

    @property
    def folder(self) -> Path:
        return self.home / ".takopi"

    @property
    def config(self) -> Path:
        return self.folder / "takopi.toml"

    def write(self, data: bytes | str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        raw = data.encode() if isinstance(data, str) else data
        self.config.write_bytes(raw)

    def victim(self, name: str = "victim.txt") -> Path:
        path = self.home / name
        path.write_text("precious: must never change\n")
        os.chmod(path, 0o644)
        return path


Builder = Callable[[Lab], Situation]
CASES: list[tuple[str, Builder]] = []


def case(name: str) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        CASES.append((name, build))
        return build

    return register


# --- nesting -------------------------------------------------------------------------------------


@case("100,000 nested arrays")
def _deep_arrays(lab: Lab) -> Situation:
    lab.write("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    return Situation()


@case("150 nested arrays (tomllib parses, deeper than the bound)")
def _medium_arrays(lab: Lab) -> Situation:
    lab.write("a = " + "[" * 150 + "]" * 150 + "\n")
    return Situation()


@case("3,000 nested tables")
def _deep_tables(lab: Lab) -> Situation:
    lab.write("[" + ".".join(["t"] * 3000) + "]\nx = 1\n")
    return Situation()


@case("3,000-part dotted key")
def _deep_dotted(lab: Lab) -> Situation:
    lab.write(".".join(["d"] * 3000) + " = 1\n")
    return Situation()


@case("1,000 nested inline tables")
def _deep_inline(lab: Lab) -> Situation:
    lab.write("a = " + "{ b = " * 1000 + "1" + " }" * 1000 + "\n")
    return Situation()


# --- not a regular file --------------------------------------------------------------------------


@case("FIFO as config")
def _fifo(lab: Lab) -> Situation:
    lab.folder.mkdir(parents=True)
    os.mkfifo(lab.config)
    return Situation()


@case("symlink to /dev/zero")
def _dev_zero(lab: Lab) -> Situation:
    lab.folder.mkdir(parents=True)
    lab.config.symlink_to("/dev/zero")
    return Situation()


@case("symlink to /dev/null")
def _dev_null(lab: Lab) -> Situation:
    lab.folder.mkdir(parents=True)
    lab.config.symlink_to("/dev/null")
    return Situation()


@case("symlink to /dev/urandom")
def _dev_urandom(lab: Lab) -> Situation:
    lab.folder.mkdir(parents=True)
    lab.config.symlink_to("/dev/urandom")
    return Situation()


@case("directory as config")
def _directory(lab: Lab) -> Situation:
    lab.config.mkdir(parents=True)
    return Situation()


@case("socket as config")
def _socket(lab: Lab) -> Situation:
    lab.folder.mkdir(parents=True)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(lab.config))
    server.close()  # the socket file stays
    return Situation()


@case("symlink to /proc/version (size 0, has content)")
def _proc_file(lab: Lab) -> Situation:
    lab.folder.mkdir(parents=True)
    lab.config.symlink_to("/proc/version")
    return Situation()


@case("dangling config symlink")
def _dangling(lab: Lab) -> Situation:
    lab.folder.mkdir(parents=True)
    target = lab.home / "nowhere" / "deeper" / "takopi.toml"
    lab.config.symlink_to(target)
    return Situation(never_created=[lab.home / "nowhere"])


@case("symlink loop")
def _loop(lab: Lab) -> Situation:
    lab.folder.mkdir(parents=True)
    other = lab.folder / "other.toml"
    lab.config.symlink_to(other)
    other.symlink_to(lab.config)
    return Situation()


@case("a folder on the config's path is a file")
def _not_a_directory(lab: Lab) -> Situation:
    blocker = lab.home / "blocker"
    blocker.write_text("I am a file\n")
    return Situation(config=blocker / "takopi.toml", victims=[blocker])


# --- size and bytes ------------------------------------------------------------------------------


@case("9 MiB file (over the cap)")
def _huge(lab: Lab) -> Situation:
    lab.write(b"# padding line\n" * (9 * MIB // 15))
    return Situation()


@case("binary file")
def _binary(lab: Lab) -> Situation:
    lab.write(bytes(range(256)) * 64)
    return Situation()


@case("invalid UTF-8")
def _bad_utf8(lab: Lab) -> Situation:
    lab.write(b'a = 1\nb = "\xff\xfe"\n')
    return Situation()


@case("UTF-8 BOM")
def _bom(lab: Lab) -> Situation:
    lab.write(b'\xef\xbb\xbftransport = "terminal"\n')
    return Situation()


@case("lone CR line ends")
def _lone_cr(lab: Lab) -> Situation:
    lab.write(b'transport = "terminal"\rdefault_engine = "codex"\r')
    return Situation()


@case("NUL inside a string")
def _nul_string(lab: Lab) -> Situation:
    lab.write(b'a = "x\x00y"\n')
    return Situation()


@case("NUL bytes between keys")
def _nul_bytes(lab: Lab) -> Situation:
    lab.write(b"a = 1\n\x00\x00\x00\nb = 2\n")
    return Situation()


@case("escape sequences on the offending line")
def _escapes(lab: Lab) -> Situation:
    lab.write('title = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\n')
    return Situation()


@case("1 MiB single invalid line")
def _long_line(lab: Lab) -> Situation:
    lab.write("a = " + "x" * MIB + "\n")
    return Situation()


# --- TOML that parses badly or types that are wrong -------------------------------------------


@case("duplicate keys")
def _duplicate_keys(lab: Lab) -> Situation:
    lab.write('default_engine = "codex"\ndefault_engine = "claude"\n')
    return Situation()


@case("duplicate tables")
def _duplicate_tables(lab: Lab) -> Situation:
    lab.write("[plugins]\nenabled = []\n\n[plugins]\nenabled = []\n")
    return Situation()


@case("wrong types")
def _wrong_types(lab: Lab) -> Situation:
    lab.write('watch_config = "yes"\nplugins = 3\ntransports = [1]\n')
    return Situation(typed=True)


@case("enabled list of integers")
def _enabled_ints(lab: Lab) -> Situation:
    lab.write("[plugins]\nenabled = [1, 2]\n")
    return Situation(typed=True)


@case("legacy top-level bot_token")
def _legacy(lab: Lab) -> Situation:
    lab.write('bot_token = "123:abc"\nchat_id = 5\n')
    return Situation(typed=True)


@case("unterminated multi-line string")
def _unterminated(lab: Lab) -> Situation:
    lab.write('a = """never closed\n\n\n')
    return Situation()


# --- planted links beside a good config ---------------------------------------------------------


@case(".bak is a symlink to another file")
def _bak_link(lab: Lab) -> Situation:
    lab.write("a = 1\n")
    victim = lab.victim()
    (lab.folder / "takopi.toml.bak").symlink_to(victim)
    return Situation(refused=False, victims=[victim])


@case(".bak is a directory")
def _bak_dir(lab: Lab) -> Situation:
    lab.write("a = 1\n")
    (lab.folder / "takopi.toml.bak").mkdir()
    (lab.folder / "takopi.toml.bak" / "keep.txt").write_text("keep\n")
    return Situation(refused=False, victims=[lab.folder / "takopi.toml.bak" / "keep.txt"])


@case("lock file is a symlink to another file")
def _lock_link(lab: Lab) -> Situation:
    lab.write("a = 1\n")
    victim = lab.victim()
    (lab.folder / "takopi.toml.lock").symlink_to(victim)
    return Situation(refused=False, victims=[victim])


@case("temporary-file names planted as symlinks")
def _temp_links(lab: Lab) -> Situation:
    lab.write("a = 1\n")
    victim = lab.victim()
    for tag in ("aaaaaaaa", "tmp", "12345678", "x"):
        (lab.folder / f".takopi.toml.{tag}.tmp").symlink_to(victim)
    return Situation(refused=False, victims=[victim])


@case("symlinked config (to an existing file)")
def _good_link(lab: Lab) -> Situation:
    dotfiles = lab.home / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "takopi.toml").write_text("a = 1\n")
    lab.folder.mkdir(parents=True)
    lab.config.symlink_to(dotfiles / "takopi.toml")
    return Situation(refused=False)


@case("unreadable config (mode 000)")
def _unreadable(lab: Lab) -> Situation:
    lab.write("a = 1\n")
    os.chmod(lab.config, 0)
    # root reads it anyway: then it is an ordinary config.
    return Situation(refused=os.geteuid() != 0)


@case("read-only config folder")
def _read_only_folder(lab: Lab) -> Situation:
    lab.write("a = 1\n")
    os.chmod(lab.folder, 0o500)
    return Situation(refused=False)


@case("out-of-range value a validator refuses (max_actions = 999)")
def _bad_value(lab: Lab) -> Situation:
    lab.write('transport = "terminal"\n\n[transports.terminal]\nmax_actions = 999\n')
    return Situation(refused=False)


# --- running -------------------------------------------------------------------------------------


def fingerprint(path: Path) -> tuple[object, ...] | None:
    """What a path is: kind, link target, mode and content hash (None when absent)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISREG(info.st_mode):
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = "unreadable"
        return ("file", stat.S_IMODE(info.st_mode), digest)
    if stat.S_ISDIR(info.st_mode):
        return ("dir", stat.S_IMODE(info.st_mode), tuple(sorted(os.listdir(path))))
    return ("other", stat.S_IFMT(info.st_mode))


def run_command(
    args: tuple[str, ...], env: dict[str, str], cwd: Path
) -> tuple[str, subprocess.CompletedProcess[str] | None]:
    try:
        result = subprocess.run(
            [sys.executable, "-m", "takopi_core", *args],
            capture_output=True,
            text=True,
            errors="replace",
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return "hang", None
    return "", result


def classify(
    args: tuple[str, ...],
    result: subprocess.CompletedProcess[str],
    config: Path,
    situation: Situation,
) -> str:
    output = result.stdout + result.stderr
    if "Traceback (most recent call last)" in output:
        return "traceback"
    if "\x1b" in output or "\x07" in output:
        return "unclear"  # a raw escape reached the terminal
    names_file = str(config) in output or "~/.takopi/takopi.toml" in output
    if situation.typed and args[:2] == ("config", "show"):
        return "ok" if result.returncode == 0 and str(config) in result.stderr else "unclear"
    if situation.typed and args[0] == "plugins":
        return "ok"
    refused = situation.refused
    if refused:
        return "clear" if result.returncode != 0 and names_file else "unclear"
    if result.returncode == 0:
        return "ok"
    # A legitimate situation may still stop a command (run needs an engine CLI; a read-only
    # folder cannot be written): fine when it says why, naming the file for config errors.
    return "clear" if names_file or args[0] in ("run", "doctor") else "unclear"


#: The devices some cases link the config to, with their (major, minor) numbers. An old
#: checkout (--code) once replaced /dev/null with a regular file through such a link, which
#: broke tmux and every shell redirect on the machine: check them after every case.
DEVICES = {"/dev/null": (1, 3), "/dev/zero": (1, 5), "/dev/urandom": (1, 9)}


def damaged_devices() -> list[str]:
    """The devices that are no longer what they were; each is put back (as root) when it can."""
    hurt = []
    for device, (major, minor) in DEVICES.items():
        info = os.lstat(device)
        if stat.S_ISCHR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o666:
            continue
        hurt.append(device)
        with contextlib.suppress(OSError):
            os.remove(device)
            os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
            os.chmod(device, 0o666)
    return hurt


def run_case(name: str, build: Builder, code: str | None, verbose: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="takopi-attack-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        lab = Lab(home)
        situation = build(lab)
        config = situation.config or lab.config
        env = dict(os.environ)
        env.update(HOME=str(home), TAKOPI_CONFIG=str(config), TERM="dumb", NO_COLOR="1")
        if code:
            env["PYTHONPATH"] = os.pathsep.join(p for p in (code, env.get("PYTHONPATH")) if p)
        watched = [*situation.victims]
        if situation.refused:
            watched += [config, config.parent]
        before = {path: fingerprint(path) for path in watched}
        outcomes: dict[str, str] = {}
        details: dict[str, str] = {}
        for args in COMMANDS:
            how, result = run_command(args, env, home)
            label = " ".join(args[:2]) if args[0] == "config" else args[0]
            if result is None:
                outcomes[label] = how
                continue
            outcomes[label] = classify(args, result, config, situation)
            first = (result.stderr.strip() or result.stdout.strip()).splitlines()
            details[label] = f"[{result.returncode}] {first[-1][:160] if first else ''}"
        damaged = [str(p) for p, fp in before.items() if fingerprint(p) != fp]
        damaged += [str(p) for p in situation.never_created if os.path.lexists(p)]
        damaged += damaged_devices()
        for folder in (lab.folder, config.parent):  # let the TemporaryDirectory clean up
            if folder.is_dir():
                os.chmod(folder, 0o700)
    clear = all(o in ("clear", "ok") for o in outcomes.values())
    row: dict[str, object] = {
        "name": name,
        "outcomes": outcomes,
        "details": details,
        "damaged": damaged,
        "clear": clear and not damaged,
    }
    if verbose or not row["clear"]:
        mark = "ok " if row["clear"] else "BAD"
        print(f"{mark} {name}")
        for label, outcome in outcomes.items():
            print(f"      {label:<12} {outcome:<10} {details.get(label, '')!r}")
        for path in damaged:
            print(f"      DAMAGED {path}")
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="show every case")
    parser.add_argument("--code", help="a checkout whose takopi_core to run instead")
    args = parser.parse_args()
    rows = [run_case(name, build, args.code, args.verbose) for name, build in CASES]
    outcomes = [o for row in rows for o in row["outcomes"].values()]  # type: ignore[attr-defined]
    clear = sum(1 for row in rows if row["clear"])
    damaged = sum(1 for row in rows if row["damaged"])
    print(
        f"{len(rows)} hostile files, {clear} clear errors, {damaged} files damaged "
        f"({outcomes.count('hang')} hangs, {outcomes.count('traceback')} tracebacks, "
        f"{outcomes.count('unclear')} unclear messages, in {len(outcomes)} command runs)"
    )
    return 0 if clear == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
