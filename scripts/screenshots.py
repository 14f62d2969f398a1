"""Regenerate the screenshots in screenshots/ from the real app on the test plugins.

    .venv/bin/python scripts/screenshots.py

Writes SVGs (Textual's own export) and, when ``rsvg-convert`` (librsvg2-bin) or the
``cairosvg`` package is available, PNGs beside them. The app runs headless at 120x36 on the
demo distributions of tests/tui/demo_plugins.py, installed in a temporary HOME with a
commented takopi.toml; the real probe checks them in a child process, so load times and
tracebacks are real.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
SIZE = (120, 36)

sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    for _ in range(600):
        if not app.plugins_screen.probing:
            break
        await pilot.pause(0.05)
    await app.workers.wait_for_complete()
    app.clear_notifications()
    await pilot.pause()


async def go_to(pilot, plugin_id: str) -> None:  # type: ignore[no-untyped-def]
    screen = pilot.app.plugins_screen
    target = next(r.key for r in screen.rows if r.id == plugin_id)
    screen.table.move_cursor(row=screen.table.shown_keys.index(target), animate=False)
    await pilot.pause()


async def main_screen(pilot) -> None:  # type: ignore[no-untyped-def]
    await go_to(pilot, "slack")


async def errors(pilot) -> None:  # type: ignore[no-untyped-def]
    await go_to(pilot, "gemini")
    await pilot.press("e")
    await pilot.press("tab")  # into the details (enter opens the distribution's page)...
    await pilot.pause()
    await pilot.press("end")  # ...down to the exception


async def diff_dialog(pilot) -> None:  # type: ignore[no-untyped-def]
    await go_to(pilot, "acme")
    await pilot.press("space")
    await go_to(pilot, "discord")
    await pilot.press("space")
    pilot.app.clear_notifications()
    await pilot.press("ctrl+s")
    await pilot.pause(0.3)


async def filtering(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash", *"tools")
    await pilot.pause()


async def help_screen(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("question_mark")
    await pilot.pause(0.3)


async def catalogue(pilot) -> None:  # type: ignore[no-untyped-def]
    pilot.app.animation_level = "none"  # the search box's cursor stands still
    await pilot.press("i")
    await pilot.pause(0.3)
    await pilot.press(*"engine")
    await pilot.pause()


async def details_page(pilot) -> None:  # type: ignore[no-untyped-def]
    await go_to(pilot, "rocket")  # tests/support/details_dists.py: full metadata and a README
    await pilot.press("d")
    await pilot.pause(0.5)  # the README's Markdown lays out


async def profile(pilot) -> None:  # type: ignore[no-untyped-def]
    pilot.app.plugins_screen.action_sort_by("ms")  # lazy.nvim's profile view: slowest first
    await pilot.pause()


SHOTS: dict[str, Callable[..., Awaitable[None]]] = {
    "plugins": main_screen,
    "errors": errors,
    "save-diff": diff_dialog,
    "filter": filtering,
    "help": help_screen,
    "catalogue": catalogue,
    "details": details_page,
    "profile": profile,
}


async def take(name: str, prepare: Callable[..., Awaitable[None]], site: Path) -> Path:
    from takopi_tui.app import TakopiApp
    from takopi_tui.environment import Environment

    # A fixed interpreter line, so the pictures do not show this machine's paths.
    shown = Environment(python="/usr/bin/python3", version=platform.python_version())
    app = TakopiApp(search_path=[str(site)], watch_interval=None, environment=shown)
    app.theme = "textual-dark"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await prepare(pilot)
        await pilot.pause()
        app.save_screenshot(f"{name}.svg", str(OUT))
    return OUT / f"{name}.svg"


def preserve_spaces(svg_text: str) -> str:
    """The SVG with ``xml:space="preserve"`` on its root element.

    Rich writes spaces as ``&#160;``; without this attribute SVG renderers such as librsvg
    and cairosvg strip leading and trailing white space from every ``<text>``, so indented
    unstyled text (the context lines of a diff) would be drawn flush left in the PNG.
    """
    if 'xml:space="preserve"' in svg_text:
        return svg_text
    return svg_text.replace("<svg ", '<svg xml:space="preserve" ', 1)


def to_png(svg: Path) -> Path | None:
    png = svg.with_suffix(".png")
    source = preserve_spaces(svg.read_text(encoding="utf-8"))
    if shutil.which("rsvg-convert"):
        subprocess.run(["rsvg-convert", "-o", str(png)], input=source.encode(), check=True)
        return png
    try:
        import cairosvg  # type: ignore[import-not-found]
    except ImportError:
        return None
    cairosvg.svg2png(bytestring=source.encode(), write_to=str(png))
    return png


def main() -> int:
    import argparse

    argparse.ArgumentParser(
        description="Regenerate screenshots/ (SVG, and PNG where a converter exists) from the app."
    ).parse_args()
    from support.demo_plugins import DEMO_CONFIG, write_demo

    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        os.environ["HOME"] = str(home)  # paths show as ~/..., and the real ~/.takopi is safe
        config = home / ".takopi" / "takopi.toml"
        config.parent.mkdir()
        config.write_text(DEMO_CONFIG)
        os.environ["TAKOPI_CONFIG"] = str(config)
        site = write_demo(home / "site")
        from support.details_dists import ROCKET, ROCKET_DEPS
        from support.distfactory import write_dists

        # The details page is shown on a distribution with every metadata field filled in.
        rich_site = write_dists(write_demo(home / "site-details"), ROCKET, *ROCKET_DEPS)
        for name, prepare in SHOTS.items():
            config.write_text(DEMO_CONFIG)  # a shot never sees another's edits
            svg = asyncio.run(take(name, prepare, rich_site if name == "details" else site))
            png = to_png(svg)
            shown = svg.relative_to(ROOT)
            print(f"{shown}" + (f" + {png.name}" if png else " (no PNG converter found)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
