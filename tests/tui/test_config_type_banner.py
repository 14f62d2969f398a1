"""Values of the wrong type in takopi.toml show in the banner at start (issue 14, defect 11).

The file parses, so the plugins are listed as the file says; the checks `takopi run` and
saving make would refuse these values, so the banner says which, naming the file, the key
path and the line, with secret values masked; fixing the file clears it. Real app, real
dist-infos, real file.
"""

from __future__ import annotations

from pathlib import Path

from .tui_support import make_app, row, settle, wait_for

WATCH_YES = """\
# hand-written
default_engine = "codex"

watch_config = "yes"
"""


def banner(app) -> str:
    found = app.plugins_screen.query("#banner")
    if not found or not found.first().display:
        return ""
    return found.first().content.plain


async def test_wrong_type_is_in_the_banner_at_start(demo_site: Path, config_path: Path) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(WATCH_YES, encoding="utf-8")
    app = make_app(demo_site)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        text = banner(app)
        assert f"{config_path}:4: `watch_config` must be true or false, found a string" in text
        assert "fix" in text.lower()
        assert row(app, "acme").enabled  # the plugins are still listed as the file says


async def test_banner_goes_when_the_file_is_fixed(demo_site: Path, config_path: Path) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(WATCH_YES, encoding="utf-8")
    app = make_app(demo_site)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        assert "watch_config" in banner(app)
        config_path.write_text(WATCH_YES.replace('"yes"', "true"), encoding="utf-8")
        app.plugins_screen.reload()
        await wait_for(pilot, lambda: banner(app) == "", what="the banner to go")


async def test_enabled_of_the_wrong_type_names_its_line(demo_site: Path, config_path: Path) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('transport = "terminal"\n\n[plugins]\nenabled = "x"\n')
    app = make_app(demo_site)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        text = banner(app)
        assert f"{config_path}:4: `plugins.enabled` must be an array" in text


async def test_secret_values_quoted_by_a_problem_are_masked(
    demo_site: Path, config_path: Path
) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(
        '[transports.telegram]\nbot_token = "999:very-secret-token"\n\n'
        '[projects.site]\npath = "/srv/site"\nchat_id = "999:very-secret-token"\n'
    )
    app = make_app(demo_site)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        text = banner(app)
        assert f"{config_path}:6: `projects.site.chat_id` must be an integer" in text
        assert "very-secret-token" not in text


async def test_engine_table_of_the_wrong_type_is_in_the_banner(
    demo_site: Path, config_path: Path
) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('default_engine = "codex"\n\n[codex]\nextra_args = "x"\n')
    app = make_app(demo_site)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        text = banner(app)
        assert f"{config_path}:4: `codex.extra_args` must be a list of strings" in text
        # Not refused by saving (a bad [codex] must not stop a run on another engine):
        # the banner says when it matters.
        assert "codex" in text.splitlines()[-1]
