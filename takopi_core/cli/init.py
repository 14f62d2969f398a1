"""`takopi init`: register the current folder (its git checkout's root) as a project.

Top-level imports are standard library only: this module is imported to build the parser
for `takopi init`, so the config modules load inside the handler.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from takopi_core.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:
    from takopi_core.cli import add_config_option, summary

    init = subparsers.add_parser(
        "init",
        help=summary("init"),
        description="Register the current folder (the repository root inside a git "
        "checkout) as a project alias, used as /alias in messages.",
    )
    add_config_option(init)
    init.add_argument("alias", nargs="?", help="project alias (default: the folder name)")
    init.add_argument(
        "--default", action="store_true", help="make this project the default_project"
    )
    init.add_argument(
        "--force", action="store_true", help="overwrite an existing project with this alias"
    )
    init.set_defaults(handler=run_init)


def run_init(args: argparse.Namespace) -> int:
    """Register the current folder as ``[projects.<alias>]``; returns the exit status."""
    from takopi_core.config.file import ConfigFile
    from takopi_core.config.settings import Settings
    from takopi_core.config.toml import display_path
    from takopi_core.errors import ConfigError
    from takopi_core.ids import CHAT_COMMANDS, ENGINE
    from takopi_core.plugins.discovery import discover

    try:
        config = ConfigFile.load(args.config)
        settings = config.settings() if config.exists else Settings.from_data({}, config.path)
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_USAGE
    root = project_root(Path.cwd())
    default_alias = root.name.removesuffix(".git") or "project"
    alias = args.alias
    if alias is None:
        alias = _ask(f"project alias [{default_alias}]: ") or default_alias
    alias = alias.strip()
    if not alias:
        _error("project alias cannot be empty")
        return EXIT_PROBLEMS
    key = alias.lower()
    engines = {e.id for e in discover(settings.enabled, kinds=(ENGINE,)).entries if e.enabled}
    if key in engines:
        _error(f"Invalid project alias {alias!r}; aliases must not match engine ids.")
        return EXIT_PROBLEMS
    if key in CHAT_COMMANDS:
        _error(f"Invalid project alias {alias!r}; aliases must not match reserved commands.")
        return EXIT_PROBLEMS
    existing = next((name for name in settings.projects if name.lower() == key), None)
    if existing is not None and not args.force:
        answer = _ask(f"project {existing!r} already exists, overwrite? [y/N] ")
        if answer is None:
            _error(f"project {existing!r} already exists; pass --force to overwrite it")
            return EXIT_PROBLEMS
        if answer.strip().lower() not in ("y", "yes"):
            return EXIT_PROBLEMS
    try:
        editor = config.edit()
        if existing is not None:
            editor.unset(("projects", existing))
        editor.set(("projects", alias, "path"), str(root))
        if args.default:
            editor.set(("default_project",), alias)
        config.save(editor.text())
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_PROBLEMS
    print(f"saved project {alias!r} ({root}) to {display_path(config.path)}")
    return EXIT_OK


def project_root(cwd: Path) -> Path:
    """The main worktree of the git checkout containing ``cwd``, else ``cwd`` itself."""
    import subprocess

    try:
        result = subprocess.run(
            ["git", "rev-parse", "--git-common-dir"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return cwd.resolve()
    if result.returncode != 0 or not result.stdout.strip():
        return cwd.resolve()
    common = (cwd / result.stdout.strip()).resolve()
    if common.name == ".git":
        return common.parent
    return cwd.resolve()  # a bare repository: no working tree to point at


def _ask(question: str) -> str | None:
    """The user's answer, or None when there is no terminal to ask on."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    try:
        return input(question)
    except EOFError:
        return None


def _error(message: str) -> None:
    """Print an error; control characters in it (from the config) are escaped."""
    from takopi_core.text import safe_text

    first, *rest = safe_text(message).splitlines() or [""]
    print(f"error: {first}", file=sys.stderr)
    for line in rest:
        print(line, file=sys.stderr)
