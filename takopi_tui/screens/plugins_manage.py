"""The plugins screen's install, update and remove: pip in the inspected environment.

A mixin of ``PluginsScreen``. Every action plans a :class:`PipCommand`
(:mod:`takopi_core.plugins.install`) for the interpreter the summary line shows, and shows it
in a :class:`CommandDialog`; only a confirmed command runs, in :class:`PipOutputScreen`. Once
it has ended the screen discovers plugins again and checks them; a distribution that came in
while ``[plugins] enabled`` does not list it is checked on its own, and the user is offered
to stage enabling it (as ``space`` would; ctrl+s saves).

Update marks: after the first paint (and after every pip run) a thread worker asks the
package index for the newest version of each installed plugin distribution
(``pip index versions``, in parallel children with a time limit); the Version column shows
"↑ X" where the index has a newer one. No network means no answer and no mark, and nothing
is said about it. Distributions found only on ``PYTHONPATH`` are never asked about (see
:func:`~takopi_tui.installs.index_candidates`).

"Update all N" upgrades the N distributions with a mark, as ``takopi plugins update`` does,
never every plugin distribution blind (one with an unresolvable dependency would fail the
whole run). With no marks known yet (the index not asked, or no answer) U says so and offers
to ask the index first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from textual.binding import Binding
from textual.screen import Screen

from takopi_core.ids import normalize_dist_name

from ..installs import (
    catalogue_rows,
    changed_distributions,
    entries_of,
    index_candidates,
    installed_distributions,
    newer_versions,
    with_update_marks,
)

if TYPE_CHECKING:
    from takopi_core.plugins.discovery import Discovery, PluginEntry
    from takopi_core.plugins.install import InstallResult, PipCommand
    from takopi_core.plugins.probe import LoadResult

    from ..rows import PluginRow
    from ..staging import ConfigView
    from ..widgets.plugin_table import PluginTable
    from .catalogue import Choice
    from .screen_options import ScreenOptions

#: The keys, added to the plugins screen's own (see PluginsScreen.BINDINGS).
MANAGE_BINDINGS = [
    Binding("i", "install", "Install", tooltip="Search the catalogue and install a plugin"),
    Binding(
        "U",
        "update",
        "Update",
        tooltip="Upgrade the selected plugin's distribution (or every plugin distribution)",
    ),
    Binding("x", "remove", "Remove", tooltip="Uninstall the selected plugin's distribution"),
    # Not "x,delete" in one Binding: the help would show that raw. Undescribed, so the
    # palette (one command per described binding) lists Remove once.
    Binding("delete", "remove", show=False),
]
MANAGE_ACTIONS = ("install", "update", "remove")
UPDATE_CHECK = "update-check"

#: What the package index has told so far: not asked, being asked, answered (at least one
#: version known), or silent (no version known: offline, no pip, nothing published).
IndexState = Literal["unasked", "asking", "answered", "silent"]


class ManageActions(Screen[None]):
    """Install, update and remove for ``PluginsScreen`` (which supplies the state below)."""

    options: ScreenOptions
    discovery: Discovery
    config: ConfigView
    config_error: str | None
    newer: Mapping[str, str] = MappingProxyType({})
    """Installed distribution -> the newer version the package index has."""

    if TYPE_CHECKING:
        # Provided by PluginsScreen and its other mixins.
        @property
        def current_row(self) -> PluginRow | None: ...
        def reload(self, *, initial: bool = False) -> bool: ...
        def check_changed(self) -> None: ...
        def schedule_refresh(self) -> None: ...
        def _stage(self, distribution: str, enable: bool) -> None: ...
        @property
        def probing(self) -> bool: ...

    # -- the table's update marks -----------------------------------------------------------

    def mark_updates(self, rows: list[PluginRow]) -> list[PluginRow]:
        """``rows`` with the update marks known so far."""
        return with_update_marks(rows, self.newer)

    _asked_index = False
    index_state: IndexState = "unasked"
    _tell_answer = False

    def on_plugin_table_populated(self, _message: PluginTable.Populated) -> None:
        # Textual calls this handler of every class in the screen's MRO: this one asks the
        # index once, when the first check of the plugins is over (the rows are redrawn
        # then), so pip's children compete neither with start-up nor with the probe.
        if not self._asked_index and not self.probing:
            self._asked_index = True
            self.check_updates()

    def check_updates(self, *, asked_by_user: bool = False) -> None:
        """Ask the package index for newer versions, in the background (when enabled).

        ``asked_by_user``: the user chose to ask (U offered it), so the index is asked even
        when the app was started without update checks, and the answer is told.
        """
        latest = self.options.latest_versions
        if latest is None and (asked_by_user or self.index_state != "unasked"):
            from .screen_options import real_latest_versions

            latest = real_latest_versions
        installed = index_candidates(self.discovery)
        if latest is None or not installed:
            return
        python = self.options.environment.python
        self.index_state = "asking"
        self._tell_answer = self._tell_answer or asked_by_user

        def ask() -> None:
            try:
                answer = latest(list(installed), python)
            except Exception:  # offline, no pip there: no marks, and nothing to say
                self._from_thread(self._got_versions, installed, {})
                return
            self._from_thread(self._got_versions, installed, answer)

        self.run_worker(
            ask,
            name=UPDATE_CHECK,
            group=UPDATE_CHECK,
            thread=True,
            exclusive=True,
            exit_on_error=False,
            description="pip index versions",
        )

    def _got_versions(self, installed: Mapping[str, str], latest: Mapping[str, str | None]) -> None:
        if not self.is_attached:
            return
        # Versions installed since the question was asked win over the answer's basis.
        now = installed_distributions(self.discovery)
        self.newer = newer_versions({**installed, **now}, latest)
        self.index_state = "answered" if any(latest.values()) else "silent"
        if self._tell_answer:
            self._tell_answer = False
            self.notify(self._index_summary(len(installed)), markup=False)
        self.schedule_refresh()

    def _index_summary(self, asked: int) -> str:
        if self.index_state == "silent":
            return (
                f"The package index did not answer about any of the {asked} distributions "
                "(offline, or none of them is published): no update marks."
            )
        if not self.newer:
            return f"No updates: the package index has nothing newer for the {asked} asked."
        names = ", ".join(f"{name} {version}" for name, version in sorted(self.newer.items()))
        return f"{len(self.newer)} with an update (↑ in the Version column): {names}. U updates."

    def no_marks_reason(self) -> str:
        """Why no distribution has an update mark yet (said where "Update all" would be)."""
        if not index_candidates(self.discovery):
            return (
                "None of the plugin distributions is installed in this environment's "
                "site-packages (the others are on PYTHONPATH), so none is pip's to update."
            )
        return {
            "unasked": "The package index has not been asked yet which plugin distributions "
            "have a newer release, so no row has an ↑ mark.",
            "asking": "The package index is being asked right now; the ↑ marks follow.",
            "silent": "The package index did not answer (offline?), so no row has an ↑ mark.",
            "answered": "No row has an ↑ mark: the package index has nothing newer.",
        }[self.index_state]

    # -- the actions ------------------------------------------------------------------------

    def action_install(self) -> None:
        """Open the catalogue; what is chosen there is installed (after confirming)."""
        from takopi_core.plugins.catalogue import load_catalogue, search

        from .catalogue import CatalogueScreen

        env = self.options.environment
        rows = catalogue_rows(
            load_catalogue(), installed_distributions(self.discovery), env.version
        )
        self.app.push_screen(
            CatalogueScreen(rows, search=search, python_version=env.version),
            callback=self._chosen,
        )

    def _chosen(self, choice: Choice | None) -> None:
        if choice is None:
            return
        from takopi_core.plugins.install import plan_install, plan_update

        entry = choice.entry
        if entry is not None and not entry.published:
            where = f" (see {entry.homepage})" if entry.homepage else ""
            self.notify(
                f"{entry.name} is not on the package index: install it from its source{where}.",
                title="Not installable from the index",
                severity="warning",
                markup=False,
            )
            return
        env = self.options.environment
        plan = plan_update if choice.installed else plan_install
        notes = []
        if entry is not None and entry.supports_python(env.version) is False:
            notes.append(
                f"{entry.name} needs Python {entry.requires_python}; this environment has "
                f"{env.version}, so pip will find no release of it to install."
            )
        self._confirm(lambda: plan([choice.name], env.python), notes=notes)

    def action_update(self) -> None:
        """Upgrade the selected row's distribution; the dialog offers those marked ↑ instead.

        "Update all N" is the N distributions with an update mark (never every plugin
        distribution blind); with no marks known it says why and offers to ask the index.
        """
        from takopi_core.plugins.install import plan_update

        from .install import ASK_INDEX

        python = self.options.environment.python
        if not installed_distributions(self.discovery):
            self.notify("No plugin distributions are installed.", markup=False)
            return
        marked = sorted(self.newer, key=normalize_dist_name)
        row = self.current_row
        dist = None if row is None or row.builtin else row.distribution
        if marked:
            every = f"Update all {len(marked)}"
            if dist is None:
                self._confirm(lambda: plan_update(marked, python))
            elif [normalize_dist_name(dist)] == [normalize_dist_name(m) for m in marked]:
                self._confirm(lambda: plan_update([dist], python))
            else:
                self._confirm(
                    lambda: plan_update([dist], python),
                    alternative=lambda: (every, plan_update(marked, python)),
                )
            return
        reason = self.no_marks_reason()
        can_ask = self.index_state in ("unasked", "silent") and bool(
            index_candidates(self.discovery)
        )
        if dist is None:
            if can_ask:
                self._offer_ask(reason)
            else:
                self.notify(reason, title="Nothing to update", markup=False)
            return
        self._confirm(
            lambda: plan_update([dist], python),
            notes=[reason + (" Ask it first (a) to see which have one." if can_ask else "")],
            ask=("Ask the index first", ASK_INDEX) if can_ask else None,
        )

    def _offer_ask(self, reason: str) -> None:
        from .dialogs import ConfirmDialog

        count = len(index_candidates(self.discovery))
        body = (
            f"{reason}\nAsk it now about the {count} plugin distribution"
            f"{'s' if count != 1 else ''} installed here? The rows with a newer release then "
            "show ↑, and U offers to update those (and only those)."
        )
        self.app.push_screen(
            ConfirmDialog("No updates known yet", body, yes="Ask the index", no="Cancel"),
            callback=lambda yes: self._ask_index() if yes else None,
        )

    def _ask_index(self) -> None:
        self.check_updates(asked_by_user=True)
        count = len(index_candidates(self.discovery))
        self.notify(f"Asking the package index about {count} distributions…", markup=False)

    def action_remove(self) -> None:
        """Uninstall the selected row's distribution (after confirming the command)."""
        from takopi_core.plugins.install import plan_remove

        row = self.current_row
        if row is None or row.distribution is None:
            return
        dist = row.distribution
        siblings = sorted(
            {
                f"{r.kind} {r.id}"
                for r in getattr(self, "rows", [])
                if r.distribution
                and normalize_dist_name(r.distribution) == normalize_dist_name(dist)
            }
        )
        notes = [f"Its plugins go with it: {', '.join(siblings)}."] if siblings else []
        listed = self.discovery.allowlist
        if listed is not None and normalize_dist_name(dist) in listed:
            notes.append("[plugins] enabled keeps listing it until you disable it (harmless).")
        self._confirm(lambda: plan_remove([dist], self.options.environment.python), notes=notes)

    # -- confirm, run, and after --------------------------------------------------------------

    def _confirm(
        self,
        plan: Callable[[], PipCommand],
        *,
        alternative: Callable[[], tuple[str, PipCommand]] | None = None,
        notes: Sequence[str] = (),
        ask: tuple[str, str] | None = None,
    ) -> None:
        """Plan the command (a refused name is said, not run) and ask before running it."""
        from takopi_core.plugins.install import InstallError

        from .install import CommandDialog

        try:
            command = plan()
            other = alternative() if alternative is not None else None
        except InstallError as exc:
            self.notify(str(exc), title="Cannot run pip", severity="error", markup=False)
            return
        env = self.options.environment
        self.app.push_screen(
            CommandDialog(
                command,
                python=env.python,
                python_version=env.version,
                notes=tuple(notes),
                alternative=other if other is not None else ask,
            ),
            callback=self._run,
        )

    def _run(self, command: PipCommand | str | None) -> None:
        if command is None:
            return
        if isinstance(command, str):  # ASK_INDEX: the dialog's "ask the index first"
            self._ask_index()
            return
        from .install import PipOutputScreen

        before = installed_distributions(self.discovery)
        self.app.push_screen(
            PipOutputScreen(command),
            callback=lambda result: self._after(command, result, before),
        )

    def _after(
        self, command: PipCommand, result: InstallResult | None, before: Mapping[str, str]
    ) -> None:
        """The pip pane closed: discover and check again, say what changed, offer to enable."""
        if result is None:
            return  # it could not start; the pane said why
        if not self.reload():
            self.notify(
                "pip has ended, but takopi.toml cannot be read (see above), so the table "
                "still shows the plugins as they were: fix the file and it is read again.",
                title="Not reloaded",
                severity="warning",
                markup=False,
            )
            return
        after = installed_distributions(self.discovery)
        changed = changed_distributions(before, after)
        gone = sorted(set(map(normalize_dist_name, before)) - set(map(normalize_dist_name, after)))
        self.check_changed()  # what pip changed, and failures (a dependency may be in now)
        self.check_updates()
        self.notify(self._outcome(command, result, changed, gone), markup=False)
        if not result.ok or command.action == "remove" or self.config_error is not None:
            return
        new = [name for name in changed if normalize_dist_name(name) not in _normalized(before)]
        hidden = [entry for entry in entries_of(self.discovery, new) if not entry.enabled]
        if hidden:
            self._check_hidden(hidden)

    def _outcome(
        self, command: PipCommand, result: InstallResult, changed: list[str], gone: list[str]
    ) -> str:
        verb = {"install": "Installed", "update": "Updated", "remove": "Removed"}[command.action]
        if result.cancelled:
            return "Cancelled; checking the plugins again in case pip changed something."
        if not result.ok:
            return f"pip failed (exit {result.returncode}); see its output. Checking again."
        installed = installed_distributions(self.discovery)
        done = [f"{name} {installed.get(name, '')}".rstrip() for name in changed] + gone
        if not done:
            return f"{verb}: nothing changed. Checking the plugins again."
        return f"{verb} {', '.join(done)}. Checking the plugins again."

    def _check_hidden(self, entries: list[PluginEntry]) -> None:
        """Check plugins the enabled list hides (they are not in `l`'s runs), then offer."""
        from ..probing import ProbeRequest

        request = ProbeRequest(
            entries=entries,
            timeout=self.options.timeout,
            setup_engine=None,
            config_path=self.options.config_path,
            search_path=self.options.search_path,
        )
        factory = self.options.probe_factory

        def check() -> None:
            probe = factory(request)
            try:
                results = list(probe.results())
            except Exception as exc:  # the probe machinery failed: offer anyway, say so
                self._from_thread(self._offer_enable, entries, [], str(exc))
                return
            self._from_thread(self._offer_enable, entries, results, None)

        self.run_worker(
            check,
            name="check-installed",
            group="check-installed",
            thread=True,
            exit_on_error=False,
            description="check the installed plugins",
        )

    def _offer_enable(
        self, entries: list[PluginEntry], results: list[LoadResult], error: str | None
    ) -> None:
        if not self.is_attached or self.config_error is not None:
            return
        from .dialogs import ConfirmDialog

        dists = sorted({e.distribution for e in entries if e.distribution}, key=normalize_dist_name)
        lines = []
        by_key = {result.key: result for result in results}
        for entry in entries:
            result = by_key.get(entry.key)
            if result is None:
                state = f"not checked ({error})" if error else "not checked"
            elif result.ok:
                state = f"✓ loads ({result.load_ms or 0:.0f} ms)"
            else:
                state = f"✗ {result.message or 'failed'}"
            lines.append(f"  {entry.kind} {entry.id}: {state}")
        names = ", ".join(dists)
        body = (
            f"{names} {'is' if len(dists) == 1 else 'are'} installed and checked:\n"
            + "\n".join(lines)
            + "\n[plugins] enabled is set and does not list "
            + ("it" if len(dists) == 1 else "them")
            + ", so Takopi will not load "
            + ("it" if len(dists) == 1 else "them")
            + ". Stage enabling? (ctrl+s then shows the diff and saves)"
        )
        self.app.push_screen(
            ConfirmDialog(f"Enable {names}?", body, yes="Stage enable", no="Not now"),
            callback=lambda yes: self._enable(dists) if yes else None,
        )

    def _enable(self, dists: list[str]) -> None:
        for dist in dists:
            self._stage(dist, True)

    def _from_thread(self, callback: Callable[..., object], *args: object) -> None:
        """Run ``callback`` on the UI thread, unless the app has closed meanwhile."""
        # RuntimeError: the app (its loop) is gone, and there is nobody to tell.
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(callback, *args)

    def check_manage(self, action: str) -> bool:
        """Whether ``action`` (one of MANAGE_ACTIONS) applies to the selected row now."""
        if action == "install":
            return True
        row = self.current_row
        if action == "remove":
            return row is not None and row.distribution is not None and not row.builtin
        return bool(installed_distributions(self.discovery))


def _normalized(names: Mapping[str, str]) -> set[str]:
    return {normalize_dist_name(name) for name in names}
