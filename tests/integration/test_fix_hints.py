"""Every plugin error says what to do, as a command the user can copy (issue 14, point 5).

Real installed distributions, checked by the real probe (`takopi plugins --load`, a child
process): a missing dependency gives the pip command for the inspected interpreter with the
requirement the distribution declares; a plugin in newer syntax says which Python and how to
get a takopi-tui on it; an upstream-internal import names the module and how to disable the
plugin; a bad or duplicate id says which distribution to disable or uninstall. The same hint
shows in the text listing, in ``--json`` (``"fix"``) and in `takopi doctor`.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, Dist, write_dists
from support.paths import run_takopi

PY = shlex.quote(sys.executable)

BACKEND_TAIL = """

from takopi.api import EngineBackend

BACKEND = EngineBackend(id="{id}", build_runner=lambda config, path: None)
"""


def engine_dist(plugin_id: str, body: str, *, tail: bool = True, **extra: object) -> Dist:
    code = body + (BACKEND_TAIL.format(id=plugin_id) if tail else "")
    return Dist(
        name=f"takopi-engine-{plugin_id}",
        entry_points={ENGINE_GROUP: {plugin_id: f"fx_{plugin_id}.backend:BACKEND"}},
        files={f"fx_{plugin_id}/backend.py": code},
        **extra,  # type: ignore[arg-type]
    )


#: Requires a distribution that is not installed; imports its module (same name, normalised).
DECLARED = engine_dist(
    "declared",
    "import fx_absent_lib\n",
    requires=["fx-absent-lib>=2.1", "pytest; extra == 'dev'"],
)
#: Requires a distribution whose module has another name (like PyYAML's ``yaml``).
RENAMED = engine_dist("renamed", "import fxyaml\n", requires=["FxYAML-Dist>=6"])
#: Imports a module no requirement names.
UNDECLARED = engine_dist("undeclared", "import fx_undeclared_mod\n")
#: Needs a newer release of an installed distribution (its submodule is missing).
PRESENT = Dist(name="fx-present-dist", version="1.0", files={"fx_present/__init__.py": ""})
OUTDATED = engine_dist(
    "outdated", "import fx_present.newer_part\n", requires=["fx-present-dist>=2"]
)
#: Imports a name an installed distribution has only in a newer release than the one installed.
OLD_NAME = engine_dist(
    "oldname", "from fx_present import NewerName\n", requires=["fx-present-dist>=2.5"]
)
#: The entry point names a module the distribution does not contain.
HOLLOW = Dist(
    name="takopi-engine-hollow",
    entry_points={ENGINE_GROUP: {"hollow": "fx_hollow_gone.backend:BACKEND"}},
)
INTERNAL = engine_dist("internal", "from takopi.nonexistent_internal import helper\n")
API_NAME = engine_dist("apiname", "from takopi.api import NotInTheApi\n")
WRONG_TYPE = engine_dist("wrongtype", "BACKEND = 42\n", tail=False)
A_CLASS = engine_dist(
    "aclass",
    "from takopi.api import EngineBackend\n\nclass Backend:\n    pass\n\nBACKEND = Backend\n",
    tail=False,
)
RAISES = engine_dist("raises", "def boom():\n    raise RuntimeError('fx boom')\n\nboom()\n")
BAD_ID = engine_dist("badid", "", tail=True)
BAD_ID.entry_points = {ENGINE_GROUP: {"Bad-Id": "fx_badid.backend:BACKEND"}}
TWIN_A = Dist(
    name="fx-twin-a",
    entry_points={COMMAND_GROUP: {"twin": "fx_twin_a.backend:BACKEND"}},
    files={"fx_twin_a/backend.py": "BACKEND = None\n"},
)
TWIN_B = Dist(
    name="fx-twin-b",
    entry_points={COMMAND_GROUP: {"twin": "fx_twin_b.backend:BACKEND"}},
    files={"fx_twin_b/backend.py": "BACKEND = None\n"},
)

LOAD_FAILURES = (
    DECLARED,
    RENAMED,
    UNDECLARED,
    PRESENT,
    OUTDATED,
    OLD_NAME,
    HOLLOW,
    INTERNAL,
    API_NAME,
)
ALL = (*LOAD_FAILURES, WRONG_TYPE, A_CLASS, RAISES, BAD_ID, TWIN_A, TWIN_B)


@pytest.fixture(scope="module")
def listing(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[dict], str]:
    """`takopi plugins --load` over every broken plugin: (rows by id, all rows, text)."""
    site = tmp_path_factory.mktemp("site")
    home = tmp_path_factory.mktemp("home")
    write_dists(site, *ALL)
    env = {"HOME": str(home), "TAKOPI_CONFIG": str(home / ".takopi" / "takopi.toml")}
    as_json = run_takopi("plugins", "--load", "--json", site=site, env=env)
    assert as_json.returncode == 1, as_json.stderr
    rows = json.loads(as_json.stdout)
    text = run_takopi("plugins", "--load", site=site, env=env)
    assert text.returncode == 1, text.stderr
    by_id = {(str(r["id"]), r["distribution"]): r for r in rows}
    return {key[0]: row for key, row in by_id.items()}, rows, text.stdout


def fix_of(listing: tuple[dict, list[dict], str], plugin_id: str) -> str:
    fix = listing[0][plugin_id].get("fix")
    assert isinstance(fix, str) and fix, listing[0][plugin_id]
    return fix


def test_missing_dependency_installs_the_declared_requirement(listing) -> None:
    assert fix_of(listing, "declared") == f"{PY} -m pip install 'fx-absent-lib>=2.1'"


def test_missing_dependency_under_another_module_name_installs_what_is_declared(listing) -> None:
    # fxyaml is no requirement's name: the missing declared requirement is what to install.
    assert fix_of(listing, "renamed") == f"{PY} -m pip install 'FxYAML-Dist>=6'"


def test_undeclared_module_installs_the_module_name(listing) -> None:
    assert fix_of(listing, "undeclared") == f"{PY} -m pip install fx_undeclared_mod"


def test_missing_part_of_an_installed_distribution_upgrades_it(listing) -> None:
    # fx_present is installed (fx-present-dist 1.0), the plugin requires >=2.
    assert fix_of(listing, "outdated") == f"{PY} -m pip install 'fx-present-dist>=2'"


def test_missing_own_module_reinstalls_the_plugin(listing) -> None:
    fix = fix_of(listing, "hollow")
    assert f"{PY} -m pip install --force-reinstall takopi-engine-hollow" in fix, fix
    assert "pip install fx_hollow_gone" not in fix, fix


def test_upstream_internal_import_names_the_module_and_how_to_disable(listing) -> None:
    fix = fix_of(listing, "internal")
    assert "takopi.nonexistent_internal" in fix and "takopi-tui" in fix, fix
    assert "takopi plugins disable takopi-engine-internal" in fix, fix


def test_name_missing_from_the_api_upgrades_the_host(listing) -> None:
    assert f"{PY} -m pip install --upgrade takopi-tui" in fix_of(listing, "apiname")


def test_wrong_type_says_what_the_object_was(listing) -> None:
    row = listing[0]["wrongtype"]
    assert row["error"] == "fx_wrongtype.backend:BACKEND is not an EngineBackend: it is int 42"
    assert "takopi plugins disable takopi-engine-wrongtype" in fix_of(listing, "wrongtype")


def test_a_class_instead_of_an_instance_says_so(listing) -> None:
    row = listing[0]["aclass"]
    assert "it is the class fx_aclass.backend.Backend" in row["error"], row["error"]
    assert "an instance" in fix_of(listing, "aclass")


def test_a_plugin_that_raises_points_at_its_author_and_disable(listing) -> None:
    fix = fix_of(listing, "raises")
    assert "takopi-engine-raises" in fix and "takopi plugins disable takopi-engine-raises" in fix


def test_bad_id_says_which_distribution_to_disable_or_uninstall(listing) -> None:
    fix = fix_of(listing, "Bad-Id")
    assert "takopi plugins disable takopi-engine-badid" in fix, fix
    assert f"{PY} -m pip uninstall takopi-engine-badid" in fix, fix


def test_duplicate_id_names_each_distribution_not_the_ambiguous_id(listing) -> None:
    twins = [r for r in listing[1] if r["id"] == "twin"]
    assert sorted(r["distribution"] for r in twins) == ["fx-twin-a", "fx-twin-b"]
    for row in twins:
        dist = row["distribution"]
        assert f"takopi plugins disable {dist}" in row["fix"], row
        assert f"{PY} -m pip uninstall {dist}" in row["fix"], row
        assert "disable twin" not in row["fix"], row


def test_ok_rows_have_no_fix(tmp_path: Path, site: Path) -> None:
    write_dists(site, engine_dist("fine", ""))
    done = run_takopi("plugins", "--load", "--json", site=site)
    row = next(r for r in json.loads(done.stdout) if r["id"] == "fine")
    assert row["status"] == "ok" and row["fix"] is None


def test_text_listing_shows_each_fix_under_its_error(listing) -> None:
    lines = listing[2].splitlines()
    start = lines.index("errors:")
    error_lines = lines[start + 1 :]
    declared = next(i for i, line in enumerate(error_lines) if "engine declared" in line)
    assert error_lines[declared + 1] == f"      fix: {PY} -m pip install 'fx-absent-lib>=2.1'"
    fixes = [line for line in error_lines if line.startswith("      fix: ")]
    errors = [line for line in error_lines if line.startswith("  ") and "fix:" not in line]
    assert len(fixes) == len([e for e in errors if not e.startswith("      ")]), listing[2]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="needs a Python without PEP 695")
def test_newer_python_says_which_and_how_to_get_it(site: Path) -> None:
    write_dists(
        site,
        engine_dist("alias", "type Payload = dict[str, object]\n"),
        engine_dist("declared14", "type Payload = dict[str, object]\n", requires_python=">=3.14"),
    )
    done = run_takopi("plugins", "--load", "--json", site=site)
    rows = {r["id"]: r for r in json.loads(done.stdout)}
    alias = rows["alias"]["fix"]
    assert "uv tool install --python 3.12 --with takopi-engine-alias takopi-tui" in alias, alias
    assert "python3.12 -m venv" in alias, alias
    # Requires-Python asks for more than the syntax does: the declared range wins.
    declared = rows["declared14"]["fix"]
    assert "uv tool install --python 3.14 --with takopi-engine-declared14 takopi-tui" in declared


def test_tracebacks_start_at_the_plugins_frames(listing) -> None:
    traceback = str(listing[0]["raises"]["traceback"])
    lines = traceback.splitlines()
    assert lines[0] == "Traceback (most recent call last):", traceback
    assert "fx_raises/backend.py" in lines[1], traceback
    assert "takopi_core" not in traceback and "importlib" not in traceback, traceback
    assert lines[-1] == "RuntimeError: fx boom"


def test_a_validation_error_has_no_probe_frames(listing) -> None:
    # Nothing of the plugin is on the stack when its object is checked: the exception only.
    traceback = str(listing[0]["wrongtype"]["traceback"])
    assert "takopi_core" not in traceback, traceback
    assert traceback.strip() == (
        "TypeError: fx_wrongtype.backend:BACKEND is not an EngineBackend: it is int 42"
    )


def test_missing_part_of_an_outdated_distribution_says_which_version_is_installed(
    listing,
) -> None:
    error = str(listing[0]["outdated"]["error"])
    assert (
        "distribution takopi-engine-outdated requires 'fx-present-dist>=2', and "
        "fx-present-dist 1.0 is installed"
    ) in error, error


def test_a_plugin_that_times_out_gets_the_longer_limit_and_disable(site: Path) -> None:
    write_dists(site, engine_dist("sleepy", "import time\ntime.sleep(60)\n"))
    done = run_takopi("plugins", "--load", "--json", "--timeout", "1", site=site)
    row = next(r for r in json.loads(done.stdout) if r["id"] == "sleepy")
    assert row["error_type"] == "TimeoutError", row
    assert row["fix"] == (
        "if it is only slow, give it longer: takopi plugins --load --timeout 30; if it hangs, "
        "report it to the author of takopi-engine-sleepy; meanwhile hide it: "
        "takopi plugins disable takopi-engine-sleepy"
    )


def test_a_name_missing_from_an_outdated_distribution_upgrades_it(listing) -> None:
    row = listing[0]["oldname"]
    assert "requires 'fx-present-dist>=2.5', and fx-present-dist 1.0 is installed" in row["error"]
    assert row["fix"] == f"{PY} -m pip install 'fx-present-dist>=2.5'"


def test_doctor_says_which_distribution_to_disable_for_a_duplicated_transport(
    site: Path, config_path: Path
) -> None:
    from support.templates import plugin_dist, transport_source

    write_dists(
        site,
        *(
            plugin_dist(name, "transport", "twint", transport_source("twint"), module=module)
            for name, module in (("fx-twint-a", "fx_twint_a"), ("fx-twint-b", "fx_twint_b"))
        ),
    )
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('transport = "twint"\n')
    done = run_takopi("doctor", "--json", site=site)
    assert done.returncode == 1, done.stdout
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    transport = checks["transport twint"]
    assert transport["status"] == "error"
    assert "takopi plugins disable fx-twint-a" in transport["action"], transport
    plugins = checks["plugins"]
    assert (
        f"  fix: keep one provider of 'twint': takopi plugins disable fx-twint-b, or remove "
        f"it: {PY} -m pip uninstall fx-twint-b" in plugins["details"]
    ), plugins


def test_setup_of_a_transport_that_fails_to_load_says_what_to_do(site: Path) -> None:
    from support.templates import plugin_dist, transport_source

    source = "import fx_setup_absent_lib\n" + transport_source("needy")
    write_dists(
        site,
        plugin_dist(
            "takopi-transport-needy",
            "transport",
            "needy",
            source,
            module="fx_needy",
            requires=["fx-setup-absent-lib>=1"],
        ),
    )
    done = run_takopi("setup", "needy", "--non-interactive", site=site)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"fix: {PY} -m pip install 'fx-setup-absent-lib>=1'" in done.stderr, done.stderr


def test_reserved_and_nameless_entry_points_say_what_to_do(site: Path) -> None:
    from takopi_core.plugins.discovery import discover
    from takopi_core.plugins.report import collect_errors

    reserved = engine_dist("reserved", "")
    reserved.entry_points = {ENGINE_GROUP: {"cancel": "fx_reserved.backend:BACKEND"}}
    nameless = engine_dist("nameless", "")
    nameless.name = None
    write_dists(site, reserved, nameless)
    found = discover(["takopi-engine-reserved"], path=[str(site)])
    fixes = {(r.id, r.distribution): (r.fix, r.enabled) for r in collect_errors(found)}
    assert fixes[("cancel", "takopi-engine-reserved")] == (
        f"hide it: takopi plugins disable takopi-engine-reserved, or remove it: {PY} -m pip "
        "uninstall takopi-engine-reserved",
        True,
    )
    fix, enabled = fixes[("nameless", None)]
    assert not enabled
    assert (
        fix.startswith("its metadata names no distribution") and "nameless-1.0.0.dist-info" in fix
    )


def test_the_run_path_says_what_to_do_about_a_plugin_that_fails_to_load(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `takopi run` loads its plugins in its own process (as a host must): the same fix.
    from takopi_core.errors import ConfigError
    from takopi_core.plugins.discovery import discover
    from takopi_core.plugins.loading import load_backend

    write_dists(
        site,
        engine_dist("runneeds", "import fx_run_absent_lib\n", requires=["fx-run-absent-lib>=4"]),
    )
    monkeypatch.syspath_prepend(str(site))
    found = discover(path=[str(site)])
    with pytest.raises(ConfigError) as caught:
        load_backend("engine", "runneeds", discovery=found)
    assert str(caught.value) == (
        "Failed to load engine 'runneeds': No module named 'fx_run_absent_lib'; to fix: "
        f"{shlex.quote(sys.executable)} -m pip install 'fx-run-absent-lib>=4'"
    )


def test_setup_lists_an_engine_that_fails_to_load_with_its_fix(site: Path, tmp_path: Path) -> None:
    from support.setup_plugins import child_env, make_bin, write_setup_site

    write_setup_site(
        site,
        engine_dist("engneeds", "import fx_eng_absent_lib\n", requires=["fx-eng-absent-lib>=5"]),
    )
    env = child_env(site, make_bin(tmp_path / "bin", "fakecli-bin"))
    done = run_takopi("setup", "chatty", "--non-interactive", "bot_token=ok-1", env=env)
    lines = done.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "engneeds" in line)
    assert f"fix: {PY} -m pip install 'fx-eng-absent-lib>=5'" in "\n".join(lines[at : at + 3]), (
        done.stdout
    )
