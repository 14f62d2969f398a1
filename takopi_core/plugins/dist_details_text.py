"""The details of a distribution as text: `takopi plugins info` and the TUI's details page.

One wording for both: the lines that sum up the licence, Requires-Python, the skipped
requirements and a cut README are made here, and :func:`render_details` lays out the
whole page as the CLI prints it. Every string in :class:`DistDetails` is already escaped.
"""

from __future__ import annotations

from takopi_core import __version__
from takopi_core.plugins.dist_details import README_LIMIT, Dependency, DepState, DistDetails

_LABEL_WIDTH = 16


def render_details(details: DistDetails, *, readme: bool = True) -> str:
    """The details as the CLI prints them: a header, labelled lines, then the lists."""
    lines = [f"{details.name} {details.version}"]
    if details.summary:
        lines.append(f"  {details.summary}")
    lines.append("")
    fields: list[tuple[str, str]] = []
    if details.home_page:
        fields.append(("Homepage", details.home_page))
    fields.extend(details.project_urls)
    fields.extend(_people("Author", details.author, details.author_email))
    fields.extend(_people("Maintainer", details.maintainer, details.maintainer_email))
    license_text = license_line(details)
    if license_text:
        fields.append(("License", license_text))
    if details.requires_python:
        fields.append(("Requires-Python", python_line(details)))
    if details.takopi is not None:
        fields.append(("Takopi", takopi_line(details)))
    if details.location:
        fields.append(("Location", details.location))
    for label, value in fields:
        lines.append(_field(label, value))
    if details.problems:
        lines.append("")
        lines.append("Problems")
        lines.extend(f"  {problem}" for problem in details.problems)
    lines.append("")
    lines.append("Entry points")
    if not details.entry_points:
        lines.append("  none of the three plugin groups")
    for ep in details.entry_points:
        lines.append(f"  {ep.kind:<10} {ep.id:<20} {ep.value}")
    lines.append("")
    lines.append(f"Dependencies ({len(details.dependencies)})")
    if not details.dependencies:
        lines.append("  none")
    width = max((len(dep.requirement) for dep in details.dependencies), default=0)
    width = min(width, 40)
    for dep in details.dependencies:
        extra = f"  [extra {dep.extra}]" if dep.extra else ""
        lines.append(f"  {dep.requirement:<{width}}  {dependency_label(details, dep)}{extra}")
    if details.skipped:
        lines.append(f"  ({skipped_line(details)})")
    if details.extras:
        lines.append(extras_line(details))
    if readme and details.readme is not None:
        lines.append("")
        kind = details.readme.content_type or "no Description-Content-Type"
        lines.append(f"README ({kind})")
        lines.extend(f"  {line}".rstrip() for line in details.readme.text.splitlines())
        if details.readme.truncated:
            lines.append(f"  … {readme_cut_line(details)}")
    return "\n".join(lines) + "\n"


def takopi_line(details: DistDetails) -> str:
    """The takopi range it declares, how the `takopi` requirement stands, and this host.

    This host is takopi-tui: it provides the ``takopi`` package plugins import, so a
    `takopi` distribution that is not installed is expected, not a problem.
    """
    takopi = details.takopi
    assert takopi is not None
    return (
        f"{takopi.specifier or 'any version'}  ({takopi.name}: {takopi.label}; "
        f"host: takopi-tui {__version__})"
    )


def license_line(details: DistDetails) -> str:
    """Every licence statement the metadata makes, expression first, on one line."""
    parts = []
    if details.license_expression:
        parts.append(details.license_expression)
    if details.license:
        parts.append(details.license.replace("\n", " / "))
    parts.extend(c for c in details.license_classifiers if c not in parts)
    return "; ".join(parts)


def python_line(details: DistDetails) -> str:
    """``>=3.14  (not met: this interpreter is 3.11.7)`` or ``>=3.8  (met by 3.11.7)``."""
    if details.python_ok is None:
        return f"{details.requires_python}  (not a valid range)"
    verdict = "met by" if details.python_ok else "NOT met: this interpreter is"
    return f"{details.requires_python}  ({verdict} {details.python_version})"


def skipped_line(details: DistDetails) -> str:
    count = len(details.skipped)
    verb = "applies" if count == 1 else "apply"
    return f"{count} more {verb} only to extras not asked for or to other platforms"


def extras_line(details: DistDetails) -> str:
    asked = set(details.requested_extras)
    names = ", ".join(f"{e} (asked for)" if e in asked else e for e in details.extras)
    return f"Extras: {names}"


def readme_cut_line(details: DistDetails) -> str:
    readme = details.readme
    assert readme is not None
    return (
        f"README cut at {README_LIMIT:,} of {readme.total_chars:,} characters; the "
        "project's page has the rest"
    )


def people_line(name: str | None, email: str | None) -> str | None:
    """``Ada <ada@example.org>``; an Author-email that already names the person as it is."""
    if name and email:
        return email if "<" in email else f"{name} <{email}>"
    return name or email or None


def dependency_label(details: DistDetails, dep: Dependency) -> str:
    """What is installed for ``dep``; the `takopi` requirement not being met is expected here."""
    if dep is details.takopi and dep.state is DepState.MISSING:
        return "not installed: takopi-tui provides the takopi package instead"
    return dep.label


def _people(role: str, name: str | None, email: str | None) -> list[tuple[str, str]]:
    who = people_line(name, email)
    return [(role, who)] if who else []


def _field(label: str, value: str) -> str:
    pad = " " * (_LABEL_WIDTH + 2)
    text = value.replace("\n", "\n" + pad)
    return f"  {label:<{_LABEL_WIDTH}}{text}"
