"""Helpers for the TUI tests: a scripted probe, an app factory, waiting for the screen."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from textual.content import Content
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Static

from takopi_core.plugins.discovery import PluginEntry
from takopi_core.plugins.probe import LoadResult
from takopi_tui.app import TakopiApp
from takopi_tui.environment import Environment
from takopi_tui.probing import ProbeRequest, real_probe
from takopi_tui.rows import PluginRow

#: What the summary line shows in every test and snapshot.
FIXED_ENV = Environment(python="/usr/bin/python3", version="3.11.7")
SIZE = (120, 36)


class ScriptedProbe:
    """Stands in for the probe's child process where a test needs fixed timings or a hang.

    ``script`` maps a plugin id to LoadResult fields (default: ok with ``load_ms`` from
    ``timings`` or 12.0). Ids in ``hang`` stay "loading" until the run is cancelled.
    """

    def __init__(
        self,
        request: ProbeRequest,
        script: Mapping[str, Mapping[str, Any]],
        hang: frozenset[str],
        log: list[ProbeRequest],
    ) -> None:
        self.request = request
        self.script = script
        self.hang = hang
        self._cancelled = threading.Event()
        log.append(request)

    def results(
        self, on_start: Callable[[PluginEntry], None] | None = None
    ) -> Iterator[LoadResult]:
        for entry in self.request.entries:
            if self._cancelled.is_set():
                return
            if on_start is not None:
                on_start(entry)
            if entry.id in self.hang:
                self._cancelled.wait()
                return
            fields = {"status": "ok", "load_ms": 12.0, **self.script.get(entry.id, {})}
            yield LoadResult(
                kind=entry.kind,
                id=entry.id,
                value=entry.value,
                distribution=entry.distribution,
                version=entry.version,
                **fields,
            )

    def cancel(self) -> None:
        self._cancelled.set()


def scripted(
    script: Mapping[str, Mapping[str, Any]] | None = None,
    hang: frozenset[str] = frozenset(),
    log: list[ProbeRequest] | None = None,
) -> Callable[[ProbeRequest], ScriptedProbe]:
    calls = log if log is not None else []
    return lambda request: ScriptedProbe(request, script or {}, hang, calls)


class RecordingApp(TakopiApp):
    """The app, keeping the text of every notification it was asked to show."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.notified: list[str] = []

    def on_notify(self, event: Notify) -> None:
        # Handled after Textual's own handler, which shows the toast.
        self.notified.append(event.notification.message)


def make_app(site: Path, *, real: bool = False, **options: Any) -> RecordingApp:
    """The app on the distributions in ``site``.

    ``real=True`` uses the real probe (a child process per run, about 0.3 s); tests about
    editing the config, where load results do not matter, use the instant scripted probe.
    """
    options.setdefault("probe_factory", real_probe if real else scripted())
    options.setdefault("environment", FIXED_ENV)
    options.setdefault("watch_interval", None)
    return RecordingApp(search_path=[str(site)], **options)


async def wait_for(
    pilot: Pilot, condition: Callable[[], bool], timeout: float = 20.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)
    await pilot.pause()


async def settle(pilot: Pilot, timeout: float = 30.0) -> None:
    """Wait until no probe run is in progress and the screen has caught up."""
    app = pilot.app
    assert isinstance(app, TakopiApp)
    await wait_for(pilot, lambda: not app.plugins_screen.probing, timeout, "the probe")
    await app.workers.wait_for_complete()
    await pilot.pause()


def row(app: TakopiApp, plugin_id: str) -> PluginRow:
    matches = [r for r in app.plugins_screen.rows if r.id == plugin_id]
    assert len(matches) == 1, f"{plugin_id}: {matches}"
    return matches[0]


async def go_to(pilot: Pilot, plugin_id: str, *, keys: bool = False) -> None:
    """Put the cursor on ``plugin_id``: with j/k presses when ``keys``, else directly.

    Pilot key presses cost about 0.1 s each, so most tests move the cursor directly;
    test_tui_keys.py covers j/k.
    """
    app = pilot.app
    assert isinstance(app, TakopiApp)
    table = app.plugins_screen.table
    shown = table.shown_keys
    target = row(app, plugin_id).key
    assert target in shown, f"{plugin_id} is not shown"
    if keys:
        here = shown.index(table.highlighted_key) if table.highlighted_key else 0
        there = shown.index(target)
        for _ in range(abs(there - here)):
            await pilot.press("j" if there > here else "k")
    else:
        table.move_cursor(row=shown.index(target), animate=False)
    await pilot.pause()
    current = app.plugins_screen.current_row
    assert current is not None and current.id == plugin_id


def notifications(app: TakopiApp) -> list[str]:
    """The text of every notification shown so far (the app must come from make_app)."""
    assert isinstance(app, RecordingApp)
    return list(app.notified)


def static_text(app: TakopiApp, selector: str) -> str:
    """The plain text of a Static on the current screen."""
    content = app.screen.query_one(selector, Static).content
    if isinstance(content, Content):
        return content.plain
    if isinstance(content, str):
        return content
    # a Rich renderable (the help's grid): its text as Rich lays it out
    from rich.console import Console

    console = Console(width=200, record=True, color_system=None)
    console.print(content)
    return console.export_text()


def error_pane_text(app: TakopiApp) -> str:
    """The error pane's text: every line of its list, then the full text shown below it."""
    from textual.widgets import OptionList

    options = app.plugins_screen.query_one("#error-list", OptionList).options
    lines = [o.prompt.plain if isinstance(o.prompt, Content) else str(o.prompt) for o in options]
    return "\n".join([*lines, static_text(app, "#error-body")])
