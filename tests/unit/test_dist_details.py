"""The details page's data (takopi_core.plugins.dist_details) from real dist-info folders.

Each distribution is written by support.distfactory into a temporary site; dependencies are
other distributions of the same site, so installed / missing / wrong version are real
lookups, and markers are evaluated for this interpreter.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, TRANSPORT_GROUP, Dist, write_dists

from takopi_core.plugins.dist_details import (
    README_LIMIT,
    DepState,
    DistMetadataError,
    DistNotFound,
    details_for,
)
from takopi_core.plugins.dist_details_text import render_details

HERE = "{}.{}".format(*sys.version_info[:2])


def _details(site: Path, name: str, **kwargs: object):
    return details_for(name, path=[str(site)], **kwargs)  # type: ignore[arg-type]


def test_the_page_fields_come_from_the_metadata(site: Path) -> None:
    write_dists(
        site,
        Dist(
            name="takopi-engine-acme",
            version="0.3.0",
            summary="Acme engine for Takopi",
            requires_python=">=3.8",
            entry_points={
                COMMAND_GROUP: {"acmecmd": "acme.cmd:BACKEND"},
                ENGINE_GROUP: {"acme": "acme.engine:BACKEND", "acme2": "acme.engine:OTHER"},
                TRANSPORT_GROUP: {"acmechat": "acme.chat:BACKEND"},
                "console_scripts": {"acme": "acme.cli:main"},
            },
            headers=[
                ("Home-page", "https://acme.example"),
                ("Project-URL", "Source, https://git.example/acme"),
                ("Project-URL", "Issues, https://git.example/acme/issues"),
                ("Author", "Ada"),
                ("Author-email", "ada@acme.example"),
                ("License-Expression", "MIT OR Apache-2.0"),
                ("Classifier", "License :: OSI Approved :: MIT License"),
                ("Classifier", "Programming Language :: Python"),
                ("Description-Content-Type", "text/markdown; charset=UTF-8"),
            ],
            description="# Acme\n\nUse it.\n",
        ),
    )
    details = _details(site, "Takopi_Engine.Acme")  # any spelling of the name finds it
    assert (details.name, details.version) == ("takopi-engine-acme", "0.3.0")
    assert details.summary == "Acme engine for Takopi"
    assert details.home_page == "https://acme.example"
    assert details.project_urls == (
        ("Source", "https://git.example/acme"),
        ("Issues", "https://git.example/acme/issues"),
    )
    assert (details.author, details.author_email) == ("Ada", "ada@acme.example")
    assert details.license_expression == "MIT OR Apache-2.0"
    assert details.license_classifiers == ("OSI Approved :: MIT License",)
    assert details.python_ok is True and details.requires_python == ">=3.8"
    # The three plugin groups, in kind order; console_scripts is not a plugin.
    assert [(ep.kind, ep.id, ep.value) for ep in details.entry_points] == [
        ("engine", "acme", "acme.engine:BACKEND"),
        ("engine", "acme2", "acme.engine:OTHER"),
        ("transport", "acmechat", "acme.chat:BACKEND"),
        ("command", "acmecmd", "acme.cmd:BACKEND"),
    ]
    assert details.readme is not None
    assert details.readme.kind == "markdown" and details.readme.text == "# Acme\n\nUse it."
    assert details.location == str(site / "takopi_engine_acme-0.3.0.dist-info")
    assert details.problems == []


def test_each_dependency_is_marked_installed_missing_or_wrong_version(site: Path) -> None:
    write_dists(
        site,
        Dist(name="dep-ok", version="1.5"),
        Dist(name="dep-old", version="0.9"),
        Dist(name="dep-pre", version="2.0rc1"),
        Dist(
            name="plug",
            requires=[
                "dep-ok>=1,<2",
                "Dep_Old (>=1.0)",
                "dep-absent",
                "dep-pre>=2.0rc1",
                "dep-ok",  # no range: any version is fine
                "not a requirement !!",
            ],
        ),
    )
    deps = {dep.requirement: dep for dep in _details(site, "plug").dependencies}
    assert deps["dep-ok>=1,<2"].state is DepState.INSTALLED
    assert deps["dep-ok>=1,<2"].installed == "1.5"
    assert deps["dep-ok>=1,<2"].label == "installed 1.5"
    assert deps["dep-ok>=1,<2"].specifier == ">=1,<2"  # as written, not re-sorted
    old = deps["Dep_Old (>=1.0)"]
    assert (old.state, old.installed, old.name) == (DepState.WRONG_VERSION, "0.9", "dep-old")
    assert old.label == "wrong version: 0.9 installed, needs >=1.0"
    assert deps["dep-absent"].state is DepState.MISSING and deps["dep-absent"].installed is None
    assert deps["dep-pre>=2.0rc1"].state is DepState.INSTALLED
    assert deps["dep-ok"].state is DepState.INSTALLED
    assert deps["not a requirement !!"].state is DepState.INVALID
    problems = _details(site, "plug").problems
    assert "dep-old: wrong version: 0.9 installed, needs >=1.0" in problems
    assert "dep-absent: missing" in problems
    assert not any(p.startswith("dep-ok") for p in problems)


def test_requirements_whose_marker_does_not_apply_are_skipped(site: Path) -> None:
    write_dists(
        site,
        Dist(name="dep-x", version="1.0"),
        Dist(
            name="plug",
            requires=[
                'dep-x ; python_version >= "3"',
                'winonly ; sys_platform == "no-such-platform"',
                f'oldpy ; python_version < "{HERE}"',
                'slackdep>=2 ; extra == "slack"',
                'dep-x>=3 ; extra == "dev"',
            ],
            headers=[("Provides-Extra", "slack"), ("Provides-Extra", "dev")],
        ),
    )
    details = _details(site, "plug")
    assert [dep.name for dep in details.dependencies] == ["dep-x"]
    assert len(details.skipped) == 4
    assert details.extras == ("slack", "dev")
    # Asking for an extra lists its requirements, marked with the extra.
    with_slack = _details(site, "plug", extras=["Slack"])
    by_name = {dep.name: dep for dep in with_slack.dependencies}
    assert by_name["slackdep"].extra == "slack"
    assert by_name["slackdep"].state is DepState.MISSING
    assert 'dep-x>=3 ; extra == "dev"' in with_slack.skipped
    with_dev = _details(site, "plug", extras=["dev"])
    wrong = [d for d in with_dev.dependencies if d.extra == "dev"]
    assert [d.state for d in wrong] == [DepState.WRONG_VERSION]


def test_requires_python_is_checked_against_this_interpreter(site: Path) -> None:
    write_dists(
        site,
        Dist(name="future-plug", requires_python=">=3.99"),
        Dist(name="bad-range", requires_python="three or more"),
        Dist(name="no-range"),
    )
    future = _details(site, "future-plug")
    assert future.python_ok is False
    assert future.python_version.startswith(HERE + ".")
    assert future.problems == [f"needs Python >=3.99; this is {future.python_version}"]
    assert _details(site, "bad-range").python_ok is None
    assert _details(site, "no-range").python_ok is None


def test_the_takopi_range_is_the_takopi_requirement(site: Path) -> None:
    write_dists(
        site,
        Dist(name="plug", requires=["anyio>=4", "takopi>=0.14,<0.15"]),
        Dist(name="plug-any", requires=["takopi"]),
        Dist(name="plug-none", requires=["anyio"]),
    )
    takopi = _details(site, "plug").takopi
    assert takopi is not None and takopi.specifier == ">=0.14,<0.15"
    assert takopi.state is DepState.MISSING  # no `takopi` distribution in this site
    # The takopi requirement is shown on its own line, not counted as a problem.
    assert _details(site, "plug").problems == ["anyio: missing"]
    any_takopi = _details(site, "plug-any").takopi
    assert any_takopi is not None and any_takopi.specifier == ""
    assert _details(site, "plug-none").takopi is None


def test_readme_content_types(site: Path) -> None:
    write_dists(
        site,
        Dist(name="md", headers=[("Description-Content-Type", "text/markdown")], description="# x"),
        Dist(name="rst", headers=[("Description-Content-Type", "text/x-rst")], description="x\n="),
        Dist(name="txt", headers=[("Description-Content-Type", "text/plain")], description="x"),
        Dist(name="untyped", description="just text"),
        # Metadata 1.x puts the README in a Description header, continuation lines indented.
        Dist(name="header", headers=[("Description", "First\n        second\n        third")]),
        Dist(name="nothing"),
    )
    kinds = {name: _details(site, name).readme for name in ("md", "rst", "txt", "untyped")}
    assert {name: r.kind for name, r in kinds.items() if r} == {
        "md": "markdown",
        "rst": "rst",
        "txt": "plain",
        "untyped": "plain",
    }
    header = _details(site, "header").readme
    assert header is not None and header.text == "First\nsecond\nthird"
    assert _details(site, "nothing").readme is None


def test_hostile_metadata_is_escaped_and_capped(site: Path) -> None:
    esc = "\x1b]52;c;cHduZWQ=\x07\x1b[2J"
    huge = ("[bold red]big[/] \x1b[31m readme line\n" * 200_000)[: 5 * 1024 * 1024]
    write_dists(
        site,
        Dist(
            name="evil",
            summary=f"nice {esc} [link=file:///etc/passwd]click[/link]",
            requires=[f"dep{esc}"],
            headers=[
                ("Author", f"Eve {esc}"),
                ("License", "Line one\n        line two\n        line three\n        line four"),
                ("Project-URL", f"Home{esc}, javascript:alert(1)"),
                ("Description-Content-Type", "text/markdown"),
            ],
            description=huge,
        ),
    )
    details = _details(site, "evil")
    shown = [
        details.summary,
        details.author,
        details.license,
        *(f"{label} {url}" for label, url in details.project_urls),
        *(dep.requirement for dep in details.dependencies),
    ]
    for text in shown:
        assert text is not None
        assert "\x1b" not in text and "\x07" not in text
    assert (
        details.summary
        == "nice \\x1b]52;c;cHduZWQ=\\x07\\x1b[2J [link=file:///etc/passwd]click[/link]"
    )
    assert details.license == "Line one\nline two\nline three\n… (1 more lines)"
    # A requirement with control characters is not a requirement; it is not looked up.
    assert [dep.state for dep in details.dependencies] == [DepState.INVALID]
    readme = details.readme
    assert readme is not None and readme.truncated
    assert readme.total_chars == len(huge)
    assert "\x1b" not in readme.text
    assert "[bold red]big[/]" in readme.text  # kept as text: never markup
    assert len(readme.text) <= README_LIMIT * 4  # each escaped control char grows by 3


def test_unknown_and_unreadable_distributions(site: Path) -> None:
    with pytest.raises(DistNotFound, match="no distribution named 'nope'"):
        _details(site, "nope")
    info = write_dists(site, Dist(name="latin")) / "latin-1.0.0.dist-info"
    (info / "METADATA").write_bytes(
        b"Metadata-Version: 2.1\nName: latin\nVersion: 1\nSummary: caf\xe9\n"
    )
    with pytest.raises(DistMetadataError, match=r"cannot be read.*reinstall"):
        _details(site, "latin")


def test_the_text_page_names_people_once_and_explains_the_takopi_requirement(site: Path) -> None:
    write_dists(
        site,
        Dist(
            name="plug",
            requires=["takopi>=0.23"],
            headers=[("Author", "Ada"), ("Author-email", "Ada Lovelace <ada@example.org>")],
        ),
        Dist(name="plain", headers=[("Author", "Bob"), ("Author-email", "bob@example.org")]),
    )
    text = render_details(_details(site, "plug")).splitlines()
    # PEP 621 writes the name into Author-email; it is not repeated around it.
    assert "  Author          Ada Lovelace <ada@example.org>" in text
    assert "  takopi>=0.23  not installed: takopi-tui provides the takopi package instead" in text
    plain = render_details(_details(site, "plain")).splitlines()
    assert "  Author          Bob <bob@example.org>" in plain


def test_a_known_dist_info_folder_is_read_whatever_its_name(site: Path) -> None:
    info = write_dists(site, Dist(name="real-name", version="3.0")) / "real_name-3.0.dist-info"
    moved = info.rename(site / "other_name-3.0.dist-info")
    with pytest.raises(DistNotFound):
        _details(site, "real-name")  # importlib.metadata goes by the folder's name
    details = _details(site, "real-name", location=str(moved))
    assert (details.name, details.version, details.location) == ("real-name", "3.0", str(moved))
