"""Snapshot tests (pytest-textual-snapshot): the screens as users see them.

Sync tests: ``snap_compare`` runs the app itself. Everything that varies between machines
is fixed: the terminal size, the theme, animations (TEXTUAL_ANIMATIONS=none in conftest),
cursor blink, load times and tracebacks (a scripted probe), the interpreter shown, and paths
(HOME is a temporary folder, shown as ``~``). Workers are awaited before each screenshot.

Update after a deliberate change with ``pytest tests/tui --snapshot-update`` and review the
SVGs (``snapshot_report.html`` shows the differences when a test fails).
"""

from __future__ import annotations

from pathlib import Path

from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, TRANSPORT_GROUP, Dist, write_dists
from textual.pilot import Pilot
from textual.widgets import Input

from takopi_tui.app import TakopiApp
from takopi_tui.rows import Status
from takopi_tui.screens.dialogs import DiffDialog
from takopi_tui.screens.help import HelpScreen

from .tui_support import SIZE, go_to, make_app, scripted, settle, wait_for

THEME = "textual-dark"

SHORT_TRACEBACK = """\
Traceback (most recent call last):
  File "~/site/gemini_engine/backend.py", line 1, in <module>
    import gemini_sdk_missing  # not installed
ModuleNotFoundError: No module named 'gemini_sdk_missing'
"""

GEMINI_FAILED = {
    "status": "failed",
    "error_type": "ModuleNotFoundError",
    "message": "No module named 'gemini_sdk_missing' (missing module 'gemini_sdk_missing')",
    "traceback": SHORT_TRACEBACK,
    "load_ms": 4.0,
}

SCRIPT = {
    "acme": {"load_ms": 3.2},
    "claude": {"load_ms": 41.0, "description": None},
    "codex": {"load_ms": 38.5},
    "gemini": GEMINI_FAILED,
    "slack": {
        "load_ms": 12.0,
        "description": "Slack app",
        "setup_ok": False,
        "setup_issues": (("missing bot token", ("set transports.slack.bot_token",)),),
    },
    "telegram": {"load_ms": 18.0, "description": "Telegram bot", "setup_ok": True},
}


def long_traceback(depth: int = 24) -> str:
    frames = []
    for level in range(depth):
        frames.append(f'  File "~/site/gemini_engine/layer{level}.py", line {10 + level}, in call')
        frames.append(f"    return layer{level + 1}.call(config)  # deep call chain")
    return (
        "Traceback (most recent call last):\n"
        + "\n".join(frames)
        + "\nRuntimeError: the gemini client needs GEMINI_API_KEY [set it in the env]\n"
    )


def snapshot_app(site: Path, script=SCRIPT, hang: frozenset[str] = frozenset()) -> TakopiApp:
    app = make_app(site, probe_factory=scripted(script, hang))
    app.theme = THEME
    return app


async def ready(pilot: Pilot) -> None:
    """No probe in progress, workers done, no notifications, the table focused."""
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


def test_snapshot_mixed_states(demo_site: Path, demo_config: Path, snap_compare):
    """ok, failed, disabled, built-in, loading, not checked, an invalid id, needs setup."""
    app = snapshot_app(demo_site, hang=frozenset({"telegram"}))

    async def run_before(pilot: Pilot) -> None:
        screen = app.plugins_screen
        frozen = screen.runs.clock()
        screen.runs.clock = lambda: frozen  # the loading row shows no elapsed time
        await wait_for(pilot, lambda: bool(screen.runs.checking), what="telegram loading")
        await wait_for(pilot, lambda: any(r.status is Status.LOADING for r in screen.rows))
        pilot.app.clear_notifications()
        await go_to(pilot, "slack")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_error_pane_with_long_traceback(demo_site: Path, demo_config: Path, snap_compare):
    script = dict(SCRIPT)
    script["gemini"] = {
        **GEMINI_FAILED,
        "error_type": "RuntimeError",
        "message": "the gemini client needs GEMINI_API_KEY [set it in the env]",
        "traceback": long_traceback(),
    }
    app = snapshot_app(demo_site, script)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await go_to(pilot, "gemini")
        await pilot.press("e")  # errors only
        await pilot.press("tab", "end")  # into the details, down to the exception

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_diff_dialog(demo_site: Path, demo_config: Path, snap_compare):
    app = snapshot_app(demo_site)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await go_to(pilot, "acme")
        await pilot.press("space")
        await go_to(pilot, "discord")
        await pilot.press("space")
        pilot.app.clear_notifications()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DiffDialog))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_help(demo_site: Path, demo_config: Path, snap_compare):
    app = snapshot_app(demo_site)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_active_filter(demo_site: Path, demo_config: Path, snap_compare):
    app = snapshot_app(demo_site)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("3", "slash", *"slack")
        pilot.app.screen.query_one(Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def many_dists(count: int) -> list[Dist]:
    groups = (ENGINE_GROUP, TRANSPORT_GROUP, COMMAND_GROUP)
    return [
        Dist(
            name=f"takopi-plugin-{n:03d}",
            version=f"1.{n % 7}.{n % 3}",
            entry_points={groups[n % 3]: {f"plugin_{n:03d}": f"plugin_{n:03d}:BACKEND"}},
        )
        for n in range(count)
    ]


def test_snapshot_two_hundred_plugins(isolated_home: Path, config_path: Path, snap_compare):
    site = write_dists(isolated_home / "site", *many_dists(200))
    script: dict[str, dict[str, object]] = {
        f"plugin_{n:03d}": {"load_ms": float(n % 50)} for n in range(200)
    }
    for n in range(0, 200, 37):
        script[f"plugin_{n:03d}"] = {"status": "failed", "message": f"plugin {n} is broken"}
    app = snapshot_app(site, script)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await go_to(pilot, "plugin_100")  # scrolled into the middle of a long table

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
