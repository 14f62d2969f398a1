"""Upstream Takopi's whole-file config helpers, for plugins that call them.

``read_config`` and ``write_config`` keep upstream's names, signatures and error texts.
Writing still goes through :class:`~takopi_core.config.file.ConfigFile`, so it is atomic, keeps
a ``.bak`` of the previous file and never leaves a file that does not parse.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from takopi_core.errors import ConfigError

#: Upstream's fixed config location, computed at import as upstream does. The host itself
#: resolves the path per call (``--config``, ``$TAKOPI_CONFIG``, then this).
HOME_CONFIG_PATH: Path = Path.home() / ".takopi" / "takopi.toml"


def read_config(cfg_path: Path) -> dict[str, Any]:
    """Parse the TOML file at ``cfg_path``; every failure is a ConfigError naming it."""
    path = Path(cfg_path)
    if path.exists() and not path.is_file():
        raise ConfigError(f"Config path {path} exists but is not a file.")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Missing config file {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Failed to read config file {path}: {exc}") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Malformed TOML in {path}: {exc}") from exc


def write_config(config: dict[str, Any], path: Path) -> None:
    """Replace the file at ``path`` with ``config``, atomically (creating folders)."""
    import tomlkit

    from takopi_core.config.file import ConfigFile

    try:
        text = tomlkit.dumps(config)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Unsupported config value: {exc}") from exc
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # e.g. None values tomlkit renders oddly
        raise ConfigError(f"Unsupported config value: {exc}") from exc
    target = ConfigFile.load(Path(path))
    try:
        target.save(text, validate=False)
    except OSError as exc:
        raise ConfigError(f"Failed to write config file {path}: {exc}") from exc
