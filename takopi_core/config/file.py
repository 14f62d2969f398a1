"""ConfigFile: the only way anything reads or writes ``takopi.toml``.

- Location: ``--config PATH``, then ``$TAKOPI_CONFIG``, then ``~/.takopi/takopi.toml``.
- Reading uses ``tomllib`` and never changes the file; a missing file is an empty config.
- Editing goes through :mod:`takopi_core.config.edit` (tomlkit, imported only to edit), so
  comments, blank lines, key order and quoting outside the edited keys stay as they were.
- Saving re-parses and checks the new text, then, holding the config's cross-process write
  lock (:mod:`takopi_core.config.lock`), refuses when the file changed on disk since it was
  read, keeps the old content as ``<name>.bak`` (0600) and replaces the file atomically,
  keeping its mode (new files are 0600 in a 0700 folder). Reading takes no lock: a reader
  sees the old file or the new one, and a stale read is caught by the check under the lock.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from takopi_core.config.keys import parse_key, unified_diff
from takopi_core.config.toml import (
    decode_config,
    display_path,
    parse_toml_text,
    read_config_bytes,
    resolve_config_path,
)
from takopi_core.errors import ConfigConflictError, ConfigError
from takopi_core.secrets import SECRET_WORDS, Masker

if TYPE_CHECKING:
    from takopi_core.config.edit import ConfigEdit
    from takopi_core.config.settings import Settings


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
        disk = read_config_bytes(config_path)
        text = "" if disk is None else decode_config(disk, config_path)
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

    def diff(
        self, new_text: str, *, show_secrets: bool = False, masker: Masker | None = None
    ) -> str:
        """A unified diff from the text read to ``new_text``; secrets masked unless asked.

        ``masker`` adds the declared secret fields to the secret-named keys.
        """
        label = display_path(self.path)
        if show_secrets:
            return unified_diff(self.text, new_text, label)
        old_data = self.data
        parse_toml_text(new_text, self.path)  # a diff is only shown for text that parses
        lowered = (self.text + new_text).lower()
        if not any(word in lowered for word in SECRET_WORDS) and not (masker and masker.paths):
            return unified_diff(self.text, new_text, label)
        from takopi_core.config.edit import masked_text

        return unified_diff(
            masked_text(self.text, masker=masker),
            masked_text(new_text, compare_to=old_data, masker=masker),
            label,
        )

    # -- saving -----------------------------------------------------------------------------

    def changed_on_disk(self) -> bool:
        """True when the file on disk is no longer what was read."""
        from takopi_core.config.atomic import real_target

        return read_config_bytes(real_target(self.path)) != self._disk

    def save(
        self, new_text: str, *, validate: bool = True, lock_timeout: float | None = None
    ) -> bool:
        """Write ``new_text`` safely; False when there was nothing to write.

        The text must parse (and, with ``validate``, pass the Settings checks), or a
        ConfigError is raised and nothing is written. The write holds the config's
        cross-process lock; if the file changed on disk since it was read,
        :class:`ConfigConflictError` is raised and nothing is written, and if another
        process holds the lock for over ``lock_timeout`` seconds,
        :class:`~takopi_core.config.lock.ConfigBusyError` (a ConfigConflictError) says to
        try again. The ``.bak`` and the temporary file are never written through a symlink.
        """
        from takopi_core.config.atomic import (
            PRIVATE_FILE_MODE,
            ensure_private_folder,
            real_target,
            write_atomic,
        )
        from takopi_core.config.lock import DEFAULT_LOCK_TIMEOUT, config_write_lock

        if new_text == self.text and (self.exists or not new_text):
            return False
        data = parse_toml_text(new_text, self.path)
        if validate:
            from takopi_core.config.settings import Settings

            Settings.from_data(data, self.path)
        target = real_target(self.path)
        new_bytes = new_text.encode("utf-8")
        wait = DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
        try:
            ensure_private_folder(target.parent)
            ensure_private_folder(self.path.parent)  # the lock file's (and .bak's) folder
            with config_write_lock(self.path, timeout=wait):
                # Under the lock: no other writer can slip in between this check and the
                # rename, so a change made since our read is never overwritten.
                self._check_unchanged(target)
                mode = PRIVATE_FILE_MODE
                if self._disk is not None:
                    mode = stat.S_IMODE(os.stat(target).st_mode)
                    # Not real_target(): a .bak planted as a symlink is replaced, not followed.
                    write_atomic(self.backup_path, self._disk, mode=PRIVATE_FILE_MODE)
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
        if read_config_bytes(target) != self._disk:
            what = "created" if self._disk is None else "changed"
            raise ConfigConflictError(
                f"{self.path}: the file was {what} on disk after it was read; nothing was "
                "written. Reload it and make the change again."
            )
