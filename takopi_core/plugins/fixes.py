"""What to do about a plugin error, as commands the user can copy.

Every error the CLI and the TUI report about a plugin carries a *fix*: one line naming the
command that removes the cause (``/venv/bin/python -m pip install 'dep>=2'``), or, when only
the plugin's author can remove it, who to tell and how to hide the plugin meanwhile
(``takopi plugins disable DIST``). Load errors get theirs in the probe's checker, which holds
the exception and runs the inspected interpreter (so ``python`` is that interpreter's
``sys.executable``); discovery errors get theirs in the host, from metadata only.

Commands name distributions rather than plugin ids: an id two distributions provide cannot
say which one to disable, and disabling always acts on a whole distribution anyway.
Requirements are read with ``packaging`` (PEP 508 names, extras and markers), the PyPA's own
implementation.
"""

from __future__ import annotations

import shlex
import sys

from takopi_core.ids import OWN_DISTRIBUTION, UPSTREAM_ALIAS, normalize_dist_name

#: The newest minor release of Python 3 a fix may name (a bound for the Requires-Python search).
_NEWEST_MINOR = 30


def _python(python: str | None) -> str:
    return shlex.quote(python or sys.executable or "python3")


def pip(python: str | None, *args: str) -> str:
    """``PY -m pip ARGS`` for the interpreter ``python``, each part shell-quoted."""
    return " ".join([_python(python), "-m", "pip", *(shlex.quote(arg) for arg in args)])


def disable(distribution: str | None, plugin_id: str) -> str:
    """``takopi plugins disable NAME``: the distribution when known, else the id."""
    return f"takopi plugins disable {shlex.quote(distribution or plugin_id)}"


# --- load errors (in the checker) -------------------------------------------------------------


def missing_module_fix(
    module: str, entry_value: str, distribution: str | None, python: str | None = None
) -> str:
    """How to provide ``module``, which the plugin of ``distribution`` failed to import.

    In order: the plugin's own module (its entry point names a module the distribution
    lacks: reinstall it); a requirement naming the distribution that holds, or would hold,
    the module (through ``packages_distributions`` when that distribution is installed, by
    normalised name otherwise); every declared requirement not installed (a module may be
    named unlike its distribution: ``yaml`` comes from PyYAML); the module's own name.
    """
    top = module.partition(".")[0]
    if distribution and top == entry_value.partition(":")[0].partition(".")[0]:
        return (
            f"{distribution} lacks its own module {module}: reinstall it with "
            f"{pip(python, 'install', '--force-reinstall', distribution)}, or report it to "
            f"its author"
        )
    requirements = declared_requirements(distribution)
    holders = {normalize_dist_name(name) for name in _distributions_of(top)}
    holders.add(normalize_dist_name(top))
    for name, spec in requirements:
        if normalize_dist_name(name) in holders:
            return pip(python, "install", spec)
    missing = [spec for name, spec in requirements if not _installed(name)]
    if missing:
        return pip(python, "install", *missing)
    return pip(python, "install", top)


def declared_requirements(distribution: str | None) -> list[tuple[str, str]]:
    """``(name, requirement without marker)`` of each requirement ``distribution`` declares
    for this environment (extras and markers that do not apply are left out)."""
    if not distribution:
        return []
    from importlib import metadata

    try:
        declared = metadata.distribution(distribution).requires or []
    except metadata.PackageNotFoundError:
        return []
    from packaging.requirements import InvalidRequirement, Requirement

    found: list[tuple[str, str]] = []
    for text in declared:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        if normalize_dist_name(requirement.name) == UPSTREAM_ALIAS:
            continue  # upstream's distribution: this host's `takopi` face stands in for it
        requirement.marker = None
        found.append((requirement.name, str(requirement)))
    return found


def missing_requirements(distribution: str | None) -> list[str]:
    """The requirements ``distribution`` declares that no installed distribution provides."""
    return [spec for name, spec in declared_requirements(distribution) if not _installed(name)]


def outdated_requirement(module: str, distribution: str | None) -> tuple[str, str] | None:
    """``(requirement, "name version")`` when ``distribution`` requires the installed
    distribution holding ``module`` in a version that is not installed."""
    from importlib import metadata

    from packaging.requirements import Requirement

    holders = {normalize_dist_name(name) for name in _distributions_of(module.partition(".")[0])}
    for name, spec in declared_requirements(distribution):
        if normalize_dist_name(name) not in holders:
            continue
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        if not Requirement(spec).specifier.contains(version, prereleases=True):
            return spec, f"{name} {version}"
    return None


def _installed(name: str) -> bool:
    from importlib import metadata

    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _distributions_of(top_module: str) -> list[str]:
    """The installed distributions that provide the top-level module ``top_module``."""
    from importlib import metadata

    try:
        return metadata.packages_distributions().get(top_module, [])
    except Exception:  # a malformed RECORD elsewhere must not cost the hint
        return []


def newer_python_fix(
    needed: tuple[int, int] | None, requires_python: str | None, distribution: str | None
) -> str | None:
    """How to run takopi-tui on a Python new enough for the plugin, or None when no release
    is known to be.

    ``needed`` is the release the plugin's syntax needs; ``requires_python`` its declared
    range. The fix names the lowest release after this one that meets both.
    """
    version = _lowest_python(needed, requires_python)
    if version is None:
        return None
    target = f"{version[0]}.{version[1]}"
    packages = [OWN_DISTRIBUTION] + ([distribution] if distribution else [])
    with_plugin = f"--with {shlex.quote(distribution)} " if distribution else ""
    return (
        f"install takopi-tui on Python {target} or newer, with the plugin: "
        f"uv tool install --python {target} {with_plugin}{OWN_DISTRIBUTION}, or without uv: "
        f"python{target} -m venv ~/.venvs/takopi && ~/.venvs/takopi/bin/python -m pip "
        f"install {' '.join(shlex.quote(p) for p in packages)}"
    )


def _lowest_python(
    needed: tuple[int, int] | None, requires_python: str | None
) -> tuple[int, int] | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        allowed = SpecifierSet(requires_python or "")
    except InvalidSpecifier:
        allowed = SpecifierSet()
    start = max(needed or (0, 0), (3, sys.version_info[1] + 1))
    for minor in range(start[1], _NEWEST_MINOR + 1):
        if allowed.contains(f"3.{minor}.0", prereleases=True):
            return (3, minor)
    return None


def upstream_internal_fix(
    module: str, name: str | None, plugin_id: str, distribution: str | None, python: str | None
) -> str:
    """What to do when a plugin imports a part of upstream Takopi this host lacks."""
    if module == "takopi.api":
        return (
            f"upgrade takopi-tui: {pip(python, 'install', '--upgrade', OWN_DISTRIBUTION)}; "
            f"if takopi.api.{name} is still missing, hide the plugin: "
            f"{disable(distribution, plugin_id)}"
        )
    what = module if name is None else f"{module}.{name}"
    return (
        f"report to takopi-tui that {distribution or plugin_id} imports {what} (so the "
        f"takopi face can provide it), or ask the plugin's author to import from takopi.api; "
        f"meanwhile hide the plugin: {disable(distribution, plugin_id)}"
    )


def wrong_object_fix(obj_is_class: bool, plugin_id: str, distribution: str | None) -> str:
    """For an entry point that resolved to the wrong kind of object."""
    if obj_is_class:
        return (
            "the entry point names a class: it must name an instance (BACKEND = Backend()); "
            f"report it to the author of {distribution or plugin_id}, meanwhile: "
            f"{disable(distribution, plugin_id)}"
        )
    return plugin_fault_fix(plugin_id, distribution)


def plugin_fault_fix(plugin_id: str, distribution: str | None) -> str:
    """For a fault only the plugin's author can remove (it raises, exits, has the wrong id)."""
    who = distribution or plugin_id
    return (
        f"report it to the author of {who} (takopi plugins --load -v shows the traceback); "
        f"meanwhile hide it: {disable(distribution, plugin_id)}"
    )


def timeout_fix(longer: str | None, plugin_id: str, distribution: str | None) -> str:
    """For a plugin the probe stopped at its time limit: ``longer``, the command that allows
    it more time (the caller's own ``--timeout``), and what to do if it really hangs."""
    slow = f"if it is only slow, give it longer: {longer}; " if longer else ""
    return (
        f"{slow}if it hangs, report it to the author of {distribution or plugin_id}; "
        f"meanwhile hide it: {disable(distribution, plugin_id)}"
    )


def unexplained_fix(error_type: str | None, plugin_id: str, distribution: str | None) -> str:
    """The fix of a failure that came without one (the probe sets it for what it explains):
    the timeout's for a ``TimeoutError``, else the author's fault. Every pane uses this, so
    one error has one fix everywhere."""
    if error_type == "TimeoutError":
        return timeout_fix(None, plugin_id, distribution)
    return plugin_fault_fix(plugin_id, distribution)


# --- discovery errors (in the host) -----------------------------------------------------------


def discovery_fix(
    reason: str,
    plugin_id: str,
    distribution: str | None,
    *,
    enabled: bool = True,
    location: str | None = None,
    python: str | None = None,
) -> str:
    """What to do about an entry point discovery skipped, by its ``reason``.

    A disabled distribution's error changes nothing; removing it is then the only step left.
    """
    if distribution is None:
        where = f" ({location})" if location else ""
        return (
            "its metadata names no distribution, so [plugins] enabled cannot list it: "
            f"reinstall the plugin with pip, or remove its metadata folder{where}"
        )
    uninstall = pip(python, "uninstall", distribution)
    if not enabled:
        return f"nothing while it stays disabled; to remove it: {uninstall}"
    if reason == "duplicate-id":
        return (
            f"keep one provider of {plugin_id!r}: {disable(distribution, plugin_id)}, "
            f"or remove it: {uninstall}"
        )
    return f"hide it: {disable(distribution, plugin_id)}, or remove it: {uninstall}"
