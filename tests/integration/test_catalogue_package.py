"""The catalogue ships: setuptools' build (build_py, what a wheel is made from) copies it.

The build runs on a copy of the sources in a temporary folder, so it never writes build/ or
*.egg-info into the working tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from support.paths import REPO_ROOT

_BUILD = (
    "import sys; sys.argv = ['setup.py', '-q', 'build_py', '--build-lib', sys.argv[1]]\n"
    "from setuptools import setup; setup()\n"
)


def _build(tmp_path: Path, pyproject: str) -> Path:
    source = tmp_path / "src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("takopi_core", "takopi_tui", "takopi"):
        shutil.copytree(REPO_ROOT / package, source / package, ignore=ignore)
    shutil.copy(REPO_ROOT / "README.md", source / "README.md")
    (source / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    lib = tmp_path / "lib"
    done = subprocess.run(
        [sys.executable, "-c", _BUILD, str(lib)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return lib


def test_the_build_ships_the_catalogue(tmp_path: Path) -> None:
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lib = _build(tmp_path, pyproject)
    shipped = lib / "takopi_core" / "plugins" / "catalogue.json"
    assert shipped.read_bytes() == (REPO_ROOT / "takopi_core/plugins/catalogue.json").read_bytes()


def test_without_the_package_data_line_it_would_not(tmp_path: Path) -> None:
    # The check above can fail: the same build without the line leaves the file out.
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    line = '"takopi_core.plugins" = ["catalogue.json"]\n'
    assert line in pyproject
    lib = _build(tmp_path, pyproject.replace(line, ""))
    assert (lib / "takopi_core" / "plugins" / "catalogue.py").is_file()
    assert not (lib / "takopi_core" / "plugins" / "catalogue.json").exists()
