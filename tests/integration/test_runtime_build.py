"""Building the runtime from settings with real engine distributions on sys.path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.distfactory import ENGINE_GROUP, Dist, write_dists
from support.run_dists import activated, fake_engine, write_fake_cli

from takopi_core.config.settings import Settings
from takopi_core.errors import ConfigError
from takopi_core.run.assembly import build_runtime_spec, list_backends


@pytest.fixture
def engines(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Engines ``alpha`` and ``beta`` installed; only ``alpha``'s CLI is on PATH. Returns
    the bin folder (write ``beta`` there to install it)."""
    broken = Dist(
        name="takopi-engine-broken",
        entry_points={ENGINE_GROUP: {"broken": "fake_broken_engine:BACKEND"}},
        files={"fake_broken_engine.py": "raise ImportError('no module named acme_sdk')\n"},
    )
    write_dists(site, fake_engine("alpha"), fake_engine("beta"), broken)
    bin_dir = tmp_path / "bin"
    write_fake_cli(bin_dir, "alpha")
    with activated(site, bin_dir, monkeypatch):
        yield bin_dir


#: This distribution's own engines: installed wherever takopi is, so always listed (their CLIs
#: are not on this machine's PATH, so they count as missing).
BUILTIN_ENGINES = ("claude", "codex", "opencode", "pi")


def settings_of(config_path: Path, data: dict) -> Settings:
    return Settings.from_data(data, config_path)


def test_missing_cli_of_another_engine_is_a_warning(engines: Path, config_path: Path) -> None:
    spec = build_runtime_spec(
        settings=settings_of(config_path, {"default_engine": "alpha"}), config_path=config_path
    )
    runtime = spec.to_runtime(config_path=config_path)
    assert runtime.engine_ids == ("alpha", "beta", *BUILTIN_ENGINES)
    assert runtime.available_engine_ids() == ("alpha",)
    assert runtime.missing_engine_ids() == ("beta", *BUILTIN_ENGINES)
    issue = runtime.engine_issues()["beta"]
    assert issue == "beta not found on PATH (install: pip install beta-cli)"
    assert f"beta: {issue}" in spec.warnings
    # the engine that failed to import is dropped, with a warning naming it
    assert any(w.startswith("broken: Failed to load engine 'broken'") for w in spec.warnings)
    assert any("acme_sdk" in w for w in spec.warnings)
    # built-ins without their CLI are listed by the chat as not installed, not warned about
    assert not [w for w in spec.warnings if w.split(":")[0] in BUILTIN_ENGINES]
    assert "install: npm install -g @openai/codex" in runtime.engine_issues()["codex"]


def test_installing_the_cli_makes_it_available(engines: Path, config_path: Path) -> None:
    write_fake_cli(engines, "beta")
    spec = build_runtime_spec(
        settings=settings_of(config_path, {"default_engine": "beta"}), config_path=config_path
    )
    runtime = spec.to_runtime(config_path=config_path)
    assert runtime.available_engine_ids() == ("alpha", "beta")
    assert runtime.default_engine == "beta"


def test_default_engine_without_cli_stops_start_up(engines: Path, config_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        build_runtime_spec(
            settings=settings_of(config_path, {"default_engine": "beta"}),
            config_path=config_path,
        )
    assert str(caught.value) == (
        "Default engine 'beta' unavailable: beta not found on PATH (install: pip install beta-cli)"
    )


def test_engine_override_beats_settings(engines: Path, config_path: Path) -> None:
    spec = build_runtime_spec(
        settings=settings_of(config_path, {"default_engine": "beta"}),
        config_path=config_path,
        default_engine_override="alpha",
    )
    assert spec.router.default_engine == "alpha"


def test_unknown_default_engine_names_its_source(engines: Path, config_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        build_runtime_spec(
            settings=settings_of(config_path, {"default_engine": "zeta"}), config_path=config_path
        )
    message = str(caught.value)
    assert message.startswith("Unknown default engine 'zeta' (from `default_engine` in ")
    assert str(config_path) in message
    assert message.endswith("Available: alpha, beta, broken, claude, codex, opencode, pi.")


def test_no_engines_at_all(engines: Path, config_path: Path) -> None:
    settings = settings_of(config_path, {"plugins": {"enabled": ["takopi-nothing"]}})
    with pytest.raises(ConfigError, match=r"^No engine backends are available: install"):
        build_runtime_spec(settings=settings, config_path=config_path)


def test_without_a_configured_default_the_first_engine_is_used(
    engines: Path, config_path: Path
) -> None:
    settings = settings_of(config_path, {"plugins": {"enabled": ["takopi-engine-alpha"]}})
    spec = build_runtime_spec(settings=settings, config_path=config_path)
    assert spec.router.default_engine == "alpha"


def test_default_engine_that_cannot_load_is_fatal(engines: Path, config_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Failed to load engine 'broken'.*acme_sdk"):
        build_runtime_spec(
            settings=settings_of(config_path, {}),
            config_path=config_path,
            default_engine_override="broken",
        )


def test_build_runner_error_of_the_default_names_the_key_path(
    engines: Path, config_path: Path
) -> None:
    data = {"default_engine": "alpha", "alpha": {"model": 3}}
    with pytest.raises(ConfigError) as caught:
        build_runtime_spec(settings=settings_of(config_path, data), config_path=config_path)
    assert str(caught.value) == (
        f"{config_path}: `alpha`: engine 'alpha' (takopi-engine-alpha) could not build its "
        "runner: model must be a string, got int"
    )


def test_build_runner_error_of_another_engine_falls_back_to_defaults(
    engines: Path, config_path: Path
) -> None:
    write_fake_cli(engines, "beta")
    data = {"default_engine": "alpha", "beta": {"model": ["x"]}}
    spec = build_runtime_spec(settings=settings_of(config_path, data), config_path=config_path)
    entry = spec.router.entry_for_engine("beta")
    assert entry.status == "bad_config"
    assert entry.available
    assert "`beta`" in (entry.issue or "")
    assert "running with default settings" in (entry.issue or "")
    assert any(w.startswith("beta: ") and "model must be a string" in w for w in spec.warnings)


def test_engine_table_of_the_wrong_type(engines: Path, config_path: Path) -> None:
    data = {"default_engine": "alpha", "alpha": "fast"}
    with pytest.raises(ConfigError, match=r"`alpha` must be a table"):
        build_runtime_spec(settings=settings_of(config_path, data), config_path=config_path)


def test_projects_are_checked_against_engines(engines: Path, config_path: Path) -> None:
    project_dir = config_path.parent / "proj"
    data = {"default_engine": "alpha", "projects": {"Alpha": {"path": str(project_dir)}}}
    with pytest.raises(ConfigError, match="aliases must not match engine ids"):
        build_runtime_spec(settings=settings_of(config_path, data), config_path=config_path)
    data = {"projects": {"web": {"path": "proj", "default_engine": "zeta"}}}
    with pytest.raises(ConfigError, match=r"Unknown `projects.web.default_engine` 'zeta'"):
        build_runtime_spec(
            settings=settings_of(config_path, data),
            config_path=config_path,
            default_engine_override="alpha",
        )
    data = {"projects": {"Web": {"path": "proj", "default_engine": "BETA"}}}
    spec = build_runtime_spec(
        settings=settings_of(config_path, data),
        config_path=config_path,
        default_engine_override="alpha",
    )
    web = spec.projects.projects["web"]
    assert (web.alias, web.path, web.default_engine) == ("Web", project_dir, "beta")


def test_plugin_configs_and_allowlist_reach_the_runtime(engines: Path, config_path: Path) -> None:
    data = {
        "default_engine": "alpha",
        "plugins": {"enabled": ["takopi-engine-alpha"], "multi": {"engines": ["alpha"]}},
    }
    spec = build_runtime_spec(settings=settings_of(config_path, data), config_path=config_path)
    runtime = spec.to_runtime(config_path=config_path)
    assert runtime.engine_ids == ("alpha",)  # beta's distribution is not enabled
    assert runtime.plugin_config("multi") == {"engines": ["alpha"]}
    assert runtime.allowlist == frozenset({"takopi-engine-alpha"})
    assert runtime.config_path == config_path


def test_list_backends_skips_broken_engines(engines: Path) -> None:
    ids = [backend.id for backend in list_backends()]
    assert "alpha" in ids and "beta" in ids
    assert "broken" not in ids
    with pytest.raises(ConfigError, match=r"No engine backends are available\."):
        list_backends(allowlist=["takopi-engine-broken"])
