"""ConfigFile: the only way anything reads or writes ``takopi.toml``.

- Location: ``--config PATH``, then ``$TAKOPI_CONFIG``, then ``~/.takopi/takopi.toml``.
- Reading uses ``tomllib`` and never changes the file; a missing file is an empty config.
- Editing goes through :mod:`takopi_core.config.edit` (tomlkit, imported only to edit), so
  comments, blank lines, key order and quoting outside the edited keys stay as they were.
- Saving re-parses and checks the new text, refuses when the file changed on disk since it
  was read, keeps the old content as ``<name>.bak`` (0600) and replaces the file atomically,
  keeping its mode (new files are 0600 in a 0700 folder).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from takopi_core.errors import ConfigConflictError, ConfigError

if TYPE_CHECKING:
    from takopi_core.config.edit import ConfigEdit
    from takopi_core.config.settings import Settings

CONFIG_ENV = "TAKOPI_CONFIG"


def _tomllib() -> ModuleType:
    """tomllib, imported on the first parse, so a missing config never pays for it."""
    import tomllib

    return tomllib


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
        return _tomllib().loads(text)
    except _tomllib().TOMLDecodeError as exc:
        raise ConfigError(describe_toml_error(exc, text, path)) from None


def describe_toml_error(exc: ValueError, text: str, path: Path) -> str:
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
    lines = text.splitlines()
    if line_no is None and where.startswith("end of document") and lines:
        line_no, col = len(lines), len(lines[-1]) + 1
        reason += " at the end of the file"
    if line_no is None or col is None:
        return f"{path}: invalid TOML: {message}"
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
        raise ConfigError(f"{path}: `plugins` must be a table, found {type_name(plugins)}")
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


# --- display helpers -----------------------------------------------------------------------


def display_path(path: Path) -> str:
    """``~/<relative>`` for paths under the home folder, otherwise the path as given."""
    try:
        relative = path.expanduser().relative_to(Path.home())
    except ValueError:
        return str(path)
    return "~" if str(relative) == "." else f"~/{relative}"


# --- key paths and values given on the command line ----------------------------------------

_KEY_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")

#: A key whose name contains one of these holds a secret: masked unless asked.
SECRET_WORDS: tuple[str, ...] = ("token", "secret", "password", "key")
MASK = "********"


def parse_key(raw: str) -> tuple[str, ...]:
    """``transports.telegram.chat_id`` -> ``("transports", "telegram", "chat_id")``."""
    text = raw.strip()
    if not text:
        raise ConfigError("invalid key path: expected a non-empty value")
    parts = tuple(text.split("."))
    for part in parts:
        if not part:
            raise ConfigError(f"invalid key path {raw!r}: empty segment")
        if not _KEY_SEGMENT.match(part):
            raise ConfigError(
                f"invalid key segment {part!r} in {raw!r}: use only letters, numbers, '_' or '-'"
            )
    return parts


def parse_value(raw: str) -> Any:
    """A command-line value: a TOML value when it parses as one, else the string itself.

    ``123`` -> 123, ``true`` -> True, ``["a", "b"]`` -> a list, ``claude`` -> "claude".
    """
    text = raw.strip()
    if not text:
        return ""
    try:
        parsed = _tomllib().loads(f"__value__ = {text}\n")
    except _tomllib().TOMLDecodeError:
        return text
    if list(parsed) != ["__value__"]:
        return text  # the text smuggled in more keys: take it literally
    return parsed["__value__"]


def is_secret_key(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def is_secret_path(keys: tuple[str, ...]) -> bool:
    """True when any key on the path names a secret (``api_keys.openai`` is one too)."""
    return any(is_secret_key(key) for key in keys)


def lookup(data: dict[str, Any], keys: tuple[str, ...], path: Path) -> tuple[bool, Any]:
    """``(found, value)`` for a key path; a non-table on the way is a ConfigError."""
    current: Any = data
    for depth, key in enumerate(keys):
        if not isinstance(current, dict):
            prefix = ".".join(keys[:depth])
            raise ConfigError(f"{path}: `{prefix}` is {type_name(current)}, not a table")
        if key not in current:
            return False, None
        current = current[key]
    return True, current


def flatten(
    data: dict[str, Any], prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Any]]:
    """Every leaf as ``(key path, value)``, keys sorted at each level; empty tables vanish."""
    leaves: list[tuple[tuple[str, ...], Any]] = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, dict):
            leaves.extend(flatten(value, (*prefix, key)))
        else:
            leaves.append(((*prefix, key), value))
    return leaves


def toml_literal(value: Any) -> str:
    """A value written as inline TOML: ``"text"``, ``12``, ``true``, ``["a", 1]``, ``{a = 1}``."""
    match value:
        case bool():
            return "true" if value else "false"
        case int():
            return str(value)
        case float():
            if value != value:
                return "nan"
            if value in (float("inf"), float("-inf")):
                return "inf" if value > 0 else "-inf"
            return repr(value)
        case str():
            return _toml_string(value)
        case list():
            return "[" + ", ".join(toml_literal(item) for item in value) + "]"
        case dict():
            if not value:
                return "{}"
            inner = ", ".join(f"{_toml_key(k)} = {toml_literal(v)}" for k, v in value.items())
            return "{ " + inner + " }"
        case _ if hasattr(value, "isoformat"):
            return value.isoformat()
        case _:
            raise ConfigError(f"cannot show a {type(value).__name__} as a TOML value")


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _KEY_SEGMENT.match(key) else _toml_string(key)


def masked_literal(keys: tuple[str, ...], value: Any, *, show_secrets: bool) -> str:
    """``toml_literal(value)``, with every value under a secret-named key shown as the mask."""
    if show_secrets:
        return toml_literal(value)
    if is_secret_path(keys):
        return MASK
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ", ".join(
            f"{_toml_key(k)} = {masked_literal((*keys, k), v, show_secrets=False)}"
            for k, v in value.items()
        )
        return "{ " + inner + " }"
    if isinstance(value, list):
        return "[" + ", ".join(masked_literal(keys, v, show_secrets=False) for v in value) + "]"
    return toml_literal(value)


# --- ConfigFile ------------------------------------------------------------------------------


def unified_diff(old: str, new: str, label: str) -> str:
    """A unified diff of two config texts ("" when they are equal)."""
    import difflib  # only diffs need it; plain reads stay cheap

    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    for lines in (old_lines, new_lines):
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n\\ No newline at end of file\n"
    return "".join(
        difflib.unified_diff(old_lines, new_lines, fromfile=label, tofile=f"{label} (new)")
    )


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes, ``None`` when it does not exist; other problems are ConfigErrors."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a TOML file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


class ConfigFile:
    """One config file as read from disk, with safe editing and saving.

    Typical use (the CLI and the TUI both work this way)::

        config = ConfigFile.load(args.config)
        new_text = config.with_value("default_engine", "claude")
        print(config.diff(new_text))
        config.save(new_text)   # ConfigConflictError if someone else changed the file
    """

    def __init__(self, path: Path, text: str, disk: bytes | None) -> None:
        self.path = path
        #: The text read (``""`` when the file does not exist). Line endings are kept.
        self.text = text
        self._disk = disk
        self._data: dict[str, Any] | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ConfigFile:
        """Read the config at ``path`` (default: :func:`resolve_config_path`)."""
        config_path = resolve_config_path(path)
        disk = _read_bytes(config_path)
        text = "" if disk is None else _decode(disk, config_path)
        return cls(config_path, text, disk)

    def reload(self) -> None:
        """Read the file again, dropping what was read before (after a conflict, say)."""
        fresh = ConfigFile.load(self.path)
        self.text, self._disk, self._data = fresh.text, fresh._disk, None

    @property
    def exists(self) -> bool:
        """True when the file existed when it was (last) read."""
        return self._disk is not None

    @property
    def backup_path(self) -> Path:
        """Where :meth:`save` keeps the previous content: ``<name>.bak`` beside the file."""
        return self.path.with_name(self.path.name + ".bak")

    @property
    def data(self) -> dict[str, Any]:
        """The parsed content (tomllib); malformed TOML raises a ConfigError with the place."""
        if self._data is None:
            self._data = parse_toml_text(self.text, self.path)
        return self._data

    def settings(self) -> Settings:
        """The checked, typed view (:class:`takopi_core.config.settings.Settings`)."""
        from takopi_core.config.settings import Settings

        return Settings.from_data(self.data, self.path)

    # -- editing: each returns the new text; nothing is written until save() ------------------

    def edit(self) -> ConfigEdit:
        """An editor over the current text, for several changes before one save."""
        from takopi_core.config.edit import ConfigEdit

        self.data  # noqa: B018 - a malformed file is reported by tomllib, with line and column
        return ConfigEdit(self.text, self.path)

    def with_enabled(self, names: list[str]) -> str:
        """The text with ``[plugins] enabled`` set to ``names``."""
        editor = self.edit()
        editor.set_enabled(names)
        return editor.text()

    def with_value(self, key: str | tuple[str, ...], value: Any) -> str:
        """The text with ``key`` (dotted or a tuple) set to ``value``."""
        editor = self.edit()
        editor.set(parse_key(key) if isinstance(key, str) else key, value)
        return editor.text()

    def without_key(self, key: str | tuple[str, ...]) -> str:
        """The text with ``key`` removed (and tables it leaves empty); unchanged if absent."""
        editor = self.edit()
        editor.unset(parse_key(key) if isinstance(key, str) else key)
        return editor.text()

    def diff(self, new_text: str, *, show_secrets: bool = False) -> str:
        """A unified diff from the text read to ``new_text``; secrets masked unless asked."""
        label = display_path(self.path)
        if show_secrets:
            return unified_diff(self.text, new_text, label)
        old_data = self.data
        parse_toml_text(new_text, self.path)  # a diff is only shown for text that parses
        lowered = (self.text + new_text).lower()
        if not any(word in lowered for word in SECRET_WORDS):
            return unified_diff(self.text, new_text, label)
        from takopi_core.config.edit import masked_text

        return unified_diff(
            masked_text(self.text),
            masked_text(new_text, compare_to=old_data),
            label,
        )

    # -- saving -----------------------------------------------------------------------------

    def changed_on_disk(self) -> bool:
        """True when the file on disk is no longer what was read."""
        from takopi_core.config.atomic import real_target

        return _read_bytes(real_target(self.path)) != self._disk

    def save(self, new_text: str, *, validate: bool = True) -> bool:
        """Write ``new_text`` safely; False when there was nothing to write.

        The text must parse (and, with ``validate``, pass the Settings checks), or a
        ConfigError is raised and nothing is written. If the file changed on disk since it
        was read, :class:`ConfigConflictError` is raised and nothing is written.
        """
        from takopi_core.config.atomic import (
            PRIVATE_FILE_MODE,
            ensure_private_folder,
            real_target,
            write_atomic,
        )

        if new_text == self.text and (self.exists or not new_text):
            return False
        data = parse_toml_text(new_text, self.path)
        if validate:
            from takopi_core.config.settings import Settings

            Settings.from_data(data, self.path)
        target = real_target(self.path)
        self._check_unchanged(target)
        new_bytes = new_text.encode("utf-8")
        try:
            ensure_private_folder(target.parent)
            mode = PRIVATE_FILE_MODE
            if self._disk is not None:
                mode = stat.S_IMODE(os.stat(target).st_mode)
                write_atomic(real_target(self.backup_path), self._disk, mode=PRIVATE_FILE_MODE)
            self._check_unchanged(target)  # again, to keep the window before the rename short
            write_atomic(target, new_bytes, mode=mode)
        except OSError as exc:
            where = exc.filename or target
            raise ConfigError(
                f"{self.path}: cannot write ({where}: {exc.strerror or exc}); "
                "the file was not changed"
            ) from None
        self.text, self._disk, self._data = new_text, new_bytes, data
        return True

    def _check_unchanged(self, target: Path) -> None:
        if _read_bytes(target) != self._disk:
            what = "created" if self._disk is None else "changed"
            raise ConfigConflictError(
                f"{self.path}: the file was {what} on disk after it was read; nothing was "
                "written. Reload it and make the change again."
            )
