"""Golden files: edits of commented configs change only the lines they must.

Each case copies an input from golden/config/inputs to a real config path, runs the edit
through the real code (ConfigFile, the enablement planner over real dist-info metadata),
saves, and compares the bytes on disk with golden/config/expected/<case>.toml.
Set UPDATE_GOLDEN=1 to rewrite the expected files after checking the change by eye.
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from support.config_support import GOLDEN, write_plugin_site

from takopi_core.config.file import ConfigFile
from takopi_core.plugins.enablement import plan_for_config

Edit = Callable[[ConfigFile, Path], str]


def enable(*names: str) -> Edit:
    def run(config: ConfigFile, site: Path) -> str:
        plan = plan_for_config(config, dict.fromkeys(names, True), path=[str(site)])
        assert plan.new_list is not None, plan.refusal
        return config.with_enabled(list(plan.new_list))

    return run


def disable(*names: str) -> Edit:
    def run(config: ConfigFile, site: Path) -> str:
        plan = plan_for_config(config, dict.fromkeys(names, False), path=[str(site)])
        assert plan.new_list is not None, plan.refusal
        return config.with_enabled(list(plan.new_list))

    return run


def enable_all(config: ConfigFile, site: Path) -> str:
    plan = plan_for_config(config, "all", path=[str(site)])
    assert plan.new_list == ()
    return config.with_enabled([])


def set_(key: str, value: object) -> Edit:
    return lambda config, _site: config.with_value(key, value)


def unset(key: str) -> Edit:
    return lambda config, _site: config.without_key(key)


#: case name -> (input file, edit, the only lines allowed to disappear from the input)
CASES: dict[str, tuple[str, Edit, set[str]]] = {
    # [] + disable one plugin id: every other installed distribution is written out.
    "disable_from_all": (
        "commented.toml",
        disable("slack"),
        {"enabled = []  # empty: everything installed is visible"},
    ),
    # Quirk: removing an array item takes the item's own comment with it, nothing else.
    "disable_item_with_comment": (
        "explicit_list.toml",
        disable("takopi-transport-slack"),
        {'"Takopi_Transport_Slack",   # slack bridge (metadata spells it with dashes)'},
    ),
    "enable_appends": ("explicit_list.toml", enable("multi"), set()),
    "enable_all": (
        "explicit_list.toml",
        enable_all,
        {
            "enabled = [",
            '"takopi-tui",               # built-ins',
            '"Takopi_Transport_Slack",   # slack bridge (metadata spells it with dashes)',
            '"takopi-engine-acme",       # acme engine',
            "]  # keep this list short",
        },
    ),
    # Quirk: [plugins] is created beside [plugins.multi] # comment; the comment must not be
    # copied onto the new header.
    "super_table_header": ("super_table.toml", disable("acme"), set()),
    "inline_table_plugins": (
        "inline_plugins.toml",
        enable("slack"),
        {'plugins = { enabled = ["takopi-tui", "takopi-engine-acme"] }  # inline table'},
    ),
    "dotted_key_plugins": (
        "dotted_plugins.toml",
        enable("acme"),
        {'plugins.enabled = ["takopi-tui"]   # dotted key'},
    ),
    "set_existing_keeps_comment": (
        "commented.toml",
        set_("default_engine", "claude"),
        {'default_engine = "codex"   # the engine for plain messages'},
    ),
    "set_nested_existing": (
        "commented.toml",
        set_("transports.telegram.chat_id", 42),
        {"chat_id = 123456789"},
    ),
    "set_new_key_in_table": ("commented.toml", set_("plugins.multi.timeout", 30), set()),
    "set_new_table": ("commented.toml", set_("transports.discord.bot_token", "abc"), set()),
    "set_new_top_level": ("commented.toml", set_("default_project", "happy-gadgets"), set()),
    "set_into_super_table": ("super_table.toml", set_("plugins.multi.parallel", True), set()),
    "unset_leaf_prunes_table": (
        "commented.toml",
        unset("transports.slack.app_token"),
        {"[transports.slack]", "app_token = 'xapp-1-AAA'   # single quotes on purpose"},
    ),
    "unset_table_keeps_closing_comment": (
        "commented.toml",
        unset("plugins.multi"),
        {"[plugins.multi]", 'engines = ["codex", "claude"]  # order matters'},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_edit(case: str, config_path: Path, site: Path) -> None:
    source, edit, may_remove = CASES[case]
    write_plugin_site(site)
    config_path.parent.mkdir(parents=True)
    shutil.copyfile(GOLDEN / "inputs" / source, config_path)
    original = config_path.read_text(encoding="utf-8")

    config = ConfigFile.load(config_path)
    new_text = edit(config, site)
    assert config.save(new_text)

    written = config_path.read_bytes().decode("utf-8")
    expected_file = GOLDEN / "expected" / f"{case}.toml"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_file.write_text(written, encoding="utf-8")
    assert written == expected_file.read_text(encoding="utf-8")

    # Independently of the golden file: lines only leave when the edit is about them, and
    # every comment of the input survives unless it sat on such a line.
    removed = {
        line[2:].strip()
        for line in difflib.ndiff(original.splitlines(), written.splitlines())
        if line.startswith("- ")
    }
    assert removed <= may_remove | {""}, removed
    for line in original.splitlines():
        if "#" in line and line.strip() not in may_remove:
            assert line in written.splitlines(), f"lost comment line: {line!r}"


@pytest.mark.parametrize("source", sorted(p.name for p in (GOLDEN / "inputs").iterdir()))
def test_reading_and_an_empty_edit_change_nothing(source: str, config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    shutil.copyfile(GOLDEN / "inputs" / source, config_path)
    before = config_path.read_bytes()
    stat_before = config_path.stat()

    config = ConfigFile.load(config_path)
    config.settings()
    assert config.text.encode("utf-8") == before
    assert config.edit().text() == config.text  # tomlkit round trip is exact
    assert config.save(config.text) is False  # nothing to write
    assert config_path.read_bytes() == before
    assert config_path.stat().st_mtime_ns == stat_before.st_mtime_ns
    assert not config.backup_path.exists()
