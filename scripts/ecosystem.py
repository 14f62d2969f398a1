"""Which published Takopi plugins load on this host: a compatibility report (downloads; not CI).

Creates a Python 3.12+ virtualenv, installs this project into it, then each published plugin
with ``--no-deps --ignore-requires-python`` (they declare Requires-Python >=3.14, upstream's)
followed by the plugin's own requirements except upstream's ``takopi`` distribution, which
this project's ``takopi`` face package stands in for. Then it runs the venv's
``takopi plugins --load --json`` (the real probe) and prints one row per plugin entry point:
whether it loads, and why not. ``--markdown FILE`` also writes the table as markdown
(docs/ecosystem.md is this script's output).

    python scripts/ecosystem.py                      # default plugins, newest pyenv 3.12+
    python scripts/ecosystem.py --python python3.12 --markdown docs/ecosystem.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import ecosystem_engines  # beside this script: run as `python scripts/ecosystem.py`

REPO_ROOT = Path(__file__).resolve().parents[1]

#: The plugins published for upstream Takopi (distribution names on the package index).
PUBLISHED = (
    "takopi-discord",
    "takopi-slack-plugin",
    "takopi-slack",
    "takopi-matrix",
    "takopi-transport-feishu",
    "takopi-telegram-group-auth",
    "takopi-engine-kimi",
    "takopi-acp-engine",
    "takopi-engine-qoder",
    "takopi-engine-cursor",
    "takopi-opencode",
    "takopi-scripts",
    "takopi-cron",
    "takopi-preview",
    "takopi-linear",
    "takopi-ralph",
    "takopi-party",
    "takopi-smithers",
)

#: Upstream's distribution: never installed (its import package would shadow our face).
UPSTREAM = "takopi"

#: Run inside the venv: each installed plugin's requirements, outside extras, minus takopi.
_REQUIREMENTS_PROBE = """
import json, re, sys
from importlib import metadata
wanted = {re.sub(r"[-_.]+", "-", n).lower() for n in sys.argv[1:]}
found = {}
for dist in metadata.distributions():
    name = re.sub(r"[-_.]+", "-", dist.metadata["Name"] or "").lower()
    if name not in wanted:
        continue
    reqs = []
    for req in dist.requires or []:
        spec, _, marker = req.partition(";")
        head = re.split(r"[\\[(<>=!~ @;]", spec.strip(), maxsplit=1)[0]
        if "extra" in marker or re.sub(r"[-_.]+", "-", head).lower() == "takopi":
            continue
        reqs.append(req.strip())
    found[name] = reqs
print(json.dumps(found))
"""


def find_python() -> str | None:
    """The newest pyenv 3.12+ interpreter, else python3.13 / python3.12 on PATH."""
    versions = Path.home() / ".pyenv" / "versions"
    candidates: list[tuple[tuple[int, ...], Path]] = []
    if versions.is_dir():
        for folder in versions.iterdir():
            try:
                version = tuple(int(part) for part in folder.name.split("."))
            except ValueError:
                continue
            python = folder / "bin" / "python"
            if version >= (3, 12) and python.exists():
                candidates.append((version, python))
    if candidates:
        return str(max(candidates)[1])
    for name in ("python3.13", "python3.12"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run(cmd: list[str], *, quiet: bool = True, **kw: object) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, capture_output=quiet, text=True, check=False, **kw)  # type: ignore[call-overload]


def pip(venv_python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([str(venv_python), "-m", "pip", "--disable-pip-version-check", "-q", *args])


def download(venv_python: Path, name: str, wheels: Path) -> Path | None:
    """The wheel (or sdist) of ``name`` in ``wheels``, downloaded when not there yet."""

    def present() -> Path | None:
        stem = name.replace("-", "_").lower()
        for path in sorted(wheels.iterdir()):
            if path.name.lower().startswith(stem + "-"):
                return path
        return None

    existing = present()
    if existing is not None:
        return existing
    pip(venv_python, "download", "--no-deps", "--ignore-requires-python", name, "-d", str(wheels))
    return present()


def install_requirements(venv_python: Path, requirements: list[str]) -> dict[str, str]:
    """Install ``requirements`` (all at once, else one by one); failures by requirement."""
    if not requirements:
        return {}
    if pip(venv_python, "install", "--ignore-requires-python", *requirements).returncode == 0:
        return {}
    failed: dict[str, str] = {}
    for requirement in requirements:
        done = pip(venv_python, "install", "--ignore-requires-python", requirement)
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            failed[requirement] = lines[-1] if lines else f"pip exited {done.returncode}"
    return failed


def load_report(venv: Path, home: Path, timeout: float | None) -> list[dict[str, object]]:
    """The venv's `takopi plugins --load --json`, with a config home of its own."""
    env = dict(os.environ, HOME=str(home), TAKOPI_CONFIG=str(home / ".takopi" / "takopi.toml"))
    env.pop("PYTHONPATH", None)
    cmd = [str(venv / "bin" / "takopi"), "plugins", "--load", "--json"]
    if timeout is not None:
        cmd += ["--timeout", str(timeout)]
    done = run(cmd, env=env)
    if not done.stdout.strip():
        raise SystemExit(f"takopi plugins --load --json printed nothing: {done.stderr}")
    return list(json.loads(done.stdout))


def one_line(text: object) -> str:
    return " ".join(str(text or "").split()).replace("|", "\\|")


def table(rows: list[dict[str, object]], missing: list[str], dep_failures: dict) -> list[str]:
    lines = [
        "| distribution | kind | id | loads | why not |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        if row.get("builtin"):
            continue
        ok = row.get("status") == "ok"
        lines.append(
            f"| {row.get('distribution')} {row.get('version') or ''} | {row.get('kind')} | "
            f"{row.get('id')} | {'yes' if ok else 'no'} | "
            f"{'' if ok else one_line(row.get('error'))} |"
        )
    for name in missing:
        lines.append(f"| {name} | | | not published | not found on the package index |")
    for requirement, why in sorted(dep_failures.items()):
        lines.append(f"| (dependency) {requirement} | | | not installed | {one_line(why)} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", help="a Python 3.12+ interpreter (default: found)")
    parser.add_argument("--venv", type=Path, help="virtualenv folder (default: a temp one)")
    parser.add_argument(
        "--wheels", type=Path, default=Path("/tmp/eco"), help="download cache (default /tmp/eco)"
    )
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument(
        "--timeout", type=float, help="seconds each plugin may take to import (default: the host's)"
    )
    parser.add_argument("plugins", nargs="*", help=f"distributions (default: {len(PUBLISHED)})")
    args = parser.parse_args(argv)

    python = args.python or find_python()
    if python is None:
        parser.error("no Python 3.12+ found: pass --python")
    venv = args.venv or Path(tempfile.mkdtemp(prefix="takopi-ecosystem-"))
    if not (venv / "bin" / "python").exists():
        made = run([python, "-m", "venv", str(venv)])
        if made.returncode != 0:
            raise SystemExit(f"could not create a virtualenv with {python}: {made.stderr}")
    venv_python = venv / "bin" / "python"
    version = run([str(venv_python), "--version"]).stdout.strip()
    installed = pip(venv_python, "install", str(REPO_ROOT))
    if installed.returncode != 0:
        raise SystemExit(f"installing this project failed:\n{installed.stderr}")

    args.wheels.mkdir(parents=True, exist_ok=True)
    names = [name for name in (args.plugins or PUBLISHED) if name != UPSTREAM]
    missing: list[str] = []
    present: list[str] = []
    for name in names:
        archive = download(venv_python, name, args.wheels)
        if archive is None:
            missing.append(name)
            continue
        done = pip(venv_python, "install", "--no-deps", "--ignore-requires-python", str(archive))
        if done.returncode != 0:
            missing.append(name)
            continue
        present.append(name)

    probe = run([str(venv_python), "-c", _REQUIREMENTS_PROBE, *present])
    requirements = sorted({req for reqs in json.loads(probe.stdout).values() for req in reqs})
    dep_failures = install_requirements(venv_python, requirements)
    check = run(
        [str(venv_python), "-c", "import importlib.util as u; print(u.find_spec('takopi').origin)"],
        cwd=tempfile.gettempdir(),  # `-c` puts the cwd first on sys.path: not this checkout
    )
    face = check.stdout.strip()

    with tempfile.TemporaryDirectory() as home:
        rows = load_report(venv, Path(home), args.timeout)
    lines = table(rows, missing, dep_failures)
    plugin_rows = [row for row in rows if not row.get("builtin")]
    loading = sum(1 for row in plugin_rows if row.get("status") == "ok")
    summary = (
        f"{loading} of {len(plugin_rows)} entry points load ({len(present)} of {len(names)} "
        f"plugins published and installed; {version}; `takopi` imported from {face})"
    )
    print(summary)
    print("\n".join(lines))
    engines = ecosystem_engines.run_checks(venv)
    engine_lines = ecosystem_engines.table(engines) if engines else []
    if engine_lines:
        print()
        print("\n".join(engine_lines))
    if args.markdown is not None:
        text = "\n".join(
            [
                "# Published Takopi plugins on this host",
                "",
                "Output of `python scripts/ecosystem.py --markdown docs/ecosystem.md` (it",
                "downloads the plugins and their dependencies; not part of CI).",
                "",
                summary + ".",
                "",
                *lines,
                "",
                *(
                    [
                        "## The published engines answer through `takopi run --transport terminal`",
                        "",
                        "Each against a fake CLI on PATH (`scripts/ecosystem_engines.py`): a "
                        "prompt, `/model set`, then the resume line pasted back.",
                        "",
                        *engine_lines,
                        "",
                    ]
                    if engine_lines
                    else []
                ),
            ]
        )
        args.markdown.write_text(text, encoding="utf-8")
    return 0 if all(result.ok for result in engines) else 1


if __name__ == "__main__":
    raise SystemExit(main())
