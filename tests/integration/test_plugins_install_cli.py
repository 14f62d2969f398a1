"""`takopi plugins install|update|remove|catalogue` against a real, fresh venv.

Each test gets its own venv (support.tmp_env.make_env, ~0.3 s) as the environment being
inspected (``--python``), and a folder of real wheels that pip uses as its only package
index (``PIP_NO_INDEX`` + ``PIP_FIND_LINKS``, config files off), so installing by name and
``pip index versions`` work offline. Nothing is ever installed into the project's .venv.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from support.cli import InProcessCli
from support.pty_session import PtySession
from support.tmp_env import (
    TmpEnv,
    WheelSpec,
    build_wheel,
    engine_wheel,
    make_env,
    simple_index,
)

DEMO = "takopi-engine-demo"


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    engine_wheel(folder, DEMO, "demo", "1.0.0")
    engine_wheel(folder, DEMO, "demo", "2.0.0")
    build_wheel(
        folder,
        WheelSpec(
            name="takopi-broken",
            entry_points={"takopi.command_backends": {"broken": "takopi_broken:BACKEND"}},
            files={"takopi_broken/__init__.py": "import takopi_missing_dependency\n"},
        ),
    )
    return folder


@pytest.fixture
def env(tmp_path: Path) -> TmpEnv:
    return make_env(tmp_path / "venv")


@pytest.fixture
def index_root(tmp_path: Path) -> Path:
    return tmp_path / "simple"


@pytest.fixture
def pip_env(wheels: Path, index_root: Path) -> dict[str, str]:
    """pip settings for the commands' children: a local index of the wheel folder is the
    whole package index (config files off, so no other index or constraint applies)."""
    simple_index(index_root, wheels)
    return {
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_INDEX_URL": index_root.as_uri(),
        "PIP_FIND_LINKS": "",
    }


def _enabled_list(config_path: Path, names: list[str]) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    listed = ", ".join(f'"{name}"' for name in names)
    config_path.write_text(f"[plugins]\nenabled = [{listed}]  # kept\n", encoding="utf-8")


def test_without_a_terminal_or_yes_it_refuses_and_runs_nothing(
    takopi: InProcessCli, env: TmpEnv, pip_env: dict[str, str]
) -> None:
    proc = takopi("plugins", "install", "--python", str(env.python), DEMO, env=pip_env)
    assert proc.returncode == 2
    assert f"$ {env.python} -m pip install {DEMO}\n" in proc.stdout
    assert "stdin is not a terminal. Add --yes to run it." in proc.stderr
    assert not env.has_distribution(DEMO)


def test_install_by_name_checks_the_plugin_and_offers_to_enable_it(
    takopi: InProcessCli, env: TmpEnv, pip_env: dict[str, str], config_path: Path
) -> None:
    _enabled_list(config_path, ["takopi"])
    before = config_path.read_text()
    proc = takopi("plugins", "install", "--python", str(env.python), "--yes", DEMO, env=pip_env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "  Successfully installed takopi-engine-demo-2.0.0" in out  # pip's own line
    assert f"installed: {DEMO} 2.0.0\n" in out
    assert f"  engine demo ({DEMO}): ok, not enabled\n" in out
    assert f"Enable it: takopi plugins enable {DEMO}\n" in out
    assert env.has_distribution(DEMO)
    assert config_path.read_text() == before  # offered, not done


def test_yes_enable_adds_it_to_the_enabled_list(
    takopi: InProcessCli, env: TmpEnv, pip_env: dict[str, str], config_path: Path
) -> None:
    _enabled_list(config_path, ["takopi"])
    proc = takopi(
        "plugins", "install", "--python", str(env.python), "--yes", "--enable", DEMO, env=pip_env
    )
    assert proc.returncode == 0, proc.stderr
    assert "Enable it:" not in proc.stdout
    assert config_path.read_text() == f'[plugins]\nenabled = ["takopi", "{DEMO}"]  # kept\n'
    listing = env.run("-m", "takopi_core", "plugins", env={**os.environ})
    assert f"demo ({DEMO})" in listing.stdout and "disabled" not in listing.stdout


def test_without_an_enabled_list_nothing_is_offered(
    takopi: InProcessCli, env: TmpEnv, pip_env: dict[str, str]
) -> None:
    proc = takopi("plugins", "install", "--python", str(env.python), "-y", DEMO, env=pip_env)
    assert proc.returncode == 0, proc.stderr
    assert f"  engine demo ({DEMO}): ok\n" in proc.stdout
    assert "takopi plugins enable" not in proc.stdout and "does not list" not in proc.stdout


def test_a_plugin_that_fails_its_check_is_reported_with_exit_1(
    takopi: InProcessCli, env: TmpEnv, pip_env: dict[str, str], wheels: Path
) -> None:
    wheel = next(wheels.glob("takopi_broken-*.whl"))
    proc = takopi("plugins", "install", "--python", str(env.python), "-y", str(wheel), env=pip_env)
    assert proc.returncode == 1
    assert "installed: takopi-broken 1.0.0\n" in proc.stdout
    assert "  command broken (takopi-broken): error: " in proc.stdout
    assert "takopi_missing_dependency" in proc.stdout


def test_pip_failing_is_exit_1_and_a_catalogue_plugin_needing_newer_python_is_warned(
    takopi: InProcessCli, env: TmpEnv, pip_env: dict[str, str]
) -> None:
    proc = takopi(
        "plugins", "install", "--python", str(env.python), "-y", "takopi-ralph", env=pip_env
    )
    assert proc.returncode == 1
    assert "warning: takopi-ralph declares Requires-Python >=3.14" in proc.stdout
    assert "No matching distribution found for takopi-ralph" in proc.stdout
    assert "error: pip exited with status 1; nothing was checked" in proc.stderr


def test_update_without_names_marks_and_upgrades_the_outdated(
    takopi: InProcessCli,
    env: TmpEnv,
    pip_env: dict[str, str],
    wheels: Path,
    tmp_path: Path,
    index_root: Path,
) -> None:
    assert env.pip_install(next(wheels.glob("takopi_engine_demo-1.0.0-*.whl"))).returncode == 0
    # Installed at 1.0.0; its only newer release (2.0.0, below) needs a Python from the future.
    future = "takopi-future"
    points = {"takopi.command_backends": {"future": "takopi_future:BACKEND"}}
    files = {"takopi_future/__init__.py": ""}
    old = WheelSpec(name=future, entry_points=points, files=files)
    new = WheelSpec(
        name=future, version="2.0.0", entry_points=points, files=files, requires_python=">=3.99"
    )
    assert env.pip_install(build_wheel(tmp_path / "old", old)).returncode == 0
    simple_index(index_root, build_wheel(tmp_path / "new", new).parent)
    proc = takopi("plugins", "update", "--python", str(env.python), "--yes", env=pip_env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"* {DEMO}  1.0.0 -> 2.0.0\n" in out
    assert f"  {future:<{len(DEMO)}}  1.0.0  (2.0.0 needs a newer Python)\n" in out
    assert f"$ {env.python} -m pip install --upgrade {DEMO}\n" in out
    assert f"updated: {DEMO} 2.0.0 (was 1.0.0)\n" in out
    assert f"  engine demo ({DEMO}): ok\n" in out
    again = takopi("plugins", "update", "--python", str(env.python), "--yes", env=pip_env)
    assert again.returncode == 0
    assert f"  {DEMO}  2.0.0  up to date\n" in again.stdout
    assert "nothing to update" in again.stdout and "$ " not in again.stdout
    named = takopi("plugins", "update", "--python", str(env.python), "-y", DEMO, env=pip_env)
    assert named.returncode == 0, named.stderr
    assert f"unchanged: {DEMO} 2.0.0\n" in named.stdout


def test_remove_uninstalls_and_refuses_takopi_tui_and_options(
    takopi: InProcessCli, env: TmpEnv, pip_env: dict[str, str], wheels: Path, config_path: Path
) -> None:
    _enabled_list(config_path, ["takopi", DEMO])
    assert env.pip_install(next(wheels.glob("takopi_engine_demo-2.0.0-*.whl"))).returncode == 0
    python = str(env.python)
    refused = takopi("plugins", "remove", "--python", python, "-y", DEMO, "takopi-tui")
    assert refused.returncode == 2 and "refusing to remove takopi-tui" in refused.stderr
    option = takopi("plugins", "install", "--python", python, "-y", "--", "--index-url=x")
    assert option.returncode == 2 and "looks like an option" in option.stderr
    library = takopi("plugins", "remove", "--python", python, "-y", "tomlkit")
    assert library.returncode == 2
    assert f"tomlkit is not a plugin distribution installed for {python}" in library.stderr
    assert f"; installed plugin distributions: {DEMO}." in library.stderr
    not_installed = takopi("plugins", "update", "--python", python, "-y", "takopi-cron")
    assert not_installed.returncode == 2
    assert "To install it: takopi plugins install takopi-cron" in not_installed.stderr
    assert env.has_distribution(DEMO)
    proc = takopi("plugins", "remove", "--python", python, "-y", DEMO, env=pip_env)
    assert proc.returncode == 0, proc.stderr
    assert f"$ {python} -m pip uninstall -y {DEMO}\n" in proc.stdout
    assert f"removed: {DEMO} 2.0.0\n" in proc.stdout
    assert f"still lists {DEMO}; take it off with: takopi plugins disable {DEMO}\n" in proc.stdout
    assert not env.has_distribution(DEMO)


def test_a_missing_interpreter_is_a_usage_error(takopi: InProcessCli, tmp_path: Path) -> None:
    proc = takopi("plugins", "install", "--python", str(tmp_path / "nope"), "-y", DEMO)
    assert proc.returncode == 2
    assert "cannot list the distributions of" in proc.stderr


def test_the_catalogue_marks_what_the_environment_has(
    takopi: InProcessCli, env: TmpEnv, tmp_path: Path
) -> None:
    # A stand-in distribution named like a catalogue entry, installed for real.
    fake_cron = build_wheel(
        tmp_path / "w",
        WheelSpec(
            name="takopi-cron",
            version="9.9",
            entry_points={"takopi.command_backends": {"cron": "takopi_cron:BACKEND"}},
            files={"takopi_cron/__init__.py": ""},
        ),
    )
    assert env.pip_install(fake_cron).returncode == 0
    proc = takopi("plugins", "catalogue", "cron", "--python", str(env.python))
    assert proc.returncode == 0
    assert proc.stdout.startswith("takopi-cron  [command cron]  (installed 9.9)\n")
    assert f"    needs Python >=3.14: this is Python {sys.version.split()[0]}\n" in proc.stdout
    assert "takopi plugins install --python PATH takopi-cron" in proc.stdout
    as_json = takopi("plugins", "catalogue", "--json", "--python", str(env.python), "cron")
    [item] = json.loads(as_json.stdout)
    assert item == {
        "name": "takopi-cron",
        "published": True,
        "plugins": {"command": ["cron"]},
        "summary": item["summary"],
        "requires_python": ">=3.14",
        "python_ok": False,
        "homepage": "https://takopi.dev",
        "installed": "9.9",
    }
    missing = takopi("plugins", "search", "smithers")
    assert "takopi-smithers  [kind unknown]  (not on the package index)" in missing.stdout
    none = takopi("plugins", "catalogue", "zzz-nothing")
    assert none.returncode == 1 and "no published plugin matches 'zzz-nothing'" in none.stdout


def test_at_a_terminal_it_asks_and_no_runs_nothing(
    env: TmpEnv, pip_env: dict[str, str], config_path: Path
) -> None:
    argv = [sys.executable, "-m", "takopi_core", "plugins", "install", "--python"]
    child_env = {**os.environ, **pip_env}
    session = PtySession([*argv, str(env.python), DEMO], env=child_env)
    try:
        session.expect(r"Run it\? \[y/N\]")
        session.send("n\r")
        session.expect("nothing run")
        assert session.wait() == 0
    finally:
        session.close()
    assert not env.has_distribution(DEMO)
    session = PtySession([*argv, str(env.python), DEMO], env=child_env)
    try:
        session.expect(r"Run it\? \[y/N\]")
        session.send("y\r")
        session.expect(f"engine demo \\({DEMO}\\): ok")
        assert session.wait() == 0
    finally:
        session.close()
    assert env.has_distribution(DEMO)


def test_latest_versions_for_an_environment_without_pip(
    tmp_path: Path, pip_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # uv makes venvs without pip: the index is asked through this interpreter's pip, with
    # that environment's Python version.
    from takopi_core.plugins.install import latest_versions

    bare = make_env(tmp_path / "bare", with_pip=False)
    assert "No module named pip" in bare.run("-m", "pip", "--version").stderr
    for name, value in pip_env.items():
        monkeypatch.setenv(name, value)
    assert latest_versions([DEMO, "takopi-nope"], str(bare.python)) == {
        DEMO: "2.0.0",
        "takopi-nope": None,
    }


def _fake_uv(folder: Path, pid_file: Path) -> Path:
    """A ``uv`` that does ``uv pip install|uninstall --python PY NAME...`` with PY's own pip;
    the name ``takopi-slow`` makes it write its pid and wait (a download that never ends)."""
    script = folder / "uv"
    folder.mkdir(parents=True, exist_ok=True)
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys, time\n"
        "args = sys.argv[1:]\n"
        "assert args[0] == 'pip', args\n"
        "python = args[args.index('--python') + 1]\n"
        "rest = [a for a in args[1:] if a not in ('--python', python)]\n"
        "if 'takopi-slow' in rest:\n"
        f"    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "    print('Resolving takopi-slow', flush=True)\n"
        "    time.sleep(60)\n"
        "if rest[0] == 'uninstall': rest.insert(1, '-y')\n"
        "os.execv(python, [python, '-m', 'pip', *rest])\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def test_a_uv_environment_is_managed_with_uv(
    takopi: InProcessCli, tmp_path: Path, pip_env: dict[str, str]
) -> None:
    uv_env = make_env(tmp_path / "uv-venv", uv_marker=True)
    uv = _fake_uv(tmp_path / "tools", tmp_path / "uv.pid")
    path = f"{uv.parent}{os.pathsep}{os.environ['PATH']}"
    python = str(uv_env.python)
    proc = takopi(
        "plugins", "install", "--python", python, "-y", DEMO, env={**pip_env, "PATH": path}
    )
    assert proc.returncode == 0, proc.stderr
    assert f"$ {uv} pip install --python {python} {DEMO}\n" in proc.stdout
    assert f"  engine demo ({DEMO}): ok\n" in proc.stdout
    proc = takopi(
        "plugins", "remove", "--python", python, "-y", DEMO, env={**pip_env, "PATH": path}
    )
    assert proc.returncode == 0, proc.stderr
    assert f"$ {uv} pip uninstall --python {python} {DEMO}\n" in proc.stdout
    assert not uv_env.has_distribution(DEMO)


def test_ctrl_c_stops_the_installer_and_its_process_group(
    tmp_path: Path, pip_env: dict[str, str]
) -> None:
    uv_env = make_env(tmp_path / "uv-venv", uv_marker=True)
    pid_file = tmp_path / "uv.pid"
    uv = _fake_uv(tmp_path / "tools", pid_file)
    child_env = {**os.environ, **pip_env, "PATH": f"{uv.parent}{os.pathsep}{os.environ['PATH']}"}
    argv = [sys.executable, "-m", "takopi_core", "plugins", "install", "-y", "takopi-slow"]
    session = PtySession([*argv, "--python", str(uv_env.python)], env=child_env)
    try:
        session.expect("Resolving takopi-slow")
        installer = int(pid_file.read_text())
        session.send("\x03")
        assert session.wait() == 130
    finally:
        session.close()
    deadline = time.monotonic() + 5
    while _alive(installer) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(installer)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except OSError:
        return False


def test_a_new_plugins_error_does_not_show_config_secrets(
    takopi: InProcessCli, env: TmpEnv, pip_env: dict[str, str], tmp_path: Path, config_path: Path
) -> None:
    secret = "xoxb-sekrit-0123456789"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(f'[transports.leaky]\nbot_token = "{secret}"\n', encoding="utf-8")
    leaky = build_wheel(
        tmp_path / "w",
        WheelSpec(
            name="takopi-leaky",
            entry_points={"takopi.command_backends": {"leaky": "takopi_leaky:BACKEND"}},
            files={
                "takopi_leaky/__init__.py": (
                    "import os, re\n"
                    "text = open(os.environ['TAKOPI_CONFIG']).read()\n"
                    "token = re.search(r'bot_token = \"(.*)\"', text).group(1)\n"
                    "raise RuntimeError(f'cannot log in with {token}')\n"
                )
            },
        ),
    )
    proc = takopi("plugins", "install", "--python", str(env.python), "-y", str(leaky), env=pip_env)
    assert proc.returncode == 1
    assert "  command leaky (takopi-leaky): error: " in proc.stdout
    assert "cannot log in with" in proc.stdout
    assert secret not in proc.stdout + proc.stderr


def test_an_environment_without_takopi_tui_is_installed_into_but_says_it_cannot_check(
    takopi: InProcessCli, env: TmpEnv, pip_env: dict[str, str]
) -> None:
    (env.site_packages / "_takopi_host.pth").unlink()  # pip stays; takopi_core goes
    assert "No module named 'takopi_core'" in env.run("-I", "-c", "import takopi_core").stderr
    proc = takopi("plugins", "install", "--python", str(env.python), "-y", DEMO, env=pip_env)
    assert proc.returncode == 1
    assert f"installed: {DEMO} 2.0.0\n" in proc.stdout
    assert f"error: could not check the new plugins with {env.python}: " in proc.stderr
    assert "No module named 'takopi_core'" in proc.stderr
    assert f"`{env.python} -m pip install takopi-tui`" in proc.stderr


def test_installing_a_distribution_without_plugins_says_so(
    takopi: InProcessCli, env: TmpEnv, pip_env: dict[str, str], tmp_path: Path
) -> None:
    library = build_wheel(tmp_path / "w", WheelSpec(name="plain-lib", files={"plain/x.py": ""}))
    proc = takopi(
        "plugins", "install", "--python", str(env.python), "-y", str(library), env=pip_env
    )
    assert proc.returncode == 0, proc.stderr
    assert "Successfully installed plain-lib-1.0.0" in proc.stdout
    assert "no plugin distribution changed: what was installed declares no takopi plugins\n" in (
        proc.stdout
    )
    assert "checking" not in proc.stdout


def test_an_explicit_config_is_the_one_checked_and_named(
    takopi: InProcessCli, env: TmpEnv, pip_env: dict[str, str], tmp_path: Path, config_path: Path
) -> None:
    other = tmp_path / "other.toml"
    _enabled_list(other, ["takopi"])
    _enabled_list(config_path, ["takopi", DEMO])  # the default config: would count as enabled
    proc = takopi(
        "plugins",
        "install",
        "--config",
        str(other),
        "--python",
        str(env.python),
        "-y",
        DEMO,
        env=pip_env,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"  engine demo ({DEMO}): ok, not enabled\n" in proc.stdout
    assert f"Enable it: takopi plugins enable --config {other} {DEMO}\n" in proc.stdout
