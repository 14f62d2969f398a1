"""App-level messages: what the probe worker reports to the plugins screen.

The worker runs in a thread and only ever posts these (``post_message`` is thread-safe); the
screen changes widgets when it handles them, on the event loop. Each carries the ``run`` number
of the probe run it belongs to, so news from a cancelled run is ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from takopi_core.plugins.check_cache import CheckStamp
    from takopi_core.plugins.discovery import PluginEntry
    from takopi_core.plugins.probe import LoadResult

    from .rows import EntryKey


class PluginChecking(Message):
    """The probe started loading one plugin (the row shows "loading")."""

    def __init__(self, run: int, key: EntryKey) -> None:
        super().__init__()
        self.run = run
        self.key = key


class PluginChecked(Message):
    """The probe finished one plugin, either way."""

    def __init__(self, run: int, result: LoadResult) -> None:
        super().__init__()
        self.run = run
        self.result = result


class ProbeFinished(Message):
    """A probe run ended: every plugin reported, or it was cancelled."""

    def __init__(self, run: int, cancelled: bool) -> None:
        super().__init__()
        self.run = run
        self.cancelled = cancelled


class ProbeCrashed(Message):
    """The probe machinery itself failed (not a plugin): shown, and the app carries on."""

    def __init__(self, run: int, error: str) -> None:
        super().__init__()
        self.run = run
        self.error = error


class ProbeStamped(Message):
    """The worker took the stamps of a run's plugins, before the probe started."""

    def __init__(self, run: int, stamps: Mapping[EntryKey, CheckStamp]) -> None:
        super().__init__()
        self.run = run
        self.stamps = stamps


class ChangesStamped(Message):
    """After a reload: the stamps of the enabled plugins, to find which changed."""

    def __init__(
        self,
        generation: int,
        entries: Sequence[PluginEntry],
        stamps: Mapping[EntryKey, CheckStamp],
    ) -> None:
        super().__init__()
        self.generation = generation
        self.entries = entries
        self.stamps = stamps
