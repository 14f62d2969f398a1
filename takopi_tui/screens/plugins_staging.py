"""The plugins screen's toggling and saving: staging distribution toggles, fitting them to a
re-read config, undo, and the diff-preview save.

A mixin of ``PluginsScreen``: it keeps the staged state on the screen and asks
``takopi_core`` (the staging planner, ``ConfigFile``) for the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.screen import Screen

from takopi_core.errors import ConfigConflictError, ConfigError
from takopi_core.ids import normalize_dist_name

from ..environment import display_path
from ..staging import EMPTY_LIST_NOTE, Staging, config_view

if TYPE_CHECKING:
    from takopi_core.plugins.discovery import Discovery
    from takopi_core.secrets import Masker

    from ..rows import PluginRow
    from ..staging import ConfigView, StagingPlan
    from .screen_options import ScreenOptions


class StagingActions(Screen[None]):
    """Toggle, undo and save for ``PluginsScreen`` (which supplies the state below)."""

    options: ScreenOptions
    discovery: Discovery
    config: ConfigView
    staging: Staging
    plan: StagingPlan | None
    rows: list[PluginRow]
    config_error: str | None

    if TYPE_CHECKING:
        # Provided by PluginsScreen.
        @property
        def current_row(self) -> PluginRow | None: ...
        def show_banner(self, text: str, level: str = "info") -> None: ...
        def masker(self) -> Masker: ...
        def reload(self, *, initial: bool = False) -> bool: ...
        def check_changed(self) -> None: ...
        def schedule_refresh(self) -> None: ...

    # The space binding's "toggle" replaces DOMNode's toggle(attribute) action on this screen
    # on purpose: the key map, the help and the tests name it "toggle".
    def action_toggle(self) -> None:  # type: ignore[override]
        row = self.current_row
        if row is None:
            return
        if row.distribution is None:
            self.notify(
                f"{row.kind} {row.id} has no distribution name. [plugins] enabled lists "
                "distributions, so this plugin cannot be enabled or disabled on its own.",
                title="Cannot toggle",
                severity="warning",
                markup=False,
            )
            return
        if self.config_error is not None:
            self.notify(
                self.config_error, title="Fix the config first", severity="error", markup=False
            )
            return
        enable = not row.enabled_after
        dist = normalize_dist_name(row.distribution)
        siblings = sorted(
            {
                r.id
                for r in self.rows
                if r.distribution and normalize_dist_name(r.distribution) == dist
            }
        )
        if len(siblings) > 1:
            from .dialogs import ConfirmDialog

            verb = "Enable" if enable else "Disable"
            body = (
                f"{row.distribution} provides {len(siblings)} plugins: {', '.join(siblings)}.\n"
                f"[plugins] enabled lists distributions, so all of them are "
                f"{'enabled' if enable else 'disabled'} together."
            )
            self.app.push_screen(
                ConfirmDialog(f"{verb} {row.distribution}?", body, yes=verb, no="Cancel"),
                callback=lambda yes: self._stage(row.distribution or "", enable) if yes else None,
            )
        else:
            self._stage(row.distribution, enable)

    def _stage(self, distribution: str, enable: bool) -> None:
        candidate = self.staging.toggled(distribution, enable, self.discovery)
        plan = candidate.plan(self.config, self.discovery)
        if plan.refusal is not None:
            self.notify(plan.refusal, title="Not staged", severity="error", markup=False)
            return
        first_change = not self.staging
        self.staging, self.plan = candidate, plan if candidate else None
        for warning in plan.warnings:
            self.notify(warning, title="Warning", severity="warning", markup=False)
        if first_change and EMPTY_LIST_NOTE in plan.notes:
            self.notify(EMPTY_LIST_NOTE, title="Note", markup=False)
        self.schedule_refresh()

    def _replan(self, *, after_reload: bool) -> None:
        """Fit the staged toggles to a freshly read config; say what changed under them."""
        if not self.staging:
            self.plan = None
            return
        moot = self.staging.moot(self.discovery)
        if moot:
            self.staging = self.staging.without(moot)
            names = ", ".join(moot)
            message = (
                f"{display_path(self.options.config_path)} changed on disk and now already "
                f"says what you staged for {names}; that staged change was dropped."
            )
            self.show_banner(message, "warning")
            self.notify(message, title="Staged change dropped", severity="warning", markup=False)
        if not self.staging:
            self.plan = None
            return
        plan = self.staging.plan(self.config, self.discovery)
        if plan.refusal is not None:
            message = (
                "takopi.toml changed on disk and your staged changes cannot be applied to it: "
                f"{plan.refusal} They are kept; press u to drop them."
            )
            self.show_banner(message, "error")
        elif after_reload:
            n = len(self.staging)
            self.notify(
                f"Your {n} staged change{'s are' if n != 1 else ' is'} kept and will be "
                "applied on top of the file as it is now (ctrl+s shows the diff).",
                markup=False,
            )
        self.plan = plan

    def action_undo(self) -> None:
        n = len(self.staging)
        if not n:
            return
        self.staging, self.plan = Staging(), None
        self.show_banner("")
        self.notify(f"Dropped {n} staged change{'s' if n != 1 else ''}", markup=False)
        self.schedule_refresh()

    def action_nothing_to_save(self) -> None:
        self.notify("Nothing to save: no staged changes.", markup=False)

    def action_save(self) -> None:
        self.save_staged()

    def save_staged(self, then: Callable[[], object] | None = None) -> None:
        """Preview the staged change to takopi.toml and save it; ``then`` runs once it is
        written (not when the user cancels or the save fails)."""
        if not self.staging:
            self.notify("Nothing to save: no staged changes.", markup=False)
            return
        from takopi_core.config.file import ConfigFile

        from .dialogs import DiffDialog

        try:
            config = ConfigFile.load(self.options.config_path)
            plan = self.staging.plan(config_view(config), self.discovery)
            if plan.refusal is not None:
                raise ConfigError(plan.refusal)
            new_text = config.with_enabled(plan.enabled)
        except ConfigError as exc:
            self.notify(str(exc), title="Cannot save", severity="error", markup=False)
            return
        self.app.push_screen(
            DiffDialog(
                display_path(config.path),
                config.diff(new_text, masker=self.masker()),
                [*plan.warnings, *(n for n in plan.notes if n == EMPTY_LIST_NOTE)],
            ),
            callback=lambda save: self._save_then(config, new_text, then) if save else None,
        )

    def _save_then(self, config: object, new_text: str, then: Callable[[], object] | None) -> None:
        self._save(config, new_text)
        if then is not None and not self.staging:  # saved: _save drops what it wrote
            then()

    def _save(self, config: object, new_text: str) -> None:
        from takopi_core.config.file import ConfigFile

        assert isinstance(config, ConfigFile)
        try:
            config.save(new_text)
        except ConfigConflictError as exc:
            self.show_banner(
                f"{exc}\nYour staged changes are kept: press ctrl+s to see the diff against the "
                "file as it is now.",
                "error",
            )
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            self.reload()
            self.check_changed()
            return
        except ConfigError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        self.staging, self.plan = Staging(), None
        self.show_banner(f"Saved {display_path(config.path)}. Restart Takopi to apply.", "success")
        self.reload()
        self.check_changed()  # what the save enabled, not what was checked already

    @property
    def has_staged(self) -> bool:
        return bool(self.staging)
