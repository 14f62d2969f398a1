"""The catalogue of published Takopi plugins that ships with takopi-tui (catalogue.json).

Users search it (`takopi plugins catalogue QUERY`, the TUI's ``/``) to find a plugin by what
it does and install it by its distribution name. The facts (kinds and ids, Requires-Python,
homepage) were read from each distribution's own metadata at the version in
``version_read``; the summaries are ours. Entries with ``published`` False are known by name
only (upstream lists them, the package index does not have them): they are shown, never
offered for install.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from takopi_core.ids import normalize_dist_name

CATALOGUE_FILE = "catalogue.json"


@dataclass(frozen=True)
class CatalogueEntry:
    """One published plugin distribution.

    ``plugins`` maps each kind it provides (``engine``, ``transport``, ``command``) to the
    plugin ids of that kind; ``requires_python`` is its Requires-Python specifier (None when
    unknown); ``version_read`` the release whose metadata the facts come from.
    """

    name: str
    summary: str
    plugins: Mapping[str, tuple[str, ...]]
    requires_python: str | None
    homepage: str | None
    published: bool
    version_read: str | None

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds it provides, sorted."""
        return tuple(sorted(self.plugins))

    @property
    def ids(self) -> tuple[str, ...]:
        """Every plugin id it provides, in kind order."""
        return tuple(plugin_id for kind in self.kinds for plugin_id in self.plugins[kind])

    def supports_python(self, version: str) -> bool | None:
        """Whether Python ``version`` (``"3.11.7"``) meets Requires-Python; None if unknown."""
        if self.requires_python is None:
            return None
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            return SpecifierSet(self.requires_python).contains(version, prereleases=True)
        except InvalidSpecifier:
            return None


@cache
def load_catalogue() -> list[CatalogueEntry]:
    """Every catalogue entry, in the file's order (published ones first).

    ValueError names the file and the entry when the shipped data is malformed.
    """
    text = resources.files("takopi_core.plugins").joinpath(CATALOGUE_FILE).read_text("utf-8")
    data = json.loads(text)
    entries: list[CatalogueEntry] = []
    for index, item in enumerate(data["plugins"]):
        try:
            entries.append(
                CatalogueEntry(
                    name=str(item["name"]),
                    summary=str(item["summary"]),
                    plugins={str(k): tuple(map(str, v)) for k, v in item["plugins"].items()},
                    requires_python=item.get("requires_python"),
                    homepage=item.get("homepage"),
                    published=bool(item["published"]),
                    version_read=item.get("version_read"),
                )
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{CATALOGUE_FILE}: plugins[{index}] is malformed: {exc}") from exc
    entries.sort(key=lambda entry: not entry.published)  # stable: file order otherwise
    return entries


def find_entry(name: str) -> CatalogueEntry | None:
    """The entry for distribution ``name`` (any spelling: ``Takopi_Ralph``), or None."""
    wanted = normalize_dist_name(name)
    for entry in load_catalogue():
        if normalize_dist_name(entry.name) == wanted:
            return entry
    return None


def search(query: str) -> list[CatalogueEntry]:
    """Entries matching every word of ``query`` (case-insensitive), best first.

    A word matches the distribution name, a kind, a plugin id or the summary. Ranking: a
    name match before an id or kind match before a summary-only match; published before
    unpublished. An empty query returns the whole catalogue.
    """
    words = query.lower().split()
    entries = load_catalogue()
    if not words:
        return list(entries)
    ranked: list[tuple[int, int, CatalogueEntry]] = []
    for position, entry in enumerate(entries):
        score = _score(entry, words)
        if score is not None:
            ranked.append((score + (0 if entry.published else 10), position, entry))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [entry for _score_value, _position, entry in ranked]


def _score(entry: CatalogueEntry, words: list[str]) -> int | None:
    """Lower is better; None when some word matches nothing."""
    name = entry.name.lower()
    tags = {*entry.kinds, *entry.ids}
    summary = entry.summary.lower()
    worst = 0
    for word in words:
        if word in name:
            rank = 0
        elif any(word in tag for tag in tags):
            rank = 1
        elif word in summary:
            rank = 2
        else:
            return None
        worst = max(worst, rank)
    return worst
