"""The command palette's per-plugin actions: "Disable ralph", "Enable ralph", "Go to slack",
"Set up acme" (transports), "Check ralph again", and the sort orders ("Sort by load time").

:func:`plugin_commands` builds them from the table's rows (pure data, testable without an
app); :class:`PluginCommands` is the :class:`textual.command.Provider` the plugins screen
registers in ``COMMANDS``, and the screen runs the chosen entry (``run_plugin_command``).
Every action appears once: a plugin id that two rows share (two entry points of different
kinds, or one id in two distributions) is labelled with its kind, then its distribution.
Enabling and disabling act on a whole distribution ([plugins] enabled lists distributions),
so a distribution with several plugins has one entry that names it and its plugins
("Disable takopi-tui (claude, codex, telegram)"), never one per plugin that says less than
it stages.

Plugin ids and distribution names are untrusted: labels are :class:`~textual.content.Content`
built from plain text (never markup, control characters escaped), and the help lines, which
the palette parses as markup, have theirs escaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from takopi_core.ids import normalize_dist_name
from takopi_core.text import safe_text

from .rows import PluginRow, Status
from .sorting import SORT_COLUMNS

#: Verbs of the per-plugin actions, in the order they are listed for one plugin.
GO, DISABLE, ENABLE, SETUP, CHECK = "go", "disable", "enable", "setup", "check"


@dataclass(frozen=True, slots=True)
class PluginCommand:
    """One palette entry: ``verb`` on the row ``row_key`` (None: ``sort`` holds the column)."""

    label: str
    """Plain text, control characters already escaped."""
    help: str
    """Plain text (escaped for the palette's markup when shown)."""
    verb: str
    row_key: str | None = None
    plugin_id: str | None = None
    sort: str | None = None
    search: str = ""
    """More text the palette matches (the plugins a shortened label leaves out)."""


#: How many of a distribution's plugins its enable/disable label names before "… N more".
LABEL_PLUGINS = 3


def distribution_plugins(rows: Sequence[PluginRow]) -> dict[str, list[str]]:
    """Per normalised distribution name, its plugins' names in row order: the ids, and an
    id two of its rows share told apart by kind ("engine ralph", "command ralph")."""
    by_dist: dict[str, list[PluginRow]] = {}
    for row in rows:
        if row.distribution is not None:
            by_dist.setdefault(normalize_dist_name(row.distribution), []).append(row)
    names: dict[str, list[str]] = {}
    for dist, members in by_dist.items():
        counts = Counter(row.id for row in members)
        names[dist] = [
            safe_text(row.id) if counts[row.id] == 1 else f"{row.kind} {safe_text(row.id)}"
            for row in members
        ]
    return names


def _toggle_label(verb: str, name: str, dist: str, plugins: Sequence[str]) -> tuple[str, str]:
    """The label and the extra search text of an enable/disable entry: ``name`` for a
    distribution with one plugin, else the distribution and (up to three of) its plugins."""
    if len(plugins) <= 1:
        return f"{verb} {name}", ""
    shown = list(plugins[:LABEL_PLUGINS])
    if len(plugins) > LABEL_PLUGINS:
        shown.append(f"… {len(plugins) - LABEL_PLUGINS} more")
    return f"{verb} {dist} ({', '.join(shown)})", " ".join(plugins[LABEL_PLUGINS:])


def display_names(rows: Sequence[PluginRow]) -> dict[str, str]:
    """A name per row key that no other row shares: the id, then with its kind, then with
    its distribution, then with its entry point."""
    names = {row.key: safe_text(row.id) for row in rows}
    for extra in (
        lambda row: row.kind,
        lambda row: f"{row.kind}, {safe_text(row.dist_label)}",
        lambda row: f"{row.kind}, {safe_text(row.dist_label)}, {safe_text(row.value)}",
    ):
        counts = Counter(names.values())
        if all(count == 1 for count in counts.values()):
            break
        clashing = {key for key, name in names.items() if counts[name] > 1}
        names = {
            row.key: f"{safe_text(row.id)} ({extra(row)})" if row.key in clashing else name
            for row, name in zip(rows, names.values(), strict=True)
        }
    return names


def plugin_commands(rows: Sequence[PluginRow]) -> list[PluginCommand]:
    """Every per-plugin action that applies to ``rows`` now, each once, then the sorts."""
    names = display_names(rows)
    plugins_of = distribution_plugins(rows)
    toggled: set[str] = set()  # distributions whose enable/disable entry is listed
    commands: list[PluginCommand] = []
    for row in rows:
        name = names[row.key]
        dist = safe_text(row.dist_label)

        def add(
            verb: str, label: str, help_text: str, row: PluginRow = row, search: str = ""
        ) -> None:
            commands.append(PluginCommand(label, help_text, verb, row.key, row.id, search=search))

        add(GO, f"Go to {name}", f"Select {row.kind} {name} ({dist}) in the table")
        dist_key = normalize_dist_name(row.distribution) if row.distribution else None
        if dist_key is not None and dist_key not in toggled:
            toggled.add(dist_key)
            plugins = plugins_of[dist_key]
            verb = DISABLE if row.enabled_after else ENABLE
            label, search = _toggle_label(verb.capitalize(), name, dist, plugins)
            what = (
                f"Stage taking {dist} out of [plugins] enabled"
                if row.enabled_after
                else f"Stage adding {dist} to [plugins] enabled"
            )
            if len(plugins) > 1:
                together = "disabled" if row.enabled_after else "enabled"
                what += (
                    f": its {len(plugins)} plugins are {together} together, {', '.join(plugins)}"
                )
            add(verb, label, what, search=search)
        if row.kind == "transport" and row.problem is None:
            add(SETUP, f"Set up {name}", "Settings, default engine, diff, write, check")
        if row.enabled and row.status is not Status.BROKEN:
            add(CHECK, f"Check {name} again", "Load and validate it in a child process")
    for column, title in SORT_COLUMNS:
        what = "load time, slowest first, with the total" if column == "ms" else title
        commands.append(
            PluginCommand(f"Sort by {title}", f"Sort the table by {what}", "sort", sort=column)
        )
    return commands


@runtime_checkable
class PluginActionsScreen(Protocol):
    """What the provider needs of the plugins screen (named so, not imported: the screen
    imports this module)."""

    rows: list[PluginRow]

    def run_plugin_command(self, command: PluginCommand) -> None: ...


def _highlighted(label: str, offsets: Iterable[int], style: object) -> Content:
    """``label`` as plain Content with the matched characters styled (no markup parsed)."""
    content = Content(label)
    for offset in offsets:
        if not label[offset].isspace():
            content = content.stylize(style, offset, offset + 1)  # type: ignore[arg-type]
    return content


class PluginCommands(Provider):
    """Per-plugin actions of the plugins screen, from the rows it shows now."""

    def _commands(self) -> list[PluginCommand]:
        screen = self.screen
        return plugin_commands(screen.rows) if isinstance(screen, PluginActionsScreen) else []

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(
                Content(command.label),
                partial(self._run, command),
                text=command.label,
                help=escape(command.help),
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score, offsets = matcher.fuzzy_search.match(query, command.label)
            if score <= 0 and command.search:
                # A plugin the shortened label leaves out ("disable tool5"): the entry is
                # found by it, shown without highlights (they would point past the label).
                score, _ = matcher.fuzzy_search.match(query, f"{command.label} {command.search}")
                offsets = ()
            if score > 0:
                yield Hit(
                    score,
                    _highlighted(command.label, offsets, matcher.match_style),
                    partial(self._run, command),
                    text=command.label,
                    help=escape(command.help),
                )

    def _run(self, command: PluginCommand) -> None:
        screen = self.screen
        if isinstance(screen, PluginActionsScreen):
            screen.run_plugin_command(command)
