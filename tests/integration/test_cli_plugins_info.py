"""`takopi plugins info NAME` on real test distributions, in process: metadata only, so no
plugin module may be imported (the in-process fixture fails the call if one is)."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import InProcessCli
from support.distfactory import ENGINE_GROUP, Dist, write_dist, write_dists

PLUGIN = Dist(
    name="takopi-engine-acme",
    version="0.3.0",
    summary="Acme engine",
    requires_python=">=3.99",
    requires=["dep-ok>=1", "dep-old>=2", "dep-absent", "takopi>=0.14,<0.15", 'x ; extra == "e"'],
    entry_points={ENGINE_GROUP: {"acme": "acme_engine.backend:BACKEND"}},
    files={"acme_engine/backend.py": "raise SystemExit('plugin code ran')\n"},
    headers=[
        ("Project-URL", "Source, https://git.example/acme"),
        ("License-Expression", "MIT"),
        ("Provides-Extra", "e"),
        ("Description-Content-Type", "text/markdown"),
    ],
    description="# Acme\n\nRead \x1b[2J me [bold]now[/].\n",
)


def _site(site: Path) -> Path:
    return write_dists(site, PLUGIN, Dist(name="dep-ok", version="1.5"), Dist(name="dep-old"))


def test_info_prints_the_details(site: Path, takopi: InProcessCli) -> None:
    _site(site)
    proc = takopi("plugins", "info", "takopi-engine-acme", site=site)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    lines = out.splitlines()
    assert lines[:2] == ["takopi-engine-acme 0.3.0", "  Acme engine"]
    assert "  Source          https://git.example/acme" in lines
    assert "  License         MIT" in lines
    assert any(
        line.startswith("  Requires-Python >=3.99  (NOT met: this interpreter is 3.")
        for line in lines
    )
    assert any(
        line.startswith("  Takopi          >=0.14,<0.15  (takopi: missing;") for line in lines
    )
    assert "  engine     acme                 acme_engine.backend:BACKEND" in lines
    assert "  dep-ok>=1           installed 1.5" in lines
    assert "  dep-old>=2          wrong version: 1.0.0 installed, needs >=2" in lines
    assert "  dep-absent          missing" in lines
    assert any("(1 more applies only to extras" in line for line in lines)
    assert "Extras: e" in lines
    problems = lines[lines.index("Problems") + 1 :]
    assert problems[0].startswith("  needs Python >=3.99")
    # The README as text, its control characters escaped, its markup left alone.
    assert "README (text/markdown)" in lines
    assert "  Read \\x1b[2J me [bold]now[/]." in lines
    assert "\x1b" not in out


def test_info_takes_a_plugin_id_and_extras(site: Path, takopi: InProcessCli) -> None:
    _site(site)
    proc = takopi("plugins", "info", "acme", "--extra", "e", "--no-readme", site=site)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("takopi-engine-acme 0.3.0\n")
    assert any(
        line.strip().startswith("x ") and "[extra e]" in line for line in proc.stdout.splitlines()
    )
    assert "README" not in proc.stdout


def test_info_json(site: Path, takopi: InProcessCli) -> None:
    _site(site)
    proc = takopi("plugins", "info", "takopi-engine-acme", "--json", site=site)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["name"] == "takopi-engine-acme" and data["python_ok"] is False
    states = {d["name"]: d["state"] for d in data["dependencies"]}
    assert states == {
        "dep-ok": "installed",
        "dep-old": "wrong version",
        "dep-absent": "missing",
        "takopi": "missing",
    }
    assert data["takopi"]["specifier"] == ">=0.14,<0.15"
    assert data["readme"]["kind"] == "markdown"


def test_info_on_an_unknown_name_says_what_to_do(site: Path, takopi: InProcessCli) -> None:
    proc = takopi("plugins", "info", "no-such-plugin", site=site)
    assert proc.returncode == 2
    assert "no distribution named 'no-such-plugin'" in proc.stderr
    assert "`takopi plugins` lists" in proc.stderr


def test_info_finds_a_dist_info_folder_named_unlike_its_distribution(
    site: Path, takopi: InProcessCli
) -> None:
    info = write_dist(
        site,
        Dist(
            name="takopi-engine-odd", version="2.0", entry_points={ENGINE_GROUP: {"odd": "odd:B"}}
        ),
    )
    info.rename(site / "renamed_folder-2.0.dist-info")
    for name in ("takopi-engine-odd", "odd"):
        proc = takopi("plugins", "info", name, "--no-readme", site=site)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("takopi-engine-odd 2.0\n")
