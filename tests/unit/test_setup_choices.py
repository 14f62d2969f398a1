"""The choices setup offers first, shared by `takopi setup` and the TUI's wizard.

Before they were written twice and differed: with no transport configured and the first one
failing to load, the CLI offered the broken one and the wizard the first that loads.
"""

from __future__ import annotations

from typing import Any

from takopi_core.plugins.discovery import Discovery, PluginEntry
from takopi_core.plugins.probe import LoadResult
from takopi_core.setup.flow import EngineChoice, Survey, TransportChoice


def entry(kind: str, plugin_id: str) -> PluginEntry:
    return PluginEntry(kind, plugin_id, "m:B", f"takopi-{plugin_id}", "1.0", True, False)


def loaded(kind: str, plugin_id: str, ok: bool = True) -> LoadResult:
    return LoadResult(
        kind=kind,
        id=plugin_id,
        value="m:B",
        distribution=f"takopi-{plugin_id}",
        version="1.0",
        status="ok" if ok else "failed",
        message=None if ok else "ImportError: boom",
    )


def transport(plugin_id: str, ok: bool = True) -> TransportChoice:
    return TransportChoice(entry("transport", plugin_id), loaded("transport", plugin_id, ok))


def engine(plugin_id: str, ok: bool = True, installed: bool = True) -> EngineChoice:
    return EngineChoice(entry("engine", plugin_id), loaded("engine", plugin_id, ok), installed)


def survey(**fields: Any) -> Survey:
    return Survey(Discovery(), **fields)


def test_the_suggested_transport_is_one_that_loads() -> None:
    broken, slack, telegram = (
        transport("broken", ok=False),
        transport("slack"),
        transport("telegram"),
    )
    listed = [broken, slack, telegram]
    assert survey(transports=listed).suggested_transport() is slack
    assert survey(transports=listed, current_transport="telegram").suggested_transport() is telegram
    # The configured one is not offered when it fails to load.
    assert survey(transports=listed, current_transport="broken").suggested_transport() is slack
    # What the user asked for (the TUI's `s` on a row) comes before the configured one.
    chosen = survey(transports=listed, current_transport="slack")
    assert chosen.suggested_transport("telegram") is telegram
    assert chosen.suggested_transport("missing") is slack
    # Nothing loads: the first listed; nothing listed: None.
    assert survey(transports=[broken]).suggested_transport() is broken
    assert survey().suggested_transport() is None


def test_the_suggested_engine_loads_and_prefers_an_installed_cli() -> None:
    broken = engine("broken", ok=False)
    missing = engine("claude", installed=False)
    codex = engine("codex")
    listed = [broken, missing, codex]
    assert survey(engines=listed).suggested_engine() == "codex"
    assert survey(engines=listed, default_engine="claude").suggested_engine() == "claude"
    assert survey(engines=listed, default_engine="broken").suggested_engine() == "codex"
    assert survey(engines=[broken, missing]).suggested_engine() == "claude"
    assert survey(engines=[broken]).suggested_engine() is None
    assert survey().suggested_engine() is None
