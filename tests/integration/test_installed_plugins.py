"""What an interpreter's environment has installed, asked of that interpreter (a real venv)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support.distfactory import Dist, write_dist
from support.tmp_env import WheelSpec, build_wheel, engine_wheel, make_env

from takopi_core.plugins.install import InstallError, plan_update
from takopi_core.plugins.installed import (
    InstalledError,
    InstalledPlugin,
    installed_plugin_details,
    installed_plugins,
    interpreter_version,
)


def test_an_environment_lists_its_plugin_distributions_only(tmp_path: Path) -> None:
    env = make_env(tmp_path / "venv")
    wheels = tmp_path / "wheels"
    both = build_wheel(
        wheels,
        WheelSpec(
            name="takopi-both",
            version="0.3.0",
            entry_points={
                "takopi.engine_backends": {"both": "takopi_both:ENGINE"},
                "takopi.command_backends": {"both": "takopi_both:COMMAND"},
            },
            files={"takopi_both/__init__.py": "raise SystemExit('never imported')\n"},
        ),
    )
    library = build_wheel(wheels, WheelSpec(name="not-a-plugin", files={"nap/__init__.py": ""}))
    demo = engine_wheel(wheels, "takopi-engine-demo", "demo", "1.2.0")
    assert env.pip_install(both, library, demo).returncode == 0
    assert installed_plugin_details(str(env.python)) == {
        "takopi-both": InstalledPlugin("takopi-both", "0.3.0", ("command", "engine")),
        "takopi-engine-demo": InstalledPlugin("takopi-engine-demo", "1.2.0", ("engine",)),
    }
    assert installed_plugins(str(env.python)) == {
        "takopi-both": "0.3.0",
        "takopi-engine-demo": "1.2.0",
    }
    with_own = installed_plugin_details(str(env.python), include_own=True)
    assert set(with_own["takopi-tui"].kinds) == {"engine", "transport"}
    # No names: every installed plugin distribution, takopi-tui left out.
    assert plan_update([], str(env.python)).names == ("takopi-both", "takopi-engine-demo")


def test_a_missing_interpreter_is_reported(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope" / "python")
    with pytest.raises(InstalledError, match="cannot list the distributions of"):
        installed_plugin_details(missing)
    with pytest.raises(InstallError, match="cannot list the distributions of"):
        plan_update([], missing)
    assert interpreter_version(missing) is None


def test_an_interpreter_that_fails_is_reported_with_its_last_line(tmp_path: Path) -> None:
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'Fatal Python error: init failed' >&2\nexit 1\n")
    broken.chmod(0o755)
    with pytest.raises(InstalledError, match=r"\(exit 1\): Fatal Python error: init failed"):
        installed_plugin_details(str(broken))


def test_interpreter_version(tmp_path: Path) -> None:
    env = make_env(tmp_path / "venv", with_pip=False)
    assert interpreter_version(str(env.python)) == sys.version.split()[0]
    assert interpreter_version(sys.executable) == sys.version.split()[0]


def test_update_of_everything_never_puts_a_hostile_name_on_the_command_line(
    tmp_path: Path,
) -> None:
    # Metadata is written by whoever made the distribution: a Name that is a pip option.
    env = make_env(tmp_path / "venv", with_pip=False)
    demo = {"takopi.engine_backends": {"demo": "demo:BACKEND"}}
    write_dist(env.site_packages, Dist(name="--index-url=evil", entry_points=demo))
    write_dist(env.site_packages, Dist(name="takopi-fine", entry_points=demo))
    assert "--index-url=evil" in installed_plugins(str(env.python))
    command = plan_update([], str(env.python))
    assert command.names == ("takopi-fine",)
    assert not any(arg.startswith("--index-url") for arg in command.argv)
