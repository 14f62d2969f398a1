"""What a distribution's metadata says about it: the details page and `takopi plugins info`.

Metadata only: ``importlib.metadata`` reads the ``*.dist-info`` files and nothing of the
plugin runs, so this is safe in the CLI's and the TUI's own process. Requirements, markers
and version ranges are read with ``packaging`` (the PyPA's implementation of PEP 508 and
PEP 440), and each dependency is looked up among the installed distributions of the same
search path: installed (with its version), missing, or installed at a version outside the
range asked for.

Every string kept here comes from a file the plugin's author wrote: each one is passed
through :func:`takopi_core.text.safe_text` (control characters escaped) and capped in
length, so callers can show it as plain text. Callers must still never parse it as markup.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Literal

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from takopi_core.ids import KIND_BY_GROUP, KINDS, OWN_DISTRIBUTION, UPSTREAM_ALIAS
from takopi_core.text import safe_text

#: Characters of README kept: a 5 MB description would take the Markdown widget seconds to
#: lay out and nobody reads that far in a terminal; the rest is one click away on the
#: project's page.
README_LIMIT = 100_000
#: Characters kept of any other single field (a License field may hold a whole licence).
FIELD_LIMIT = 2_000
#: Lines kept of the License field: the first lines name it; the full text is in the files.
LICENSE_LINES = 3

ReadmeKind = Literal["markdown", "rst", "plain"]
_TAKOPI_NAMES = (canonicalize_name(UPSTREAM_ALIAS), canonicalize_name(OWN_DISTRIBUTION))


class DistNotFound(LookupError):
    """No distribution of that name on the search path."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"no distribution named {safe_text(name)!r} is installed in this environment "
            f"({sys.executable}); `takopi plugins` lists the plugins' distributions"
        )
        self.name = name


class DistMetadataError(ValueError):
    """The distribution's METADATA file cannot be read (not UTF-8, unreadable)."""


class DepState(StrEnum):
    """How a requirement stands in the inspected environment."""

    INSTALLED = "installed"
    MISSING = "missing"
    WRONG_VERSION = "wrong version"
    INVALID = "invalid"  # the Requires-Dist line is not a valid PEP 508 requirement


@dataclass(frozen=True, slots=True)
class Dependency:
    """One ``Requires-Dist`` line that applies here, and what is installed for it."""

    requirement: str
    """The line as written (escaped, capped)."""
    name: str
    specifier: str
    """The version range (``>=1.0,<2``), "" for any version."""
    state: DepState
    installed: str | None = None
    """The version installed, when there is one."""
    extra: str | None = None
    """The extra that asks for it; None when the distribution itself does."""

    @property
    def label(self) -> str:
        """``installed 1.2``, ``missing``, ``wrong version: 0.9 installed, needs >=1``."""
        if self.state is DepState.INSTALLED:
            return f"installed {self.installed}"
        if self.state is DepState.WRONG_VERSION:
            return f"wrong version: {self.installed} installed, needs {self.specifier}"
        if self.state is DepState.INVALID:
            return "invalid requirement (not PEP 508)"
        return "missing"


@dataclass(frozen=True, slots=True)
class PluginEntryPoint:
    """One entry point of the three plugin groups."""

    kind: str
    id: str
    value: str


@dataclass(frozen=True, slots=True)
class Readme:
    """The long description (``Description`` header or the metadata body)."""

    text: str
    kind: ReadmeKind
    content_type: str | None
    total_chars: int
    """Its length before the cap (``README_LIMIT``)."""
    truncated: bool
    """Whether ``text`` is only its first ``README_LIMIT`` characters."""


@dataclass(frozen=True, slots=True)
class DistDetails:
    """A distribution as its metadata describes it, every string escaped and capped."""

    name: str
    version: str
    summary: str | None
    home_page: str | None
    project_urls: tuple[tuple[str, str], ...]
    author: str | None
    author_email: str | None
    maintainer: str | None
    maintainer_email: str | None
    license: str | None
    license_expression: str | None
    license_classifiers: tuple[str, ...]
    requires_python: str | None
    python_version: str
    """The inspected interpreter's version, which ``requires_python`` is checked against."""
    python_ok: bool | None
    """Whether ``python_version`` satisfies ``requires_python``; None when unknown."""
    dependencies: tuple[Dependency, ...]
    skipped: tuple[str, ...]
    """Requirements that do not apply: their marker is false here, or their extra was not
    asked for."""
    extras: tuple[str, ...]
    """Extras the distribution provides (``Provides-Extra``)."""
    requested_extras: tuple[str, ...]
    takopi: Dependency | None
    """Its requirement on Takopi (``takopi`` or ``takopi-tui``), the version range it declares."""
    entry_points: tuple[PluginEntryPoint, ...]
    readme: Readme | None
    location: str | None

    @property
    def problems(self) -> list[str]:
        """What stands in the way of this distribution working here, one line each."""
        found = []
        if self.python_ok is False:
            found.append(f"needs Python {self.requires_python}; this is {self.python_version}")
        found.extend(
            f"{dep.name}: {dep.label}"
            for dep in self.dependencies
            if dep.state is not DepState.INSTALLED and dep is not self.takopi
        )
        return found


def details_for(
    dist_name: str,
    *,
    path: Sequence[str] | None = None,
    extras: Iterable[str] = (),
    python_version: str | None = None,
    location: str | None = None,
) -> DistDetails:
    """The details of the installed distribution ``dist_name``.

    ``path`` replaces ``sys.path`` for finding it and its dependencies (as discovery's
    ``path`` does); ``extras`` are the extras asked for, whose requirements are listed too.
    ``python_version`` is the inspected interpreter's (default: this one's), which
    ``Requires-Python`` is checked against; markers are evaluated for this interpreter.
    ``location`` is the ``.dist-info`` folder to read when the caller knows it (discovery
    does): ``importlib.metadata`` finds a distribution by its folder's name, which need not
    match its ``Name``, and with two copies on the path the caller means the one it listed.
    Raises :class:`DistNotFound` or :class:`DistMetadataError`.
    """
    dist: metadata.Distribution | None
    if location is not None and os.path.isdir(location):
        dist = metadata.PathDistribution(Path(location))
    else:
        dist = _find(dist_name, path)
    if dist is None:
        raise DistNotFound(dist_name)
    where = getattr(dist, "_path", None)
    try:
        meta = dist.metadata
    except (OSError, UnicodeDecodeError) as exc:
        raise DistMetadataError(
            f"the metadata of {safe_text(dist_name)!r} ({safe_text(where)}) cannot be read: "
            f"{safe_text(exc)}; reinstall the distribution"
        ) from exc
    if meta is None:  # a dist-info folder without METADATA (importlib gives None)
        raise DistMetadataError(
            f"{safe_text(dist_name)!r} ({safe_text(where)}) has no METADATA file; "
            "reinstall the distribution"
        )
    fields = meta.json
    requested = tuple(canonicalize_name(e) for e in extras)
    dependencies, skipped = _dependencies(_all(fields, "requires_dist"), requested, path)
    if python_version is None:
        python_version = "{}.{}.{}".format(*sys.version_info[:3])
    requires_python = _one(fields, "requires_python")
    return DistDetails(
        name=_one(fields, "name") or safe_text(dist_name),
        version=_one(fields, "version") or "unknown",
        summary=_one(fields, "summary"),
        home_page=_one(fields, "home_page"),
        project_urls=tuple(_project_url(line) for line in _all(fields, "project_url")),
        author=_one(fields, "author"),
        author_email=_one(fields, "author_email"),
        maintainer=_one(fields, "maintainer"),
        maintainer_email=_one(fields, "maintainer_email"),
        license=_license_text(fields.get("license")),
        license_expression=_one(fields, "license_expression"),
        license_classifiers=tuple(
            line.removeprefix("License ::").strip()
            for line in _all(fields, "classifier")
            if line.startswith("License ::")
        ),
        requires_python=requires_python,
        python_version=python_version,
        python_ok=_python_ok(requires_python, python_version),
        dependencies=dependencies,
        skipped=skipped,
        extras=tuple(_all(fields, "provides_extra")),
        requested_extras=requested,
        takopi=next((d for d in dependencies if d.name in _TAKOPI_NAMES), None),
        entry_points=_entry_points(dist),
        readme=_readme(fields),
        location=safe_text(where) if where is not None else None,
    )


def _find(name: str, path: Sequence[str] | None) -> metadata.Distribution | None:
    """The first distribution called ``name`` on ``path`` (``sys.path`` when None)."""
    if path is None:
        found = metadata.distributions(name=name)
    else:
        found = metadata.distributions(name=name, path=list(path))
    return next(iter(found), None)


def _clean(value: object, limit: int = FIELD_LIMIT) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return safe_text(text)


def _one(fields: Mapping[str, object], key: str) -> str | None:
    value = fields.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    text = _clean(value).strip()
    return text or None


def _all(fields: Mapping[str, object], key: str) -> list[str]:
    value = fields.get(key)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [_clean(item).strip() for item in values if str(item).strip()]


def _project_url(line: str) -> tuple[str, str]:
    """``Project-URL: Label, https://...`` as (label, url)."""
    label, sep, url = line.partition(",")
    if not sep:
        return ("URL", label.strip())
    return (label.strip() or "URL", url.strip())


def _license_text(value: object) -> str | None:
    """The License field's first lines: it may hold the whole licence text."""
    if not isinstance(value, str) or not value.strip():
        return None
    lines = [line.strip() for line in value.strip().splitlines()]
    shown = "\n".join(lines[:LICENSE_LINES])
    if len(lines) > LICENSE_LINES:
        shown += f"\n… ({len(lines) - LICENSE_LINES} more lines)"
    return _clean(shown)


def _python_ok(requires_python: str | None, version: str) -> bool | None:
    if not requires_python:
        return None
    try:
        return SpecifierSet(requires_python).contains(version, prereleases=True)
    except InvalidSpecifier:
        return None


def _dependencies(
    lines: Iterable[str], extras: tuple[str, ...], path: Sequence[str] | None
) -> tuple[tuple[Dependency, ...], tuple[str, ...]]:
    """The requirements that apply here, each looked up; and the ones that do not."""
    applying: list[Dependency] = []
    skipped: list[str] = []
    installed: dict[str, str | None] = {}
    for line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            applying.append(
                Dependency(requirement=line, name=line, specifier="", state=DepState.INVALID)
            )
            continue
        applies, extra = _applies(req, extras)
        if not applies:
            skipped.append(line)
            continue
        name = canonicalize_name(req.name)
        if name not in installed:
            found = _find(req.name, path)
            installed[name] = safe_text(found.version) if found is not None else None
        applying.append(
            _dependency(
                line, name, _written_range(line, req), installed[name], extra, req.specifier
            )
        )
    return tuple(applying), tuple(skipped)


def _written_range(line: str, req: Requirement) -> str:
    """The version range in the order the author wrote it (``>=1,<2``).

    ``str(req.specifier)`` sorts the clauses (``<2,>=1``), which reads backwards.
    """
    text = line.split(";", 1)[0]
    # After the extras' bracket, or else after the name (spelled as written).
    text = text.rsplit("]", 1)[1] if "]" in text else text.strip()[len(req.name) :]
    text = text.strip().removeprefix("(").removesuffix(")").replace(" ", "")
    try:
        if text and SpecifierSet(text) == req.specifier:
            return text
    except InvalidSpecifier:
        pass
    return str(req.specifier)


def _applies(req: Requirement, extras: tuple[str, ...]) -> tuple[bool, str | None]:
    """Whether ``req``'s marker holds here, and the requested extra that makes it hold."""
    if req.marker is None:
        return True, None
    for extra in (None, *extras):
        try:
            if req.marker.evaluate({"extra": extra or ""}):
                return True, extra
        except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
            return False, None
    return False, None


def _dependency(
    line: str,
    name: str,
    specifier_text: str,
    version: str | None,
    extra: str | None,
    specifier: SpecifierSet,
) -> Dependency:
    if version is None:
        state = DepState.MISSING
    elif not specifier:
        state = DepState.INSTALLED
    else:
        try:
            fits = specifier.contains(Version(version), prereleases=True)
        except InvalidVersion:
            fits = False
        state = DepState.INSTALLED if fits else DepState.WRONG_VERSION
    return Dependency(
        requirement=line,
        name=name,
        specifier=safe_text(specifier_text),
        state=state,
        installed=version,
        extra=extra,
    )


def _entry_points(dist: metadata.Distribution) -> tuple[PluginEntryPoint, ...]:
    order = {kind: index for index, kind in enumerate(KINDS)}
    found = [
        PluginEntryPoint(
            kind=KIND_BY_GROUP[ep.group], id=_clean(ep.name, 200), value=_clean(ep.value, 500)
        )
        for ep in dist.entry_points
        if ep.group in KIND_BY_GROUP
    ]
    found.sort(key=lambda ep: (order[ep.kind], ep.id))
    return tuple(found)


def _readme_kind(content_type: str | None) -> ReadmeKind:
    """markdown for ``text/markdown``; rst for ``text/x-rst``; plain otherwise or unset."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "text/markdown":
        return "markdown"
    if media == "text/x-rst":
        return "rst"
    return "plain"


def _readme(fields: Mapping[str, object]) -> Readme | None:
    raw = fields.get("description")
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if not isinstance(raw, str) or not raw.strip():
        return None
    content_type = _one(fields, "description_content_type")
    # Cap before escaping: escaping is linear, but a 5 MB README need not be scanned at all.
    text = safe_text(raw[:README_LIMIT]).strip("\n")
    return Readme(
        text=text,
        kind=_readme_kind(content_type),
        content_type=content_type,
        total_chars=len(raw),
        truncated=len(raw) > README_LIMIT,
    )
