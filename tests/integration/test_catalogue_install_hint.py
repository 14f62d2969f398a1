"""QA (issue #14): `takopi plugins catalogue` suggests only what this interpreter can install.

It ended with "Install one: takopi plugins install takopi-slack-plugin", which needs Python
>=3.14, on a 3.11: pip finds no release of it. Now the closing line names an entry whose
Requires-Python this interpreter meets, or, when none does, says which Python they need.
"""

from __future__ import annotations

import sys

from support.cli import InProcessCli

from takopi_core.plugins.catalogue import CatalogueEntry, search

HERE = sys.version.split()[0]


def entry(name: str, requires_python: str | None, *, published: bool = True) -> CatalogueEntry:
    return CatalogueEntry(
        name=name,
        summary="s",
        plugins={"engine": (name,)},
        requires_python=requires_python,
        homepage=None,
        published=published,
        version_read=None,
    )


def test_the_slack_search_does_not_suggest_a_plugin_this_python_cannot_install(
    takopi: InProcessCli,
) -> None:
    needs = [e for e in search("slack") if e.published and e.supports_python(HERE) is False]
    assert needs, "the catalogue's slack plugins fit this Python: the test needs one that not"
    proc = takopi("plugins", "catalogue", "slack")
    assert proc.returncode == 0
    assert "Install one: takopi plugins install takopi-slack-plugin" not in proc.stdout
    tail = proc.stdout.rstrip("\n").splitlines()[-3:]
    assert tail[0] == f"None of these installs on Python {HERE}: it needs Python >=3.14."
    assert tail[2] == "  takopi plugins install --python PATH takopi-slack-plugin"


def test_the_hint_names_an_entry_that_fits_and_is_not_installed_yet() -> None:
    from takopi_core.cli.plugins_catalogue import _install_hint

    entries = [
        entry("takopi-new", ">=3.99"),
        entry("takopi-gone", None, published=False),
        entry("takopi-have", ">=3.8"),
        entry("takopi-fits", ">=3.8"),
    ]
    hint = _install_hint(entries, {"takopi-have": "1.0"}, HERE)
    assert hint == "\nInstall one: takopi plugins install takopi-fits\n"
    # Only installed ones fit: still one that installs (pip then says it is there).
    assert _install_hint(entries[:3], {"takopi-have": "1.0"}, HERE).endswith(
        "install takopi-have\n"
    )
    two = _install_hint([entry("a", ">=3.99"), entry("b", ">=3.98")], {}, HERE)
    assert two.startswith(f"\nNone of these installs on Python {HERE}: they need Python >=3.98")
    assert _install_hint([entries[1]], {}, HERE) == ""
