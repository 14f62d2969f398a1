"""Hot reload of a live runtime when takopi.toml changes (upstream's ``takopi.config_watch``).

Transports that honour ``watch_config = true`` run :func:`watch_config` beside their loop.
Each time the file's contents settle on a new version it is read and checked again and its
engines and projects are rebuilt (``build_runtime_spec``, as at start-up); the result replaces
the runtime's router, projects, enabled list and plugin tables *in place*, so everything
holding the runtime (the bridge, commands) sees the new config on its next message. A file
that does not parse, or names an engine that does not load, is logged and skipped: the
runtime keeps the last good config.

It polls the file's (mtime, size, inode) rather than using an OS watch (watchfiles, inotify):
it is one small file, read only when that signature moves; a poll works the same on every
file system (network mounts, editors that replace the file by rename, a config symlink that
is re-pointed) and adds no native dependency to the host.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import anyio

from takopi_core.config.settings import Settings, load_settings
from takopi_core.errors import ConfigError
from takopi_core.ids import CHAT_COMMANDS
from takopi_core.run.assembly import RuntimeSpec, build_runtime_spec
from takopi_core.run.logs import get_logger
from takopi_core.run.runtime import TransportRuntime

_logger = get_logger(__name__)

#: How often the file's signature is checked.
POLL_INTERVAL_S = 0.5

Signature = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class ConfigReload:
    """One applied reload: the new settings, the runtime they built, the file they came from."""

    settings: Settings
    runtime_spec: RuntimeSpec
    config_path: Path


def config_status(path: Path) -> tuple[str, Signature | None]:
    """``("ok", signature)`` for a regular file; ``("missing" | "invalid", None)`` else."""
    try:
        stat = path.stat()
    except OSError:
        return "missing", None
    if not path.is_file():
        return "invalid", None
    return "ok", (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def reload_config(
    config_path: Path,
    *,
    runtime: TransportRuntime,
    default_engine_override: str | None = None,
    reserved: Iterable[str] = CHAT_COMMANDS,
) -> ConfigReload:
    """Read ``config_path`` and build what it describes (ConfigError when it cannot be used)."""
    settings, resolved = load_settings(config_path)
    spec = build_runtime_spec(
        settings=settings,
        config_path=resolved,
        default_engine_override=default_engine_override,
        reserved=reserved,
        gate=runtime.plugin_gate,
    )
    return ConfigReload(settings=settings, runtime_spec=spec, config_path=resolved)


async def watch_config(
    *,
    config_path: Path,
    runtime: TransportRuntime,
    default_engine_override: str | None = None,
    reserved: Iterable[str] = CHAT_COMMANDS,
    on_reload: Callable[[ConfigReload], Awaitable[None]] | None = None,
    poll_interval_s: float = POLL_INTERVAL_S,
) -> None:
    """Apply every good new version of ``config_path`` to ``runtime``, until cancelled.

    ``on_reload`` (async) runs after each applied reload; its errors are logged, not raised.
    """
    reserved = tuple(reserved)
    path = Path(os.path.expanduser(config_path))
    status, applied = config_status(path)
    if status != "ok":
        _logger.warning("config.watch.unavailable", path=str(path), status=status)
    last_status = status
    while True:
        await anyio.sleep(poll_interval_s)
        status, current = config_status(path)
        if status != last_status:
            if status == "ok":
                _logger.info("config.watch.available", path=str(path))
            else:
                _logger.warning("config.watch.unavailable", path=str(path), status=status)
            last_status = status
        if status != "ok" or current == applied:
            continue
        # Wait for the writer to finish: act on a signature seen twice in a row.
        await anyio.sleep(poll_interval_s / 2)
        if config_status(path)[1] != current:
            continue
        applied = current
        try:
            reload = reload_config(
                path,
                runtime=runtime,
                default_engine_override=default_engine_override,
                reserved=reserved,
            )
        except ConfigError as exc:
            _logger.warning("config.reload.failed", path=str(path), error=str(exc))
            continue
        reload.runtime_spec.apply(runtime, config_path=reload.config_path)
        _logger.info("config.reload.applied", path=str(reload.config_path))
        if on_reload is None:
            continue
        try:
            await on_reload(reload)
        except Exception as exc:  # a plugin's callback: logged, the watch goes on
            _logger.warning(
                "config.reload.callback_failed", error=str(exc), error_type=type(exc).__name__
            )
