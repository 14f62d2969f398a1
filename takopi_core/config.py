"""ConfigFile: the only way anything reads or writes ``takopi.toml``.

This first cut locates the file and reads it for display (``tomllib``); editing arrives with
the Config issue.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_ENV = "TAKOPI_CONFIG"


def home_config_path() -> Path:
    """``~/.takopi/takopi.toml``, computed when asked so tests can point HOME elsewhere."""
    return Path.home() / ".takopi" / "takopi.toml"


def resolve_config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the config lives: ``--config PATH``, then ``$TAKOPI_CONFIG``, then the home one."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return home_config_path()


def parse_toml_text(text: str, path: Path) -> dict[str, Any]:
    """Parse TOML, turning a syntax error into a ConfigError with path, line, column and line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(describe_toml_error(exc, text, path)) from None


def describe_toml_error(exc: tomllib.TOMLDecodeError, text: str, path: Path) -> str:
    message = str(exc)
    # tomllib appends " (at line L, column C)"; keep the reason and show the line itself.
    reason, _, where = message.partition(" (at ")
    line_no = col = None
    if where.startswith("line "):
        parts = where.rstrip(")").replace(",", "").split()
        try:
            line_no, col = int(parts[1]), int(parts[3])
        except (IndexError, ValueError):
            line_no = col = None
    if line_no is None:
        return f"{path}: invalid TOML: {message}"
    lines = text.splitlines()
    shown = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    caret = " " * max(col - 1, 0) + "^"
    return (
        f"{path}:{line_no}:{col}: invalid TOML: {reason}\n"
        f"  {line_no} | {shown}\n"
        f"  {' ' * len(str(line_no))} | {caret}"
    )


def read_config_data(path: Path) -> dict[str, Any]:
    """Read and parse ``path``; a missing file is an empty config, not an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a TOML file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_toml_text(text, path)


def enabled_list(data: dict[str, Any], path: Path) -> list[str]:
    """``[plugins] enabled`` as a list of names; wrong types name the key path."""
    plugins = data.get("plugins")
    if plugins is None:
        return []
    if not isinstance(plugins, dict):
        raise ConfigError(
            f"{path}: `plugins` must be a table, found {type_name(plugins)}"
        )
    enabled = plugins.get("enabled", [])
    if not isinstance(enabled, list):
        raise ConfigError(
            f"{path}: `plugins.enabled` must be an array of strings, found {type_name(enabled)}"
        )
    names: list[str] = []
    for index, item in enumerate(enabled):
        if not isinstance(item, str):
            raise ConfigError(
                f"{path}: `plugins.enabled[{index}]` must be a string, found {type_name(item)}"
            )
        if item.strip():
            names.append(item.strip())
    return names


def type_name(value: object) -> str:
    """A TOML-flavoured name for a Python value's type, for error messages."""
    match value:
        case bool():
            return "a boolean"
        case int():
            return "an integer"
        case float():
            return "a float"
        case str():
            return "a string"
        case list():
            return "an array"
        case dict():
            return "a table"
        case _:
            return f"a {type(value).__name__}"
