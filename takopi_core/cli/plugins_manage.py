"""`takopi plugins install|update|remove`: pip (or uv) for plugin distributions, confirmed.

Registered under the ``plugins`` subcommand by cli/plugins.py. Each command works on the
environment being inspected (``--python``, default this interpreter), prints the exact
command and asks ``Run it? [y/N]`` (``--yes`` answers for the user; without it a stdin that
is not a terminal is refused), streams pip's output, then checks what changed: the new
plugins are loaded in a child of that environment (``PYTHON -m takopi_core plugins --load``),
and when ``[plugins] enabled`` is set and leaves them out, the enable command is offered
(``--yes --enable`` runs it). Standard library only at top level.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from takopi_core.plugins.install import PipCommand
    from takopi_core.plugins.installed import InstalledPlugin


def register(actions: argparse._SubParsersAction) -> None:
    """Add ``install``, ``update`` and ``remove`` to the ``plugins`` subcommand."""
    install = actions.add_parser(
        "install",
        help="install plugin distributions with pip",
        description="Install plugin distributions into the inspected environment with pip "
        "(uv pip where uv made it), then check the new plugins. NAME is a requirement "
        "(takopi-ralph, 'takopi-cron>=0.1') or a local wheel, sdist or project folder.",
    )
    install.add_argument("names", nargs="+", metavar="NAME", help="what to install")
    _common_options(install)
    install.set_defaults(handler=run_install)

    update = actions.add_parser(
        "update",
        help="upgrade plugin distributions",
        description="Upgrade plugin distributions. Without NAME: compare every installed "
        "plugin distribution with the package index (pip index versions) and upgrade those "
        "with a newer release.",
    )
    update.add_argument("names", nargs="*", metavar="NAME", help="what to upgrade")
    _common_options(update)
    update.set_defaults(handler=run_update)

    remove = actions.add_parser(
        "remove",
        help="uninstall plugin distributions",
        description="Uninstall plugin distributions from the inspected environment.",
    )
    remove.add_argument("names", nargs="+", metavar="NAME", help="distribution to remove")
    _common_options(remove, check=False)
    remove.set_defaults(handler=run_remove)


def _common_options(parser: argparse.ArgumentParser, *, check: bool = True) -> None:
    from takopi_core.cli import add_config_option

    add_config_option(parser, nested=True)
    parser.add_argument(
        "--python",
        metavar="PATH",
        default=None,
        help="the environment's interpreter (default: the one running takopi)",
    )
    parser.add_argument("-y", "--yes", action="store_true", help="run the command without asking")
    if check:
        parser.add_argument(
            "--enable",
            action="store_true",
            help="with --yes: add new plugins to [plugins] enabled when a list is set",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=None,
            metavar="SECONDS",
            help="per-plugin time limit of the check after installing (default 10)",
        )


# --- the three commands ----------------------------------------------------------------------


def run_install(args: argparse.Namespace) -> int:
    from takopi_core.plugins.install import InstallError, plan_install

    python = inspected_python(args)
    try:
        command = plan_install(args.names, python)
    except InstallError as exc:
        return _usage_error(str(exc))
    _catalogue_notes(args.names, python)
    return _run(args, command, python)


def run_update(args: argparse.Namespace) -> int:
    from takopi_core.cli import EXIT_OK
    from takopi_core.plugins.install import InstallError, plan_update

    python = inspected_python(args)
    names = list(args.names)
    if not names:
        try:
            names = _outdated(python)
        except InstallError as exc:
            return _usage_error(str(exc))
        if not names:
            return EXIT_OK
    try:
        command = plan_update(names, python)
        if args.names:
            _require_installed(command.names, python, "update")
    except InstallError as exc:
        return _usage_error(str(exc))
    return _run(args, command, python)


def run_remove(args: argparse.Namespace) -> int:
    from takopi_core.plugins.install import InstallError, plan_remove

    python = inspected_python(args)
    try:
        command = plan_remove(args.names, python)
        _require_installed(command.names, python, "remove")
    except InstallError as exc:
        return _usage_error(str(exc))
    return _run(args, command, python)


def _require_installed(names: Sequence[str], python: str, action: str) -> None:
    """InstallError unless each name is a plugin distribution installed for ``python``.

    update and remove manage plugins: upgrading a name that is not installed would install
    it, and removing a library (tomlkit, a plugin's dependency) could break takopi itself.
    """
    from takopi_core.ids import normalize_dist_name
    from takopi_core.plugins.install import InstallError, requirement_name
    from takopi_core.plugins.installed import InstalledError, installed_plugins
    from takopi_core.plugins.suggest import unknown_name_hint

    try:
        installed = installed_plugins(python)
    except InstalledError as exc:
        raise InstallError(str(exc)) from exc
    known = {normalize_dist_name(name) for name in installed}
    for name in names:
        if requirement_name(name) in known:
            continue
        hint = f" To install it: takopi plugins install {name}" if action == "update" else ""
        others = unknown_name_hint(name, installed, what="installed plugin distributions")
        raise InstallError(
            f"{name} is not a plugin distribution installed for {python}, so it cannot be "
            f"{'updated' if action == 'update' else 'removed'} here; "
            f"{others}{'' if others.endswith('?') else '.'}{hint}"
        )


# --- the shared flow ---------------------------------------------------------------------------


def _run(args: argparse.Namespace, command: PipCommand, python: str) -> int:
    """Confirm, run and report ``command``; then check what it changed."""
    from takopi_core.cli import EXIT_OK, EXIT_PROBLEMS
    from takopi_core.plugins.install import InstallError, stream
    from takopi_core.plugins.installed import InstalledError, installed_plugin_details

    print(f"$ {command.display()}")
    answer = _confirm(args)
    if answer is not None:
        return answer
    try:
        before = installed_plugin_details(python)
    except InstalledError as exc:
        return _usage_error(str(exc))
    try:
        with stream(command) as running:
            for line in running:
                print(f"  {line}", flush=True)
            result = running.result
    except InstallError as exc:
        return _usage_error(str(exc))
    if not result.ok:
        print(
            f"error: {command.tool} exited with status {result.returncode}; nothing was checked",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    try:
        after = installed_plugin_details(python)
    except InstalledError as exc:
        print(f"warning: {exc}", file=sys.stderr)
        return EXIT_OK
    if command.action == "remove":
        _report_removed(args, before, after)
        return EXIT_OK
    changed = _changed(command, before, after)
    if not changed:
        print("no plugin distribution changed: what was installed declares no takopi plugins")
        return EXIT_OK
    for plugin in changed:
        old = before.get(plugin.name)
        was = f" (was {old.version})" if old is not None and old.version != plugin.version else ""
        print(f"{_verb(command, old, plugin)}: {plugin.name} {plugin.version}{was}")
    from takopi_core.cli.plugins_check import check_new, offer_enable

    failed = check_new(args, python, changed)
    offer_enable(args, python, changed)
    return EXIT_PROBLEMS if failed else EXIT_OK


def _confirm(args: argparse.Namespace) -> int | None:
    """None to go ahead; otherwise the exit status (refused or declined)."""
    from takopi_core.cli import EXIT_OK, EXIT_USAGE

    if args.yes:
        return None
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        print(
            "error: not running it without confirmation: stdin is not a terminal. "
            "Add --yes to run it.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        reply = input("Run it? [y/N] ")
    except EOFError:
        reply = ""
    if reply.strip().lower() in {"y", "yes"}:
        return None
    print("nothing run")
    return EXIT_OK


def _changed(
    command: PipCommand,
    before: dict[str, InstalledPlugin],
    after: dict[str, InstalledPlugin],
) -> list[InstalledPlugin]:
    """Plugin distributions the command installed or changed, plus those it named."""
    from takopi_core.ids import normalize_dist_name
    from takopi_core.plugins.install import requirement_name

    named = {requirement_name(name) for name in command.names} - {None}
    changed = [
        plugin
        for name, plugin in after.items()
        if name not in before
        or before[name].version != plugin.version
        or normalize_dist_name(name) in named
    ]
    return changed


def _verb(command: PipCommand, old: InstalledPlugin | None, new: InstalledPlugin) -> str:
    if old is None:
        return "installed"
    if old.version == new.version:
        return "unchanged"  # named, and pip found it already satisfied
    return "updated" if command.action == "update" else "installed"


def _report_removed(
    args: argparse.Namespace,
    before: dict[str, InstalledPlugin],
    after: dict[str, InstalledPlugin],
) -> None:
    gone = [name for name in before if name not in after]
    for name in gone:
        print(f"removed: {name} {before[name].version}")
    if not gone:
        print("no plugin distribution was removed")
        return
    from takopi_core.cli.plugins_check import enabled_list_of

    listed = enabled_list_of(args)
    if not listed:
        return
    from takopi_core.ids import normalize_dist_name

    stale = [name for name in gone if normalize_dist_name(name) in listed]
    if stale:
        import shlex

        from takopi_core.cli.plugins_check import config_path_of
        from takopi_core.config.toml import display_path

        config_option = (
            ["--config", str(config_path_of(args))] if getattr(args, "config", None) else []
        )
        command = shlex.join(["takopi", "plugins", "disable", *config_option, *stale])
        print(
            f"[plugins] enabled in {display_path(config_path_of(args))} still lists "
            f"{', '.join(stale)}; take it off with: {command}"
        )


def _outdated(python: str) -> list[str]:
    """Print installed vs latest for every plugin distribution; the names with an update."""
    from takopi_core.plugins.install import (
        InstallError,
        latest_versions,
        updates_available,
    )
    from takopi_core.plugins.installed import InstalledError, installed_plugins

    try:
        installed = installed_plugins(python)
    except InstalledError as exc:
        raise InstallError(str(exc)) from exc
    if not installed:
        print(f"no plugin distributions are installed for {python}")
        return []
    print(f"asking the package index about {len(installed)} distributions...", flush=True)
    latest = latest_versions(list(installed), python)
    updates = updates_available(installed, latest)
    # No answer for this Python: is there a release for a newer one? (Say so, do not mark.)
    unknown = [name for name, version in latest.items() if version is None]
    beyond = latest_versions(unknown, python, any_python=True) if unknown else {}
    too_new = updates_available({n: installed[n] for n in unknown}, beyond)
    width = max(len(name) for name in installed)
    for name, version in installed.items():
        newest = latest.get(name)
        if name in updates:
            print(f"* {name:<{width}}  {version} -> {newest}")
        elif name in too_new:
            print(f"  {name:<{width}}  {version}  ({beyond[name]} needs a newer Python)")
        elif newest is None:
            print(f"  {name:<{width}}  {version}  (the index did not say)")
        else:
            print(f"  {name:<{width}}  {version}  up to date")
    if not updates:
        print("nothing to update (* marks an update)")
    return [name for name in installed if name in updates]


def _catalogue_notes(names: list[str], python: str) -> None:
    """Warn about catalogue plugins that are not on the index or need a newer Python."""
    from takopi_core.plugins.catalogue import find_entry
    from takopi_core.plugins.install import requirement_name
    from takopi_core.plugins.installed import interpreter_version

    version: str | None = None
    for name in names:
        dist = requirement_name(name)
        entry = find_entry(dist) if dist else None
        if entry is None:
            continue
        if not entry.published:
            print(f"warning: {entry.name} is not on the package index; pip will not find it")
            continue
        version = version or interpreter_version(python)
        if version and entry.supports_python(version) is False:
            print(
                f"warning: {entry.name} declares Requires-Python {entry.requires_python}; "
                f"{python} is Python {version}, so pip will refuse it. Use an environment "
                "with a newer Python (--python PATH)."
            )


def inspected_python(args: argparse.Namespace) -> str:
    """The interpreter to work on: ``--python`` (a path, or a name on PATH), else ours."""
    import os
    import shutil

    given = getattr(args, "python", None)
    if not given:
        return sys.executable
    if os.sep not in given:
        return shutil.which(given) or given
    return os.path.abspath(os.path.expanduser(given))


def _usage_error(message: str) -> int:
    from takopi_core.cli import EXIT_USAGE

    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE
