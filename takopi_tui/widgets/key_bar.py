"""The key bar: the keys that apply right now, with what they do, in one line.

Textual's Footer builds a widget per key and rebuilds them all whenever the bindings change
(focus, cursor, staged state); on the plugins screen that was a third of the time to first
paint. This draws the same information, from ``screen.active_bindings``, as one line of text.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

_KEY = "bold $footer-key-foreground"
_TEXT = "$footer-description-foreground"


#: Actions kept on a key bar too narrow for every key: how to find the rest.
PINNED_ACTIONS = frozenset({"app.help", "help"})


def describe_keys(
    bindings: Iterable[tuple[Binding, bool]],
    display: object,
    palette: str | None,
    width: int | None = None,
) -> Content:
    """``space Toggle  ^s Save  1234 Kind …``: shown bindings, a group's keys together.

    With ``width``, a line that would not fit keeps the keys that do, in order, then ``…``,
    then the help key and the palette, which lead to every other key.
    """
    items: list[Binding | Binding.Group] = []  # in order; a group where its first key is
    enabled_by_action: dict[str, bool] = {}
    group_keys: dict[Binding.Group, list[str]] = {}
    for binding, enabled in bindings:
        if not binding.show or binding.action in enabled_by_action:
            continue
        enabled_by_action[binding.action] = enabled
        if binding.group is None:
            items.append(binding)
            continue
        if binding.group not in group_keys:
            items.append(binding.group)
        group_keys.setdefault(binding.group, []).append(_key(binding, display))
    parts: list[Content] = []
    pinned: list[Content] = []
    for item in items:
        if isinstance(item, Binding):
            style = _KEY if enabled_by_action[item.action] else "$text-disabled"
            label = (_key(item, display), style)
            part = Content.assemble(label, " ", (item.description, _TEXT))
            (pinned if item.action in PINNED_ACTIONS else parts).append(part)
        else:
            keys = ("" if item.compact else " ").join(group_keys[item])
            parts.append(Content.assemble((keys, _KEY), " ", (item.description, _TEXT)))
    if palette:
        pinned.append(Content.assemble((palette, _KEY), " ", ("palette", _TEXT)))
    gap = Content("  ")
    line = gap.join([*parts, *pinned])
    if width is None or line.cell_length <= width:
        return line
    ellipsis = Content.styled("…", _TEXT)
    kept: list[Content] = []
    for part in parts:
        if gap.join([*kept, part, ellipsis, *pinned]).cell_length > width:
            break
        kept.append(part)
    return gap.join([*kept, ellipsis, *pinned])


def _key(binding: Binding, display: object) -> str:
    return display(binding) if callable(display) else binding.key


class KeyBar(Static):
    """Shows the bindings that apply on its screen; redrawn when they change."""

    #: The (binding, enabled) pairs and the palette key last shown, refitted on resize.
    shown: tuple[list[tuple[Binding, bool]], str | None] | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.show_bindings)
        self.show_bindings(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def show_bindings(self, screen: Screen) -> None:
        """Show the keys that apply on ``screen`` now (not redrawn when they did not change)."""
        active = screen.active_bindings
        bindings = [(b.binding, b.enabled) for b in active.values()]
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            palette_binding = active[self.app.COMMAND_PALETTE_BINDING].binding
            palette = self.app.get_key_display(palette_binding)
            bindings = [(b, e) for b, e in bindings if b is not palette_binding]
        self.shown = (bindings, palette)
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        if self.shown is None:
            return
        bindings, palette = self.shown
        width = self.content_region.width or None
        content = describe_keys(bindings, self.app.get_key_display, palette, width)
        if content.plain != getattr(self.content, "plain", None):
            self.update(content)
