"""TakopiApp: wiring only. The plugins screen does the work; the app supplies its inputs.

Everything that differs between a user's terminal and a test or a screenshot is a constructor
argument: the config path, where distributions are searched, the probe, the environment shown,
the file-watch interval.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from takopi_core.config.toml import resolve_config_path

from .environment import Environment
from .initial_read import InitialRead
from .probing import ProbeFactory, real_probe
from .screens.plugins import PluginsScreen
from .screens.screen_options import LatestVersions, ScreenOptions, real_latest_versions
from .widgets.plugin_table import PluginTable

if TYPE_CHECKING:
    from .handover import HandOver, SetupService

# Dialogs, help and the setup wizard are imported when first opened: start-up only pays for
# what the first screen shows.


class TakopiApp(App[None]):
    """`takopi tui`: plugin tables, enable toggles saved to takopi.toml, live load errors."""

    # Absolute, so subclasses defined elsewhere (tests, benchmarks) find the styles too.
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "takopi"
    BINDINGS = [
        Binding("q", "quit", "Quit", tooltip="Quit (asks first when changes are staged)"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding(
            "s",
            "setup",
            "Setup",
            tooltip="Set up the selected transport: settings, default engine, diff, check",
        ),
    ]

    def __init__(
        self,
        *,
        config_path: str | Path | None = None,
        search_path: Sequence[str] | None = None,
        probe_factory: ProbeFactory = real_probe,
        timeout: float | None = None,
        environment: Environment | None = None,
        watch_interval: float | None = 1.0,
        check_setup: bool = True,
        setup_service: Callable[[], SetupService] | None = None,
        hand_over: HandOver | None = None,
        check_updates: bool | LatestVersions = False,
    ) -> None:
        """
        Args:
            config_path: takopi.toml to show and edit (default: $TAKOPI_CONFIG, then
                ~/.takopi/takopi.toml).
            search_path: folders to find distributions in instead of ``sys.path``.
            probe_factory: starts probe runs (tests inject a scripted probe).
            timeout: per-plugin time limit of the probe, in seconds (default: the probe's).
            environment: the interpreter shown in the summary line.
            watch_interval: seconds between checks for changed files (None: never).
            check_setup: also run transports' ``check_setup`` in the probe.
            setup_service: makes the setup wizard's service (default: a SetupSession on
                this config and search path, running plugin code in child processes).
            hand_over: how the wizard hands the terminal to a transport's own setup
                (default: suspend the app and run it in the terminal).
            check_updates: ask the package index for newer versions of the installed plugin
                distributions (True: ``pip index versions``; or a function doing the asking).
                Off by default: `takopi tui` turns it on; tests and screenshots stay offline.
        """
        super().__init__()
        self.options = ScreenOptions(
            config_path=resolve_config_path(config_path),
            search_path=list(search_path) if search_path is not None else None,
            probe_factory=probe_factory,
            timeout=timeout,
            environment=environment or Environment.current(),
            watch_interval=watch_interval,
            check_setup=check_setup,
            latest_versions=(
                real_latest_versions if check_updates is True else check_updates or None
            ),
        )
        self._setup_service = setup_service
        self._hand_over = hand_over
        self._setup_available: bool | None = None
        # Read the config and discover plugins while Textual starts the driver, parses the
        # styles and builds the widgets; the plugins screen picks the result up on mount.
        self._initial_read: InitialRead | None = InitialRead(
            self.options.config_path, self.options.search_path
        )
        self._initial_read.start()

    started = False
    """True once the app is on screen (the CLI falls back to plain text only before that)."""

    def on_mount(self) -> None:
        self.started = True
        self.screen_change_signal.subscribe(self, self._clear_toasts_for_dialog)

    def _clear_toasts_for_dialog(self, screen: Screen) -> None:
        """A dialog opening takes the toasts away: they would cover its buttons, and what
        they said (a staged change's warnings) the dialog says again. Toasts raised while
        it is open sit at the top (dialogs.tcss), clear of the buttons."""
        if isinstance(screen, ModalScreen):
            self.clear_notifications()

    def get_default_screen(self) -> Screen:
        initial_read, self._initial_read = self._initial_read, None
        return PluginsScreen(self.options, initial_read)

    @property
    def plugins_screen(self) -> PluginsScreen:
        """The main screen (the bottom of the stack, whatever dialog is open)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, PluginsScreen)
        return screen

    async def action_quit(self) -> None:
        """Quit; with staged changes, ask first."""
        main = self.plugins_screen
        if not main.has_staged:
            self.exit()
            return
        from .screens.dialogs import QuitDialog

        self.push_screen(QuitDialog(len(main.staging)), callback=self._quit_answered)

    def _quit_answered(self, choice: str | None) -> None:
        if choice == "quit":
            self.exit()
        elif choice == "save":
            # The usual save, diff preview included; quit once it is written.
            self.plugins_screen.save_staged(then=self.exit)

    def action_help(self) -> None:
        """Show every key and what the marks mean."""
        from .screens.help import HelpScreen, key_rows

        if isinstance(self.screen, HelpScreen):
            return
        bindings = [*PluginsScreen.BINDINGS, *self.BINDINGS]
        keys = key_rows((b for b in bindings if isinstance(b, Binding)), self.get_key_display)
        self.push_screen(HelpScreen(keys))

    # -- the setup wizard -------------------------------------------------------------------

    def _selected_transport(self) -> str | None:
        """The transport row under the cursor of the main screen, when it is on top."""
        stack = self.screen_stack
        if not stack or self.screen is not stack[0] or not isinstance(stack[0], PluginsScreen):
            return None
        row = stack[0].current_row
        return row.id if row is not None and row.kind == "transport" else None

    def action_setup(self, transport_id: str | None = None) -> None:
        """Open the setup wizard, on the selected transport when there is one.

        A disabled transport is not among the wizard's choices: ask whether to enable it
        with its setup (the enabling is then part of the change the wizard shows)."""
        from .screens.setup_wizard import SetupWizard

        if isinstance(self.screen, SetupWizard):
            return
        target = transport_id or self._selected_transport()
        main = self.plugins_screen
        row = next((r for r in main.rows if r.kind == "transport" and r.id == target), None)
        if (
            row is not None
            and not row.enabled
            and row.distribution is not None
            and main.config_error is None
        ):
            from .screens.dialogs import ConfirmDialog

            plugin_id, distribution = row.id, row.distribution
            body = (
                f"{row.id} is disabled. Enable it and set it up?\n[plugins] enabled does not "
                f"list {distribution}; the setup adds it, in the change you review before "
                "anything is written."
            )
            self.push_screen(
                ConfirmDialog(f"Enable {row.id}?", body, yes="Enable and set up", no="Cancel"),
                callback=lambda yes: self._open_wizard(plugin_id, distribution) if yes else None,
            )
            return
        self._open_wizard(target)

    def _open_wizard(self, transport_id: str | None, enable: str | None = None) -> None:
        from .handover import suspend_and_run
        from .screens.setup_wizard import SetupWizard

        if self._setup_service is not None:
            service = self._setup_service()
        else:
            from takopi_core.plugins.probe import DEFAULT_TIMEOUT
            from takopi_core.setup.flow import SetupSession

            options = self.options
            timeout = options.timeout if options.timeout is not None else DEFAULT_TIMEOUT
            known = None
            if options.probe_factory is real_probe:  # the table's results are the probe's
                from .known_checks import table_results

                known = table_results(
                    self.plugins_screen.runs.cache,
                    config_path=options.config_path,
                    search_path=options.search_path,
                    timeout=options.timeout,
                )
            service = SetupSession(
                options.config_path,
                search_path=options.search_path,
                timeout=timeout,
                known=known,
            )
        wizard = SetupWizard(
            service,
            transport_id=transport_id,
            hand_over=self._hand_over or suspend_and_run,
            enable=enable,
        )
        self.plugins_screen.watch_paused = True
        self.push_screen(wizard, callback=self._setup_done)

    def _setup_done(self, outcome: object) -> None:
        # The wizard may have written the config, or the transport's own setup may have.
        main = self.plugins_screen
        main.watch_paused = False  # the reload below takes the files as they are now
        if main.reload():
            main.check_changed()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "setup":
            return self._selected_transport() is not None
        return True

    def on_plugin_table_row_highlighted(self, _event: PluginTable.RowHighlighted) -> None:
        # `s` applies to transport rows only: redraw the footer when that changes.
        available = self._selected_transport() is not None
        if available != self._setup_available:
            self._setup_available = available
            self.refresh_bindings()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette: every action of the plugins screen, by name."""
        main = self.plugins_screen
        for binding in PluginsScreen.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            help_text = binding.tooltip or binding.description
            yield SystemCommand(
                binding.description,
                f"{help_text} ({self.get_key_display(binding)})",
                partial(main.run_action, binding.action),
            )
        yield SystemCommand(
            "Set up a transport",
            "Choose a transport and set it up: settings, default engine, diff, write, check (s)",
            self.action_setup,
        )
        yield from super().get_system_commands(screen)
