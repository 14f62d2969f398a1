"""App-level messages: what the probe worker reports to the plugins screen.

The worker runs in a thread and only ever posts these (``post_message`` is thread-safe); the
screen changes widgets when it handles them, on the event loop. Each carries the ``run`` number
of the probe run it belongs to, so news from a cancelled run is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from .rows import EntryKey

if TYPE_CHECKING:
    from takopi_core.probe import LoadResult


@dataclass
class PluginChecking(Message):
    """The probe started loading one plugin (the row shows "loading")."""

    run: int
    key: EntryKey


@dataclass
class PluginChecked(Message):
    """The probe finished one plugin, either way."""

    run: int
    result: LoadResult


@dataclass
class ProbeFinished(Message):
    """A probe run ended: every plugin reported, or it was cancelled."""

    run: int
    cancelled: bool


@dataclass
class ProbeCrashed(Message):
    """The probe machinery itself failed (not a plugin): shown, and the app carries on."""

    run: int
    error: str
