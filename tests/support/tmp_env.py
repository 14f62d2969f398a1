"""A throwaway Python environment to install into, and real wheels to install.

Install, update and remove act on "the environment being inspected" (``--python PATH``).
Tests must never install into the project's own ``.venv``, so they make a fresh venv:

- :func:`make_env` runs ``python -m venv --without-pip DIR`` (50 ms instead of the 6 s
  ``ensurepip`` takes), links this venv's pip into it (so ``DIR/bin/python -m pip`` runs
  from that environment's site-packages and installs there), and writes
  ``_takopi_host.pth``, which adds this project's ``.venv`` site-packages *after* the
  env's own (``site.addsitedir``, so the editable install's finder runs too):
  ``DIR/bin/python -m takopi_core ...`` then works, with tomlkit, textual and the
  built-ins' entry points, while everything pip installs
  lands in ``DIR`` only.
- :func:`build_wheel` writes a real wheel (zip, ``WHEEL``, ``METADATA``,
  ``entry_points.txt``, ``RECORD`` with sha256 hashes, per the wheel spec) for a small
  plugin distribution; pip installs it from the file (``--no-index``). Written here rather
  than by ``pip wheel``: the venv's setuptools (65) has no ``bdist_wheel`` without the
  ``wheel`` package, and build isolation would fetch setuptools from the network.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

#: This project's own environment's site-packages (where its dependencies are installed).
HOST_SITE = Path(sysconfig.get_paths()["purelib"])


@dataclass(frozen=True)
class TmpEnv:
    """A fresh venv: its folder, interpreter and site-packages."""

    root: Path
    python: Path
    site_packages: Path

    def run(
        self,
        *args: str,
        timeout: float = 60,
        env: dict[str, str] | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """``DIR/bin/python ARGS``, text output captured."""
        return subprocess.run(
            [str(self.python), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
            input=input,
        )

    def pip_install(self, *targets: str | Path) -> subprocess.CompletedProcess[str]:
        """Install local wheels with no index and no dependencies (what tests need)."""
        return self.run("-m", "pip", "install", "--no-deps", "--no-index", *map(str, targets))

    def has_distribution(self, name: str) -> bool:
        """Whether a ``NAME-*.dist-info`` folder is in the env's own site-packages."""
        stem = name.replace("-", "_").lower()
        return any(
            info.name.lower().startswith(stem + "-")
            for info in self.site_packages.glob("*.dist-info")
        )


def make_env(root: Path, *, uv_marker: bool = False, with_pip: bool = True) -> TmpEnv:
    """A venv at ``root`` that has pip and sees takopi_core (see the module docstring).

    ``uv_marker`` writes ``uv = 0.0.0`` into its pyvenv.cfg, as uv does for its venvs;
    ``with_pip=False`` leaves pip out (uv's venvs have none), and then the host's
    site-packages is not added either, so pip cannot be imported there at all.
    """
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=60
    )
    python = root / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
    )
    if not with_pip:
        if uv_marker:
            with (root / "pyvenv.cfg").open("a", encoding="utf-8") as config:
                config.write("uv = 0.0.0\n")
        return TmpEnv(root, python, site_packages)
    for item in HOST_SITE.iterdir():
        if item.name == "pip" or (item.name.startswith("pip-") and item.suffix == ".dist-info"):
            # A link, not a copy: pip runs from the env's own site-packages (so it installs
            # there) without copying its ~1,000 files for every env.
            (site_packages / item.name).symlink_to(item, target_is_directory=True)
    (site_packages / "_takopi_host.pth").write_text(
        f"import site; site.addsitedir({str(HOST_SITE)!r})\n", encoding="utf-8"
    )
    if uv_marker:
        with (root / "pyvenv.cfg").open("a", encoding="utf-8") as config:
            config.write("uv = 0.0.0\n")
    return TmpEnv(root, python, site_packages)


@dataclass
class WheelSpec:
    """A plugin distribution to pack as a wheel: name, version, entry points and modules."""

    name: str
    version: str = "1.0.0"
    #: group -> {entry-point name: "module:attr"}
    entry_points: dict[str, dict[str, str]] = field(default_factory=dict)
    #: path inside the wheel (``pkg/__init__.py``) -> text
    files: dict[str, str] = field(default_factory=dict)
    summary: str = "A test plugin"
    requires: list[str] = field(default_factory=list)
    requires_python: str | None = None


def build_wheel(out_dir: Path, spec: WheelSpec) -> Path:
    """Write ``spec`` as ``NAME-VERSION-py3-none-any.whl`` into ``out_dir``; its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = spec.name.replace("-", "_")
    info = f"{stem}-{spec.version}.dist-info"
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {spec.name}",
        f"Version: {spec.version}",
        f"Summary: {spec.summary}",
        *(f"Requires-Dist: {req}" for req in spec.requires),
        *([f"Requires-Python: {spec.requires_python}"] if spec.requires_python else []),
    ]
    entry_lines: list[str] = []
    for group, points in spec.entry_points.items():
        entry_lines.append(f"[{group}]")
        entry_lines.extend(f"{name} = {value}" for name, value in points.items())
        entry_lines.append("")
    contents: dict[str, bytes] = {path: text.encode() for path, text in spec.files.items()}
    contents[f"{info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    contents[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tests.support.tmp_env\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    contents[f"{info}/entry_points.txt"] = "\n".join(entry_lines).encode()
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in contents.items()]
    record.append(f"{info}/RECORD,,")
    contents[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = out_dir / f"{stem}-{spec.version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
    return wheel


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def engine_wheel(out_dir: Path, name: str, engine_id: str, version: str = "1.0.0") -> Path:
    """A wheel of a distribution with one engine plugin that loads and validates."""
    module = name.replace("-", "_")
    source = (
        "from takopi.api import EngineBackend\n\n"
        "def _build_runner(engine_config, config_path):\n"
        "    raise RuntimeError('a test engine: never run')\n\n"
        f"BACKEND = EngineBackend(id={engine_id!r}, build_runner=_build_runner, cli_cmd='sh')\n"
    )
    return build_wheel(
        out_dir,
        WheelSpec(
            name=name,
            version=version,
            entry_points={"takopi.engine_backends": {engine_id: f"{module}:BACKEND"}},
            files={f"{module}/__init__.py": source},
        ),
    )


def simple_index(root: Path, wheels: Path) -> Path:
    """A package index (PEP 503 "simple" pages) over the wheels in ``wheels``, at ``root``.

    Each link carries ``data-requires-python`` from its wheel's metadata, as a real index
    does, so pip leaves out releases the environment's Python does not meet (with
    ``--find-links`` it cannot know before downloading). Point pip at it with
    ``PIP_INDEX_URL=root.as_uri()``; pages are rewritten on each call (new wheels show).
    """
    import html
    from email.parser import Parser

    projects: dict[str, list[str]] = {}
    for wheel in sorted(wheels.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            [meta] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
            headers = Parser().parsestr(archive.read(meta).decode(), headersonly=True)
        name = str(headers["Name"]).lower().replace("_", "-").replace(".", "-")
        requires = headers["Requires-Python"]
        attribute = f' data-requires-python="{html.escape(requires)}"' if requires else ""
        projects.setdefault(name, []).append(
            f'<a href="{wheel.as_uri()}"{attribute}>{wheel.name}</a><br>'
        )
    for name, links in projects.items():
        page = root / name
        page.mkdir(parents=True, exist_ok=True)
        (page / "index.html").write_text(
            "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n",
            encoding="utf-8",
        )
    return root
