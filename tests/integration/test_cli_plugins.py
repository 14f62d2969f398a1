"""`takopi plugins` on real test distributions, run in process: the plugins load only in the
probe's children (a plugin module imported by the command fails the test)."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import InProcessCli
from support.distfactory import ENGINE_GROUP, TRANSPORT_GROUP, Dist, write_dists
from support.plugin_zoo import GOOD_COMMAND, GOOD_TRANSPORT, ZOO, engine


def _small_site(site: Path) -> Path:
    return write_dists(
        site,
        engine("zoo-good", "good", "zoo_good"),
        engine("zoo-raises", "raises", "zoo_raises", "raise RuntimeError('boom [bold]x[/]')\n"),
        GOOD_TRANSPORT,
        GOOD_COMMAND,
    )


def _section(out: str, title: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index(title) + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        block.append(line)
    return block


def test_listing_format_and_exit_status(site: Path, takopi: InProcessCli) -> None:
    _small_site(site)
    proc = takopi("plugins", site=site)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # Our built-ins are listed like any plugin, marked built-in; an engine whose CLI is not
    # on PATH (none of the four agent CLIs is, here) says how to install it.
    assert _section(out, "engine backends:") == [
        "  claude (takopi-tui) built-in  CLI missing: npm install -g @anthropic-ai/claude-code",
        "  codex (takopi-tui) built-in  CLI missing: npm install -g @openai/codex",
        "  good (zoo-good)",
        "  opencode (takopi-tui) built-in  CLI missing: npm install -g opencode-ai@latest",
        "  pi (takopi-tui) built-in  CLI missing: npm install -g @mariozechner/pi-coding-agent",
        "  raises (zoo-raises)",
    ]
    assert _section(out, "transport backends:") == [
        "  terminal (takopi-tui) built-in",
        "  zoochat (zoo-transport)",
    ]
    assert _section(out, "command backends:") == ["  hello (zoo-command)"]
    assert "errors:" not in out


def test_empty_kind_prints_none(site: Path, takopi: InProcessCli) -> None:
    write_dists(site, engine("zoo-good", "good", "zoo_good"))
    proc = takopi("plugins", site=site)
    assert _section(proc.stdout, "command backends:") == ["  (none)"]


def test_load_reports_errors_and_exits_1(site: Path, takopi: InProcessCli) -> None:
    _small_site(site)
    proc = takopi("plugins", "--load", site=site)
    assert proc.returncode == 1
    errors = _section(proc.stdout, "errors:")
    assert errors == [
        "  engine raises (zoo-raises): boom [bold]x[/]",
        "      fix: report it to the author of zoo-raises (takopi plugins --load -v shows the "
        "traceback); meanwhile hide it: takopi plugins disable zoo-raises",
    ]


def test_errors_grouped_by_kind_then_distribution(site: Path, takopi: InProcessCli) -> None:
    write_dists(site, *ZOO)
    proc = takopi("plugins", "--load", "--timeout", "1", site=site)
    assert proc.returncode == 1
    # Each error's line; the fix under it is indented further.
    errors = [line for line in _section(proc.stdout, "errors:") if not line.startswith("    ")]
    kinds = [line.split()[0] for line in errors]
    order = {"engine": 0, "transport": 1, "command": 2}
    assert kinds == sorted(kinds, key=order.__getitem__)
    engine_dists = [line.split("(")[1].split(")")[0] for line in errors if "engine" in line[:9]]
    assert engine_dists == sorted(engine_dists)
    assert any("timed out after 1 s while importing" in line for line in errors)
    assert any("crashed the interpreter (signal 11)" in line for line in errors)
    assert any(line.startswith("  good (zoo-good)  ok ") for line in proc.stdout.splitlines())


def test_enabled_list_marks_entries(site: Path, config_path: Path, takopi: InProcessCli) -> None:
    _small_site(site)
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[plugins]\nenabled = ["Zoo_Good", "zoo.transport"]\n')
    proc = takopi("plugins", site=site)
    assert proc.returncode == 0
    assert _section(proc.stdout, "engine backends:") == [
        "  claude (takopi-tui) built-in disabled",  # disabled: no CLI check either
        "  codex (takopi-tui) built-in disabled",
        "  good (zoo-good) enabled",
        "  opencode (takopi-tui) built-in disabled",
        "  pi (takopi-tui) built-in disabled",
        "  raises (zoo-raises) disabled",
    ]
    assert _section(proc.stdout, "command backends:") == ["  hello (zoo-command) disabled"]
    assert "  terminal (takopi-tui) built-in disabled" in proc.stdout
    # Disabled plugins are not loaded, so the broken one is no error now.
    assert takopi("plugins", "--load", site=site).returncode == 0


def test_config_option_wins_over_env(
    site: Path, tmp_path: Path, config_path: Path, takopi: InProcessCli
) -> None:
    _small_site(site)
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[plugins]\nenabled = ["zoo-good"]\n')
    other = tmp_path / "other.toml"
    other.write_text('[plugins]\nenabled = ["zoo-command"]\n')
    proc = takopi("plugins", "--config", str(other), site=site)
    assert "  hello (zoo-command) enabled" in proc.stdout


def test_json_output(site: Path, takopi: InProcessCli) -> None:
    _small_site(site)
    write_dists(site, Dist(name="zoo-badid", entry_points={ENGINE_GROUP: {"Bad": "m:B"}}))
    proc = takopi("plugins", "--load", "--json", site=site)
    assert proc.returncode == 1
    items = json.loads(proc.stdout)
    by_id = {item["id"]: item for item in items}
    for item in items:
        assert {"kind", "id", "value", "distribution", "version", "enabled", "builtin"} <= set(item)
        assert {"status", "error", "load_ms"} <= set(item)
    assert by_id["good"]["status"] == "ok" and by_id["good"]["error"] is None
    assert by_id["raises"]["status"] == "failed"
    assert by_id["raises"]["error"] == "boom [bold]x[/]"
    assert by_id["zoochat"]["value"] == "zoo_transport:BACKEND"
    assert by_id["Bad"]["status"] == "error" and "invalid plugin id" in by_id["Bad"]["error"]
    listed = json.loads(takopi("plugins", "--json", site=site).stdout)
    assert {item["status"] for item in listed if item["id"] != "Bad"} == {"not checked"}


def test_malformed_config_exits_2_naming_the_place(
    site: Path, config_path: Path, takopi: InProcessCli
) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text('# mine\n[plugins]\nenabled = ["a" "b"]\nx = 1\n')
    proc = takopi("plugins", site=site)
    assert proc.returncode == 2
    assert str(config_path) in proc.stderr
    assert ":3:" in proc.stderr or "line 3" in proc.stderr
    assert 'enabled = ["a" "b"]' in proc.stderr  # the offending line is shown


def test_wrong_type_exits_2_naming_the_key(
    site: Path, config_path: Path, takopi: InProcessCli
) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[plugins]\nenabled = "zoo-good"\n')
    proc = takopi("plugins", site=site)
    assert proc.returncode == 2
    assert "plugins.enabled" in proc.stderr and str(config_path) in proc.stderr


def test_transport_reserved_free_and_builtins(site: Path, takopi: InProcessCli) -> None:
    write_dists(
        site, Dist(name="zoo-t", entry_points={TRANSPORT_GROUP: {"cancel": "zoo_t:BACKEND"}})
    )
    proc = takopi("plugins", site=site)
    assert "  cancel (zoo-t)" in _section(proc.stdout, "transport backends:")


def test_upstream_name_keeps_builtins_visible(
    site: Path, config_path: Path, takopi: InProcessCli
) -> None:
    _small_site(site)
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[plugins]\nenabled = ["takopi", "zoo-good"]\n')
    proc = takopi("plugins", "--json", site=site)
    builtin = [item for item in json.loads(proc.stdout) if item["builtin"]]
    assert builtin and all(item["enabled"] for item in builtin)
    assert {item["distribution"] for item in builtin} == {"takopi-tui"}


def test_usage_error_exits_2(takopi: InProcessCli) -> None:
    proc = takopi("plugins", "--no-such-flag")
    assert proc.returncode == 2
