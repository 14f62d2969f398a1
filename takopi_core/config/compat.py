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
    """Parse the TOML file at ``cfg_path``; every failure is a ConfigError naming it.

    The bytes come from the host's one reader (:func:`~takopi_core.config.toml.read_config_bytes`:
    regular files only, size-capped, line ends kept), so a plugin reading the config accepts
    and refuses exactly the files the host does; the nesting bound applies too.
    """
    from takopi_core.config.toml import (
        decode_config,
        describe_too_deep,
        read_config_bytes,
        too_deep_path,
    )

    path = Path(cfg_path)
    if path.is_dir():
        raise ConfigError(f"Config path {path} exists but is not a file.")
    raw = read_config_bytes(path)
    if raw is None:
        raise ConfigError(f"Missing config file {path}.")
    text = decode_config(raw, path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Malformed TOML in {path}: {exc}") from exc
    except RecursionError:
        raise ConfigError(describe_too_deep(text, path, None)) from None
    deep = too_deep_path(data)
    if deep is not None:
        raise ConfigError(describe_too_deep(text, path, deep))
    return data


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


def ensure_table(
    config: dict[str, Any], key: str, *, config_path: Path, label: str | None = None
) -> dict[str, Any]:
    """The table at ``config[key]``, created (empty) when missing.

    A value there that is not a table is a ConfigError naming ``label`` (or ``key``) and
    the file, as upstream's helper reports it.
    """
    value = config.get(key)
    if value is None:
        created: dict[str, Any] = {}
        config[key] = created
        return created
    if not isinstance(value, dict):
        raise ConfigError(f"Invalid `{label or key}` in {config_path}; expected a table.")
    return value


def dump_toml(config: dict[str, Any]) -> str:
    """``config`` as TOML text; a value TOML cannot hold is a ConfigError."""
    import tomlkit

    try:
        text = tomlkit.dumps(config)
        tomllib.loads(text)  # tomlkit renders some values (None) as text that does not parse
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Unsupported config value: {exc}") from exc
    return text
