"""One doctor finding (:class:`Check`) and what the checks share while doctor runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from takopi_core.config.file import ConfigFile
from takopi_core.ids import FALLBACK_TRANSPORT
from takopi_core.plugins.discovery import Discovery
from takopi_core.plugins.probe import LoadResult

Status = Literal["ok", "warning", "error"]
OK: Status = "ok"
WARNING: Status = "warning"
ERROR: Status = "error"


@dataclass(frozen=True, slots=True)
class Check:
    """One doctor finding."""

    name: str
    status: Status
    summary: str
    details: tuple[str, ...] = ()
    #: What to do about it (None when there is nothing to do).
    action: str | None = None
    #: ``--fix`` can repair it; ``fixed`` says it did.
    fixable: bool = False
    fixed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "details": list(self.details),
            "action": self.action,
            "fixable": self.fixable,
            "fixed": self.fixed,
        }


@dataclass(slots=True)
class DoctorState:
    """What earlier checks learned, for the later ones."""

    config: ConfigFile | None = None
    data: dict[str, Any] | None = None
    settings: Any = None
    discovery: Discovery | None = None
    results: dict[tuple[str, str, str | None], LoadResult] = field(default_factory=dict)

    @property
    def enabled(self) -> list[str] | None:
        """``[plugins] enabled`` as read, or None when the config could not be read."""
        settings = self.settings
        return list(settings.enabled) if settings is not None else None

    @property
    def default_engine(self) -> str | None:
        """``default_engine`` as read (None when unset or unreadable)."""
        return self.settings.default_engine if self.settings is not None else None

    @property
    def chosen_transport(self) -> str:
        """The transport a run would start: the configured one, else the fallback."""
        if self.settings is not None and self.settings.transport:
            return str(self.settings.transport)
        return FALLBACK_TRANSPORT


def counted(n: int, noun: str) -> str:
    """``1 lock path``, ``2 lock paths``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
