"""Planning pip/uv commands: argv, uv detection, refused names, the package index's answers.

uv detection uses a real folder laid out as a venv (``bin/python``, ``pyvenv.cfg``) and a
fake ``uv`` on PATH that logs its argv when the planned command is run. latest_versions runs
a fake ``python`` script that answers ``-m pip index versions NAME`` as pip does.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from takopi_core.plugins.install import (
    InstallError,
    latest_versions,
    parse_index_versions,
    plan_install,
    plan_remove,
    plan_update,
    stream,
    updates_available,
    uses_uv,
)


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _venv_folder(root: Path, *, uv: bool) -> Path:
    """A folder shaped like a venv whose python is this interpreter (a symlink)."""
    (root / "bin").mkdir(parents=True)
    python = root / "bin" / "python"
    python.symlink_to(sys.executable)
    lines = ["home = /usr/bin", "include-system-site-packages = false", "version = 3.11.7"]
    if uv:
        lines.append("uv = 0.5.11")
    (root / "pyvenv.cfg").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return python


@pytest.fixture
def fake_uv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``uv`` on PATH that writes its argv (JSON) to a log file and says so."""
    log = tmp_path / "uv-argv.json"
    _script(
        tmp_path / "tools" / "uv",
        "import json, sys\n"
        f"open({str(log)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        "print('Resolved 1 package')\n",
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'tools'}{os.pathsep}{os.environ['PATH']}")
    return log


def test_pip_commands_for_a_plain_venv(tmp_path: Path) -> None:
    python = str(_venv_folder(tmp_path / "env", uv=False))
    install = plan_install(["takopi-ralph", "takopi-cron>=0.1"], python)
    assert install.tool == "pip"
    assert install.argv == (python, "-m", "pip", "install", "takopi-ralph", "takopi-cron>=0.1")
    assert install.display() == f"{python} -m pip install takopi-ralph 'takopi-cron>=0.1'"
    update = plan_update(["takopi-ralph"], python)
    assert update.argv == (python, "-m", "pip", "install", "--upgrade", "takopi-ralph")
    remove = plan_remove(["takopi-ralph"], python)
    assert remove.argv == (python, "-m", "pip", "uninstall", "-y", "takopi-ralph")
    assert (install.action, update.action, remove.action) == ("install", "update", "remove")


def test_a_uv_venv_without_uv_on_path_gets_pip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = str(_venv_folder(tmp_path / "env", uv=True))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert not uses_uv(python)
    assert plan_install(["takopi-ralph"], python).tool == "pip"


def test_a_uv_venv_gets_uv_pip_and_the_command_runs_as_planned(
    tmp_path: Path, fake_uv: Path
) -> None:
    python = str(_venv_folder(tmp_path / "env", uv=True))
    assert uses_uv(python)
    command = plan_install(["takopi-ralph"], python)
    assert command.tool == "uv"
    assert command.argv[1:] == ("pip", "install", "--python", python, "takopi-ralph")
    assert command.display().split()[0].endswith("/uv")
    result = stream(command).wait()
    assert result.ok and result.lines == ("Resolved 1 package",)
    assert json.loads(fake_uv.read_text()) == ["pip", "install", "--python", python, "takopi-ralph"]
    remove = plan_remove(["takopi-ralph"], python)
    assert remove.argv[1:] == ("pip", "uninstall", "--python", python, "takopi-ralph")
    update = plan_update(["takopi-ralph"], python)
    assert update.argv[1:] == ("pip", "install", "--upgrade", "--python", python, "takopi-ralph")


@pytest.mark.parametrize(
    "name", ["--index-url=https://evil.example/simple", "-e", "-r/etc/passwd", "--user"]
)
@pytest.mark.parametrize("plan", [plan_install, plan_update, plan_remove])
def test_options_are_refused_not_passed_to_pip(plan, name: str) -> None:
    with pytest.raises(InstallError, match="looks like an option"):
        plan([name], sys.executable)


@pytest.mark.parametrize("name", ["not a name!", "takopi-ralph >= = 1", "", "   ", "a;b"])
def test_invalid_requirements_are_refused(name: str) -> None:
    with pytest.raises(InstallError):
        plan_install([name], sys.executable)


@pytest.mark.parametrize("name", ["takopi-tui", "Takopi_TUI", "takopi.tui>=0.1"])
def test_removing_takopi_tui_itself_is_refused(name: str) -> None:
    with pytest.raises(InstallError, match="refusing to remove takopi-tui"):
        plan_remove(["takopi-ralph", name], sys.executable)


def test_installing_upstream_takopi_is_refused() -> None:
    with pytest.raises(InstallError, match="upstream Takopi"):
        plan_install(["takopi==0.23"], sys.executable)


def test_no_names_is_refused_for_install_and_remove() -> None:
    with pytest.raises(InstallError, match="name at least one"):
        plan_install([], sys.executable)
    with pytest.raises(InstallError, match="name at least one"):
        plan_remove([], sys.executable)


def test_local_wheels_and_project_folders_install_by_path(tmp_path: Path) -> None:
    wheel = tmp_path / "demo pkg" / "takopi_demo-1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"PK")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    command = plan_install([str(wheel), str(project)], sys.executable)
    assert command.names == (str(wheel), str(project))
    assert f"'{wheel}'" in command.display()  # the space is quoted for the shell
    # A folder that is not a project, and a path that does not exist, are not names.
    (tmp_path / "empty").mkdir()
    with pytest.raises(InstallError, match="not a valid requirement"):
        plan_install([str(tmp_path / "empty")], sys.executable)


def test_update_without_names_needs_installed_plugins(tmp_path: Path) -> None:
    # This interpreter's environment has only takopi-tui's built-ins: nothing to update.
    with pytest.raises(InstallError, match="no plugin distributions are installed"):
        plan_update([], sys.executable)


# --- the package index ---------------------------------------------------------------------

PIP_INDEX_OUTPUT = """\
WARNING: pip index is currently an experimental command.
takopi-ralph (0.3.0)
Available versions: 0.3.0, 0.2.0
"""


def test_parse_index_versions() -> None:
    assert parse_index_versions(PIP_INDEX_OUTPUT, "takopi-ralph") == "0.3.0"
    assert parse_index_versions(PIP_INDEX_OUTPUT, "Takopi_Ralph") == "0.3.0"
    assert parse_index_versions(PIP_INDEX_OUTPUT, "takopi-cron") is None
    assert parse_index_versions("ERROR: No matching distribution found", "x") is None


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    """A ``python`` answering ``-m pip index versions NAME`` from a table; ``hang`` never
    answers, ``broken`` fails. Every name first waits (up to 10 s) until the three names
    ``a b c`` have all started: answered only when the children run at the same time."""
    started = tmp_path / "started"
    started.mkdir()
    return _script(
        tmp_path / "fake" / "python",
        "import os, sys, time\n"
        "assert sys.argv[1:5] == ['-m', 'pip', 'index', 'versions'], sys.argv\n"
        "name = sys.argv[5]\n"
        f"started = {str(started)!r}\n"
        "open(os.path.join(started, name), 'w').close()\n"
        "if name in 'abc':\n"
        "    deadline = time.monotonic() + 10\n"
        "    while len(set(os.listdir(started)) & set('abc')) < 3:\n"
        "        if time.monotonic() > deadline: sys.exit(3)\n"
        "        time.sleep(0.02)\n"
        "versions = {'a': '1.0', 'b': '2.0rc1', 'c': '0.3.0', 'takopi-ralph': '0.3.0'}\n"
        "if name == 'hang': time.sleep(60)\n"
        "if name == 'broken':\n"
        "    print('ERROR: No matching distribution found for broken', file=sys.stderr)\n"
        "    sys.exit(1)\n"
        "print('WARNING: pip index is currently an experimental command.', file=sys.stderr)\n"
        "print(f'{name} ({versions[name]})')\n"
        "print('Available versions: ' + versions[name])\n",
    )


def test_latest_versions_asks_in_parallel(fake_python: Path) -> None:
    answers = latest_versions(["a", "b", "c"], str(fake_python), timeout=8)
    assert answers == {"a": "1.0", "b": "2.0rc1", "c": "0.3.0"}


def test_latest_versions_unknown_is_none(fake_python: Path) -> None:
    answers = latest_versions(
        ["takopi-ralph", "broken", "hang", "--evil"], str(fake_python), timeout=1
    )
    assert answers == {"takopi-ralph": "0.3.0", "broken": None, "hang": None, "--evil": None}


def test_latest_versions_of_a_missing_interpreter_is_none(tmp_path: Path) -> None:
    assert latest_versions(["takopi-ralph"], str(tmp_path / "nope" / "python")) == {
        "takopi-ralph": None
    }


def test_updates_available() -> None:
    installed = {"Takopi_Ralph": "0.2.0", "takopi-cron": "0.1.0", "takopi-party": "1.0", "x": "?"}
    latest = {"takopi-ralph": "0.3.0", "takopi-cron": "0.1.0", "takopi-party": None, "x": "2"}
    assert updates_available(installed, latest) == {"Takopi_Ralph"}
    assert updates_available({"a": "1.0"}, {"a": "1.0rc1"}) == set()
    assert updates_available({"a": "1.0"}, {"a": "1.0.post1"}) == {"a"}
