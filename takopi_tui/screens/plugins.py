"""The plugins screen: the table, the detail and error panes, probing, live status.

The screen keeps UI state only (the probe results received so far, the staged toggles, the
filter) and asks ``takopi_core`` for everything else: discovery, the enabled-list planner,
error grouping, and ``ConfigFile`` for reading, diffing and saving the config.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from takopi_core.errors import ConfigError
from takopi_core.plugins.discovery import Discovery, discover
from takopi_core.plugins.secret_fields import masker_from_results
from takopi_core.secrets import Masker

from ..environment import display_path
from ..initial_read import InitialRead
from ..palette import PluginCommands
from ..probe_runs import ProbeRuns
from ..rows import PluginRow, RowFilter, Status, build_rows, count_rows
from ..staging import ConfigView, Staging, StagingPlan, read_config_view
from ..widgets.detail_pane import DetailPane, plain_text
from ..widgets.error_pane import ErrorPane
from ..widgets.key_bar import KeyBar
from ..widgets.plugin_table import PluginTable
from ..widgets.summary import SummaryLine, describe_summary
from .plugins_details import DETAILS_BINDINGS, DetailsActions
from .plugins_filter import FilterActions
from .plugins_manage import MANAGE_ACTIONS, MANAGE_BINDINGS, ManageActions
from .plugins_panes import PaneActions
from .plugins_probing import ProbeActions
from .plugins_sort import SortActions
from .plugins_staging import StagingActions
from .screen_options import ScreenOptions

if TYPE_CHECKING:
    from takopi_core.plugins.probe import LoadResult

    from ..watch import SourceWatcher

KIND_KEYS = Binding.Group("Kind", compact=True)
SORT_KEYS = Binding.Group("Sort", compact=True)
SPLIT_KEYS = Binding.Group("Resize", compact=True)
#: Actions whose availability depends on the row or the staged state (see check_action).
_ROW_ACTIONS = ("save", "undo", "toggle", "check_selected", "copy_details", "remove")


class PluginsScreen(
    FilterActions,
    StagingActions,
    ManageActions,
    SortActions,
    PaneActions,
    DetailsActions,
    ProbeActions,
):
    """The main screen of `takopi tui`.

    Toggling and saving live in ``StagingActions``, the row filter in ``FilterActions``,
    sorting in ``SortActions``, maximising, resizing and going to a row in ``PaneActions``.
    """

    #: What stays on screen around a maximised pane: the summary and the keys.
    ALLOW_IN_MAXIMIZED_VIEW = "#summary, #sort-line, #keys"
    #: The command palette's per-plugin actions ("Disable ralph", "Go to slack", ...).
    COMMANDS = {PluginCommands}

    BINDINGS = [
        Binding(
            "space", "toggle", "Toggle", tooltip="Enable or disable this plugin's distribution"
        ),
        Binding("ctrl+s", "save", "Save", tooltip="Preview the change to takopi.toml and save it"),
        # With nothing staged, ctrl+s says so instead of doing nothing (the same key: the
        # first binding whose action check_action allows runs).
        Binding("ctrl+s", "nothing_to_save", show=False),
        Binding("u", "undo", "Undo", tooltip="Drop every staged change"),
        Binding("l", "check_all", "Check all", tooltip="Load and validate every enabled plugin"),
        Binding("r", "check_selected", "Check", tooltip="Load and validate the selected plugin"),
        # priority: handled as soon as it arrives, so keys typed right after "/" (or pasted
        # with it) land in the filter rather than in the table that had focus.
        Binding("slash", "filter", "Filter", priority=True, tooltip="Filter rows as you type"),
        Binding("1", "kind('all')", "All kinds", group=KIND_KEYS),
        Binding("2", "kind('engine')", "Engines", group=KIND_KEYS),
        Binding("3", "kind('transport')", "Transports", group=KIND_KEYS),
        Binding("4", "kind('command')", "Commands", group=KIND_KEYS),
        # "only": the key filters the table; tab goes to the errors pane (QA: a new user
        # pressed "Errors" to reach the pane).
        Binding(
            "e",
            "errors_only",
            "Errors only",
            tooltip="Show only the plugins with errors (again: every plugin); tab: the panes",
        ),
        Binding("c", "copy_details", "Copy", show=False, tooltip="Copy the details of this plugin"),
        Binding("o", "sort_next", "Sort", group=SORT_KEYS, tooltip="Sort by the next column"),
        Binding("O", "sort_reverse", "Reverse sort", group=SORT_KEYS, tooltip="Reverse the sort"),
        Binding("z", "maximize_pane", "Zoom", tooltip="Maximise the focused pane (escape: back)"),
        Binding(
            "left_square_bracket",
            "resize_panes(-5)",
            "Smaller panes",
            group=SPLIT_KEYS,
            tooltip="Make the panes smaller, the table taller",
        ),
        Binding(
            "right_square_bracket",
            "resize_panes(5)",
            "Larger panes",
            group=SPLIT_KEYS,
            tooltip="Make the panes larger, the table shorter",
        ),
        *MANAGE_BINDINGS,  # i install, U update, x remove (plugins_manage.py)
        *DETAILS_BINDINGS,  # d (and enter): the distribution's page (plugins_details.py)
        Binding("question_mark", "app.help", "Help", tooltip="Keys and what the marks mean"),
        # Escape first clears an applied filter (shown then), else goes back to the table.
        Binding("escape", "clear_filter", "Clear filter", tooltip="Show every plugin again"),
        Binding("escape", "focus_table", "Back to the table", show=False),
    ]

    def __init__(self, options: ScreenOptions, initial_read: InitialRead | None = None) -> None:
        super().__init__()
        self.options = options
        self._initial_read = initial_read
        self.discovery = Discovery()
        self.config = ConfigView(enabled=[])
        self.runs = ProbeRuns()
        self.staging = Staging()
        self.plan: StagingPlan | None = None
        self.row_filter = RowFilter()
        self.rows: list[PluginRow] = []
        self.config_error: str | None = None
        self._watcher: SourceWatcher | None = None
        self._refresh_pending = False
        self._key_state: tuple[bool | None, ...] = ()
        self._bindings_pending = False
        # The first probe run starts once the rows from metadata are on screen.
        self._first_probe: str = "before paint"  # -> "scheduled" -> "started"
        self._painted = False  # the first Populated came: the watcher starts then

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield SummaryLine(id="summary")
        # The banner is mounted with its first message, and the filter bar (an Input) when
        # `/` is first pressed: start-up does not pay for widgets nobody sees yet.
        yield PluginTable(id="plugins")
        with Horizontal(id="panes"):
            yield DetailPane(id="details")
            yield ErrorPane(id="errors")
        yield KeyBar(id="keys")

    @property
    def watcher(self) -> SourceWatcher:
        """Notices changed files; made when first needed, after the first paint."""
        if self._watcher is None:
            from ..watch import SourceWatcher

            self._watcher = SourceWatcher(self.options.config_path, self.options.search_path)
        return self._watcher

    @property
    def table(self) -> PluginTable:
        return self.query_one(PluginTable)

    def on_mount(self) -> None:
        self.title = "takopi"
        self.sub_title = "plugins"
        # Focus now rather than with focus() (deferred to the next loop turn), so the footer
        # below is drawn with the table's keys and the first frame is the final one.
        self.set_focus(self.table, scroll_visible=False)
        self.reload(initial=True)
        self.query_one(KeyBar).show_bindings(self)
        if self.options.watch_interval:
            self.set_interval(self.options.watch_interval, self.poll_sources, name="watch")
        # A Textual timer, not a thread: a slow plugin's row shows its time ticking.
        self.set_interval(0.1, self._tick_elapsed, name="elapsed")

    def on_unmount(self) -> None:
        self.cancel_probes()

    # -- loading state ----------------------------------------------------------------------

    def reload(self, *, initial: bool = False) -> bool:
        """Read the config and discover plugins again; False when the config is unreadable."""
        prefetched, self._initial_read = self._initial_read if initial else None, None
        discovery: Discovery | None = None
        had_problems = bool(self.config.problems_text)
        try:
            if prefetched is not None:
                self.config, discovery = prefetched.result()
            else:
                self.config = read_config_view(self.options.config_path)
        except ConfigError as exc:
            self.config_error = str(exc)
            self.show_banner(
                f"{exc}\nShowing the last good state; fix the file and it is read again.",
                "error",
            )
            if not initial:
                self.schedule_refresh()
                return False
            self.config = ConfigView(enabled=[])
            if prefetched is not None:
                discovery = prefetched.discovery  # found with the same empty list
        else:
            # It parses; the checks `takopi run` makes may still refuse values in it.
            if self.config.problems_text:
                self.show_banner(self.config.problems_text, "error")
            elif self.config_error is not None or had_problems:
                self.show_banner("")
            self.config_error = None
        if discovery is None:
            discovery = discover(self.config.enabled, path=self._discovery_path())
        self.discovery = discovery
        if not initial:
            # At start-up: after the first paint (see _after_first_paint).
            self.watcher.track(self.discovery)
        self._replan(after_reload=not initial)
        if initial:
            # Fill the widgets now, before the first layout: one paint instead of an empty
            # frame and then a full one.
            self.refresh_view()
        else:
            self.schedule_refresh()
        return self.config_error is None

    def _discovery_path(self) -> list[str] | None:
        return list(self.options.search_path) if self.options.search_path is not None else None

    #: The setup wizard is open: its own save is not news, and its close reloads anyway
    #: (TakopiApp._setup_done), so the watcher waits instead of toasting over its text.
    watch_paused = False

    def poll_sources(self) -> None:
        """Timer: reload and re-check when the config or an installed plugin changed."""
        if self.watch_paused:
            return
        changes = self.watcher.poll()
        if not changes:
            return
        what = []
        if changes.config:
            what.append(f"{display_path(self.options.config_path)} changed")
        if changes.plugins:
            what.append("installed plugins changed")
        ok = self.reload()
        if ok:
            self.notify(
                "; ".join(what) + ": reloaded, checking again what changed",
                title="Reloaded",
                markup=False,
            )
            self.check_changed()

    # -- drawing -----------------------------------------------------------------------------

    def schedule_refresh(self) -> None:
        """Redraw once for a burst of changes (probe results arrive many per frame)."""
        if not self._refresh_pending:
            self._refresh_pending = True
            self.call_later(self.refresh_view)

    def refresh_view(self) -> None:
        self._refresh_pending = False
        allowlist_after = self.plan.allowlist_after if self.plan is not None else None
        self.rows = build_rows(
            self.discovery,
            self.runs.results,
            self.runs.checking,
            allowlist_after=self.discovery.allowlist if self.plan is None else allowlist_after,
            elapsed=self.runs.elapsed(),
        )
        self.rows = self.mark_updates(self.rows)
        shown = self.sorted_rows([row for row in self.rows if self.row_filter.accepts(row)])
        table = self.table
        table.show_rows(shown)
        counts = count_rows(self.rows)
        self.query_one(SummaryLine).show(
            describe_summary(
                counts,
                self.options.config_path,
                self.options.environment,
                self.row_filter,
                len(shown),
            )
        )
        masker = self.masker()
        self.query_one(DetailPane).show(self.current_row, masker)
        errors = self.query_one(ErrorPane)
        errors.show_errors(self.discovery, self._visible_results(), masker, self.rows)
        errors.follow(table.highlighted_key)
        self._refresh_keys()

    def masker(self) -> Masker:
        """Hides the config's secrets (secret-named keys, the declared secret fields of the
        transports checked so far) wherever plugin text quotes them."""
        return masker_from_results(self.config.data, self.runs.results.values())

    def _visible_results(self) -> list[LoadResult]:
        """Results of the plugins enabled now (older results of hidden ones are not shown)."""
        return self.runs.results_for(entry.key for entry in self.discovery.visible())

    def on_plugin_table_populated(self, _message: PluginTable.Populated) -> None:
        # Keyed on the first paint alone, not on the first probe run: an `l` pressed before
        # this marks that run "started", and must not take the watcher's start with it.
        if not self._painted:
            self._painted = True
            if self._first_probe == "before paint":
                self._first_probe = "scheduled"
            # Queued on the app behind this message, which bubbles on to the app once this
            # handler returns: whoever waits for the first paint hears of it before the
            # start-up work below holds the loop.
            self.call_later(self.app.call_later, self._after_first_paint)

    def _after_first_paint(self) -> None:
        if not self.is_attached:
            return  # the app is closing
        # Finding every plugin's files takes a while with hundreds installed.
        self.watcher.track(self.discovery)
        if self._first_probe != "started":  # not already started with `l`
            self.check_all()

    @property
    def current_row(self) -> PluginRow | None:
        key = self.table.highlighted_key
        if key is None:
            return None
        for row in self.rows:
            if row.key == key:
                return row
        return None

    @on(PluginTable.RowHighlighted, "#plugins")
    def _follow_cursor(self, _event: PluginTable.RowHighlighted) -> None:
        self.query_one(DetailPane).show(self.current_row)
        self.query_one(ErrorPane).follow(self.table.highlighted_key)
        self._refresh_keys()

    def refresh_bindings(self) -> None:
        """Coalesce: each request makes the footer rebuild itself, and one keypress or probe
        burst can ask several times (focus, cursor, staged state)."""
        if not self._bindings_pending:
            self._bindings_pending = True
            self.call_later(self._publish_bindings)

    def _publish_bindings(self) -> None:
        self._bindings_pending = False
        super().refresh_bindings()

    def _refresh_keys(self) -> None:
        """Update the footer when the set of keys that apply changed (it re-lays out)."""
        state = tuple(self.check_action(action, ()) for action in _ROW_ACTIONS)
        if state != self._key_state:
            self._key_state = state
            self.refresh_bindings()

    def action_focus_table(self) -> None:
        self.set_focus(self.table)

    @on(PluginTable.RowSelected, "#plugins")
    def _open_details(self, _event: PluginTable.RowSelected) -> None:
        self.action_open_details()  # the distribution's page (tab reaches the detail pane)

    def show_banner(self, text: str, level: str = "info") -> None:
        """Say ``text`` above the table (plain text, never markup); "" hides the banner."""
        found = self.query("#banner")
        if found:
            banner = found.first(Static)
        elif not text:
            return
        else:
            banner = Static("", id="banner")
            self.mount(banner, after=self.query_one(SummaryLine))
        banner.update(Content(text))
        banner.set_classes(f"-{level}" if text else "")
        banner.display = bool(text)

    # -- copying -----------------------------------------------------------------------------

    def action_copy_details(self) -> None:
        row = self.current_row
        if row is None:
            return
        self.app.copy_to_clipboard(plain_text(row, self.masker()))
        self.notify(f"Copied the details of {row.id}", markup=False)

    # -- which keys apply --------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "filter":
            focused = self.focused  # "/" is typed into the filter
            return focused is None or focused.id != "filter"
        if action in ("save", "undo"):
            return self.has_staged
        if action == "nothing_to_save":
            return not self.has_staged
        if action == "clear_filter":
            return self.row_filter.active and self.maximized is None
        if action == "toggle":
            row = self.current_row
            return row is not None and row.distribution is not None
        if action == "check_selected":
            row = self.current_row
            return row is not None and row.enabled and row.status is not Status.BROKEN
        if action == "copy_details":
            return self.current_row is not None
        if action in MANAGE_ACTIONS:
            return self.check_manage(action)
        return True
