"""Comment-preserving edits of ``takopi.toml`` text, on top of tomlkit.

Imported only when something is edited (never on the display or listing paths). The goal is
a minimal diff: every line that the edit does not have to touch stays byte for byte.

tomlkit alone gets a few placements wrong for our files, so this module decides where new
keys and tables go (ux-and-style.md §7):

- a new key goes right after the last key of its table, not after the comments that
  introduce the next table;
- giving an implicit ``[plugins]`` (only ``[plugins.<id>]`` tables so far) its first key must
  not copy the sub-table's trailing comment onto the new ``[plugins]`` header;
- removing a whole table keeps the comments at its end, which introduce whatever follows.

Those corrections use a few private tomlkit attributes; the golden-file tests pin the
results, so a tomlkit upgrade that changes them fails loudly.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container, OutOfOrderTableProxy
from tomlkit.items import AoT, Array, Comment, InlineTable, Item, Null, Table, Trivia, Whitespace
from tomlkit.toml_document import TOMLDocument

from takopi_core.config.toml import type_name
from takopi_core.errors import ConfigError
from takopi_core.secrets import MASK, Masker

TableLike = TOMLDocument | Table | InlineTable | OutOfOrderTableProxy

#: A fresh array with more items, or longer, than this is written one item per line.
MULTILINE_ARRAY_ITEMS = 2
MULTILINE_ARRAY_WIDTH = 60


class ConfigEdit:
    """A parsed config text that can be changed key by key, then rendered back."""

    def __init__(self, text: str, path: Path) -> None:
        self.path = path
        # Files written on Windows keep their CRLF line ends in the lines we add.
        self._crlf = "\r\n" in text and text.count("\r\n") * 2 > text.count("\n")
        try:
            self._doc = parse_document(text)
        except tomlkit.exceptions.ParseError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None

    def text(self) -> str:
        """The edited text."""
        rendered = self._doc.as_string()
        if self._crlf:
            rendered = re.sub(r"(?<!\r)\n", "\r\n", rendered)
        return rendered

    # -- reading ------------------------------------------------------------------------

    def get(self, keys: Sequence[str]) -> tuple[bool, Any]:
        """``(found, plain value)`` at ``keys``."""
        parent = self._table(keys[:-1], create=False)
        if parent is None or keys[-1] not in parent:
            return False, None
        return True, _plain(parent[keys[-1]])

    # -- changing -----------------------------------------------------------------------

    def set(self, keys: Sequence[str], value: Any) -> None:
        """Set ``keys`` to ``value``, creating missing tables on the way.

        A value that replaces an existing one keeps that line's comment; a dict becomes an
        inline table.
        """
        if not keys:
            raise ConfigError(f"{self.path}: cannot replace the whole config")
        parent = self._table(keys[:-1], create=True)
        assert parent is not None
        leaf = keys[-1]
        item = _to_item(value)
        if leaf in parent:
            current = _raw_item(parent, leaf)
            if isinstance(current, Table | AoT) and not isinstance(parent, InlineTable):
                # A [table] section cannot become a plain value in place: the value would
                # land after other sections. Remove it and add the value as a new key.
                self._remove(parent, leaf)
                _add_key_value(parent, leaf, item)
            else:
                parent[leaf] = item
        else:
            _add_key_value(parent, leaf, item)

    def unset(self, keys: Sequence[str]) -> bool:
        """Remove ``keys``, then any table that removal left without keys or comments.

        Returns False (and changes nothing) when the key is not there.
        """
        if not keys:
            raise ConfigError(f"{self.path}: cannot remove the whole config")
        parent = self._table(keys[:-1], create=False)
        if parent is None or keys[-1] not in parent:
            return False
        self._remove(parent, keys[-1])
        for depth in range(len(keys) - 1, 0, -1):
            table = self._table(keys[:depth], create=False)
            if table is None or len(table) or _has_comments(table):
                break
            holder = self._table(keys[: depth - 1], create=False)
            assert holder is not None
            self._remove(holder, keys[depth - 1])
        return True

    def set_enabled(self, names: Sequence[str]) -> None:
        """Make ``[plugins] enabled`` exactly ``names``.

        An existing array is edited in place: entries that stay keep their own comments,
        removed entries go with theirs, new ones are appended.
        """
        wanted = list(names)
        plugins = self._table(("plugins",), create=True)
        assert plugins is not None
        if "enabled" not in plugins:
            wrap = not isinstance(plugins, InlineTable)
            _add_key_value(plugins, "enabled", _fresh_array(wanted, wrap=wrap))
            return
        current = _raw_item(plugins, "enabled")
        if not isinstance(current, Array):
            raise ConfigError(
                f"{self.path}: `plugins.enabled` must be an array of distribution names, "
                f"found {type_name(_plain(current))}"
            )
        if not wanted:
            plugins["enabled"] = tomlkit.array()  # the line's own comment is kept
            return
        kept = [str(v) for v in current if str(v) in wanted]
        for index in range(len(current) - 1, -1, -1):
            if str(current[index]) not in wanted:
                del current[index]
        if kept != wanted[: len(kept)] or len(set(kept)) != len(kept):
            # The order changed: write it afresh.
            plugins["enabled"] = _fresh_array(wanted, wrap=not isinstance(plugins, InlineTable))
            return
        was_empty = not kept and not len(current)
        for name in wanted[len(kept) :]:
            current.append(name)
        if was_empty and not isinstance(plugins, InlineTable):
            _wrap_if_long(current)  # an array that had no style of its own yet

    # -- internals ----------------------------------------------------------------------

    def _table(self, keys: Sequence[str], *, create: bool) -> TableLike | None:
        """The table at ``keys`` (the document for ``()``), created if asked."""
        container: TableLike = self._doc
        for depth, key in enumerate(keys):
            if key in container:
                child = container[key]
                if not isinstance(child, Table | InlineTable | OutOfOrderTableProxy):
                    prefix = ".".join(keys[: depth + 1])
                    raise ConfigError(
                        f"{self.path}: `{prefix}` is {type_name(_plain(child))}, not a table"
                    )
                container = child
                continue
            if not create:
                return None
            if isinstance(container, InlineTable):
                container[key] = tomlkit.inline_table()
            else:
                _add_table(container, key, tomlkit.table())
            container = container[key]
        return container

    def _remove(self, parent: TableLike, key: str) -> None:
        """Delete ``key``; a removed [table] leaves its trailing comments where it was."""
        current = _raw_item(parent, key)
        owner = _body_owner(parent)
        # An int: the table's one place in the body (a tuple when it is split in parts).
        index = owner._map.get(_key(key)) if owner is not None else None
        if not isinstance(current, Table) or owner is None or not isinstance(index, int):
            del parent[key]
            return
        trailing = _trailing_comments(current)
        del parent[key]
        if not trailing:
            return
        previous = next(
            (v for _, v in reversed(owner.body[:index]) if not isinstance(v, Null)), None
        )
        if isinstance(previous, Table):
            # Hand the comments to the section just above, so they still come right before
            # whatever followed the removed table.
            _last_section_owner(previous.value).body.extend((None, item) for item in trailing)
        elif isinstance(owner.body[index][1], Null):
            text = "".join(item.as_string() for item in trailing)
            # One comment item holding the whole run; its text is rendered verbatim.
            owner.body[index] = (
                None,
                Comment(Trivia(comment_ws="", comment=text.rstrip("\n"), trail="\n")),
            )


def parse_document(text: str) -> TOMLDocument:
    """``tomlkit.parse(text)`` with the cyclic garbage collector paused.

    tomlkit makes several objects per byte of the file and no garbage cycles while parsing;
    the collector re-scanning that growing heap cost about a third of the time to edit a
    large file (benchmarks/bench_config.py). Paused only for the parse itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return tomlkit.parse(text)
    finally:
        if was_enabled:
            gc.enable()


# --- placement helpers -------------------------------------------------------------------


def _key(name: str) -> tomlkit.items.Key:
    return tomlkit.items.SingleKey(name)


def _body_owner(container: TableLike) -> Container | None:
    """The tomlkit Container whose body lists the items, or None for proxies/inline tables."""
    if isinstance(container, TOMLDocument):
        return container
    if isinstance(container, Table):
        return container.value
    return None


def _raw_item(container: TableLike, key: str) -> Any:
    if isinstance(container, Table | TOMLDocument):
        return container.item(key)
    return container[key]


def _is_section(key: Any, item: Any) -> bool:
    """True for items rendered as a ``[header]`` section (not a dotted ``a.b = 1`` key)."""
    return isinstance(item, Table | AoT) and not (key is not None and key.is_dotted())


def _is_filler(item: Any) -> bool:
    return isinstance(item, Comment | Whitespace | Null)


def _add_key_value(container: TableLike, key: str, item: Item) -> None:
    """Add a new ``key = value`` after the table's last key (see module docstring)."""
    if isinstance(container, Table) and container.is_super_table():
        # The table gets a header of its own now; tomlkit would copy the first sub-table's
        # trailing comment onto it.
        container.trivia.comment = ""
        container.trivia.comment_ws = ""
        if container._is_super_table:
            container._is_super_table = None
    owner = _body_owner(container)
    if owner is None:
        container[key] = item
        return
    body = owner.body
    last_key_value = None
    first_section = len(body)
    for index, (k, v) in enumerate(body):
        if _is_section(k, v):
            first_section = index
            break
        if k is not None:
            last_key_value = index
    if last_key_value is not None:
        index = last_key_value + 1
    elif first_section == len(body) and isinstance(container, Table):
        index = 0  # a table with only comments: those introduce the next section
    else:
        index = first_section
        # Comments right above the first section introduce it: go above them.
        while index < len(body) and index > 0 and isinstance(body[index - 1][1], Comment):
            index -= 1
        if index < len(body) and not isinstance(body[index][1], Whitespace):
            item.trivia.trail = "\n\n"  # keep a blank line before what follows
    _insert(container, owner, index, key, item)


def _add_table(container: TableLike, key: str, table: Table) -> None:
    """Add a new ``[section]`` at the end of ``container``'s text, but before the comments
    that end it: those introduce the next section (or close the file), so they move to the
    end of the new section."""
    closing = _detach_closing_comments(container)
    if isinstance(container, TOMLDocument):
        rendered = container.as_string()
        if rendered.strip() and not rendered.endswith(("\n\n", "\r\n\r\n")):
            table.trivia.indent = "\n"  # a blank line before the new section
    if closing:
        table.value.append(None, Whitespace("\n"))
        for item in closing:
            table.value.append(None, item)
    container[key] = table


def _detach_closing_comments(container: TableLike) -> list[Item]:
    """Remove and return the comment lines that close ``container``'s text.

    They sit at the end of the body of its last section (or deeper). Returns ``[]`` when
    the text does not end with a comment. Only key-less items are removed, so tomlkit's
    key index stays valid.
    """
    owner = _body_owner(container)
    if owner is None:
        return []
    body = _last_section_owner(owner).body
    index = _content_end(body)
    first_comment = next(
        (i for i in range(index, len(body)) if isinstance(body[i][1], Comment)), None
    )
    if first_comment is None:
        return []
    closing = [v for _, v in body[first_comment:] if not isinstance(v, Null)]
    # The blank line that preceded the comments stays where it was.
    del body[first_comment:]
    return closing


def _content_end(body: list[tuple[Any, Any]]) -> int:
    """Index just past the last item that is not a comment, blank line or deleted slot."""
    index = len(body)
    while index > 0 and _is_filler(body[index - 1][1]):
        index -= 1
    return index


def _last_section_owner(owner: Container) -> Container:
    """The container whose body ends ``owner``'s text: the body of its last [section],
    recursively, unless comments or keys come after that section."""
    while True:
        body = owner.body
        index = _content_end(body)
        has_comment_after = any(isinstance(v, Comment) for _, v in body[index:])
        if index == 0 or has_comment_after or not isinstance(body[index - 1][1], Table):
            return owner
        owner = body[index - 1][1].value


def _insert(container: TableLike, owner: Container, index: int, key: str, item: Item) -> None:
    if index >= len(owner.body):
        container[key] = item
        return
    owner._insert_at(index, key, item)
    if isinstance(container, Table):
        # Table mirrors its items in its own dict; tomlkit's append keeps it in step.
        dict.__setitem__(container, key, item)


def _trailing_comments(table: Table) -> list[Item]:
    """The comments (with blank lines) that close ``table``'s text, deepest section first."""
    body = table.value.body
    index = len(body)
    while index > 0 and _is_filler(body[index - 1][1]):
        index -= 1
    run = [v for _, v in body[index:] if not isinstance(v, Null)]
    before = body[index - 1][1] if index > 0 else None
    if isinstance(before, Table) and not run:
        return _trailing_comments(before)
    if not any(isinstance(v, Comment) for v in run):
        return []
    return run


def _has_comments(container: TableLike) -> bool:
    """True when the table holds comments of its own: on its header line or among its keys.

    The comments that close its text introduce what follows; :meth:`ConfigEdit._remove`
    keeps those, so they do not count.
    """
    owner = _body_owner(container)
    if owner is None:
        return "#" in container.as_string() if hasattr(container, "as_string") else False
    if isinstance(container, Table) and container.trivia.comment:
        return True
    body = owner.body
    end = len(body)
    while end > 0 and _is_filler(body[end - 1][1]):
        end -= 1
    return any(isinstance(v, Comment) for _, v in body[:end])


# --- values ------------------------------------------------------------------------------


def _to_item(value: Any) -> Item:
    """A tomlkit item for a plain value: dicts become inline tables, with a fresh trivia."""
    if isinstance(value, Item):
        return value
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        for k, v in value.items():
            table.append(k, _to_item(v))
        return table
    if isinstance(value, list):
        array = tomlkit.array()
        for v in value:
            array.append(_to_item(v))
        return array
    return tomlkit.item(value)


def _fresh_array(names: Sequence[str], *, wrap: bool = True) -> Array:
    array = tomlkit.array()
    array.extend(names)
    if wrap:
        _wrap_if_long(array)
    return array


def _wrap_if_long(array: Array) -> None:
    if len(array) > MULTILINE_ARRAY_ITEMS or len(array.as_string()) > MULTILINE_ARRAY_WIDTH:
        array.multiline(True)


def _plain(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


# --- masking secrets in whole texts (for diffs) ------------------------------------------


def masked_text(
    text: str, *, compare_to: dict[str, Any] | None = None, masker: Masker | None = None
) -> str:
    """``text`` with every secret value replaced by the mask, comments and layout kept.

    Secret: under a secret-named key, or (with ``masker``) a declared secret field; see
    :class:`takopi_core.secrets.Masker`. With ``compare_to`` (the parsed other side of a
    diff), a secret whose value differs there reads ``"******** (new value)"``, so a diff
    still shows that it changed.
    """
    doc = parse_document(text)
    _mask(doc, (), compare_to, masker or Masker())
    return doc.as_string()


def _mask(
    container: Any, prefix: tuple[str, ...], compare_to: dict[str, Any] | None, masker: Masker
) -> None:
    for key in list(container.keys()):
        keys = (*prefix, key)
        item = container[key]
        if isinstance(item, Table | InlineTable | OutOfOrderTableProxy):
            _mask(item, keys, compare_to, masker)
        elif isinstance(item, AoT):
            for table in item:
                _mask(table, keys, None, masker)
        elif masker.is_secret(keys):
            mask = MASK
            if compare_to is not None:
                found, other = lookup_quietly(compare_to, keys)
                if not found or other != _plain(item):
                    mask = f"{MASK} (new value)"
            container[key] = mask
        elif isinstance(item, Array):
            _mask_array(item, keys, masker)


def _mask_array(array: Array, keys: tuple[str, ...], masker: Masker) -> None:
    for element in array:
        if isinstance(element, InlineTable):
            _mask(element, keys, None, masker)
        elif isinstance(element, Array):
            _mask_array(element, keys, masker)


def lookup_quietly(data: dict[str, Any], keys: tuple[str, ...]) -> tuple[bool, Any]:
    current: Any = data
    for key in keys:
        if not isinstance(current, dict) or key not in current:
            return False, None
        current = current[key]
    return True, current
