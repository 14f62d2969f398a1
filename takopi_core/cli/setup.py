"""`takopi setup [ID]`: set up a transport in a plain terminal.

The same six steps as the TUI's wizard (see :mod:`takopi_core.setup.flow`), as prompts:
choose a transport, read its setup issues, enter its declared settings (secrets typed
without echo) or run its own ``interactive_setup``, pick the default engine, review the diff,
then write and check again. ``--non-interactive KEY=VALUE...`` does the same for scripts and
containers without asking anything.

``--own-setup`` runs only the transport's own ``interactive_setup``: that is what the TUI
runs, with the terminal handed over, for transports that declare no fields. This process is
the child there, so the plugin's prompts (and its code) run here and never in the TUI.

Standard library only at top level: this module is imported to build `takopi --help`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from takopi_core.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

if TYPE_CHECKING:
    from takopi_core.config.file import ConfigFile
    from takopi_core.plugins.fields import FieldSpec
    from takopi_core.setup.flow import SetupSession, Survey, TransportChoice


def register(subparsers: argparse._SubParsersAction) -> None:
    from takopi_core.cli import add_config_option, summary

    parser = subparsers.add_parser(
        "setup",
        help=summary("setup"),
        description="Set up a transport: show its setup issues, ask for the settings it "
        "declares (or run its own interactive setup), choose the default engine, show the "
        "change to takopi.toml, write it, and run the transport's check again.",
    )
    add_config_option(parser)
    parser.add_argument("id", nargs="?", metavar="ID", help="transport id (default: ask)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="ask for every setting even when the transport is already set up",
    )
    parser.add_argument(
        "--non-interactive",
        nargs="*",
        metavar="KEY=VALUE",
        default=None,
        help="ask nothing: set the declared fields from KEY=VALUE arguments (other fields "
        "keep their configured value or default) and write",
    )
    parser.add_argument(
        "--default",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="make this the default transport (`transport = ID`); without the option, "
        "setup asks, or with --non-interactive sets it when no transport is configured",
    )
    parser.add_argument("--engine", metavar="ID", help="set default_engine to this engine")
    parser.add_argument(
        "-y", "--yes", action="store_true", help="write without asking to confirm the diff"
    )
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        help="show tokens, keys and passwords as they are (masked by default)",
    )
    parser.add_argument(
        "--own-setup",
        action="store_true",
        help="only run the transport's own interactive setup, then exit (the TUI runs "
        "this when it hands over the terminal)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time limit for loading each plugin (default 10)",
    )
    parser.set_defaults(handler=run_setup)


class Cancelled(Exception):
    """The user left a prompt (Ctrl+C, Ctrl+D): nothing is written."""


class Terminal:
    """Questions and answers on the terminal; tests drive it through a real pty."""

    def say(self, text: str = "") -> None:
        print(text, flush=True)

    def ask(self, prompt: str) -> str:
        try:
            return input(prompt)
        except EOFError:
            raise Cancelled from None

    def ask_secret(self, prompt: str) -> str:
        import getpass

        try:
            return getpass.getpass(prompt)
        except EOFError:
            raise Cancelled from None

    def confirm(self, prompt: str, *, default: bool) -> bool:
        hint = "[Y/n]" if default else "[y/N]"
        while True:
            answer = self.ask(f"{prompt} {hint} ").strip().lower()
            if not answer:
                return default
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            self.say("  please answer y or n")


def _error(message: object) -> None:
    first, *rest = str(message).splitlines() or [""]
    print(f"error: {first}", file=sys.stderr)
    for line in rest:
        print(f"  {line}", file=sys.stderr)


def has_terminal() -> bool:
    """Prompts need a terminal on both ends, and TAKOPI_NO_INTERACTIVE unset."""
    if os.environ.get("TAKOPI_NO_INTERACTIVE"):
        return False
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def run_setup(args: argparse.Namespace) -> int:
    """The `takopi setup` command; returns the exit status."""
    from takopi_core.config.toml import CONFIG_ENV, resolve_config_path
    from takopi_core.plugins.probe import DEFAULT_TIMEOUT
    from takopi_core.setup.flow import SetupError, SetupSession, check_config_readable

    config_path = resolve_config_path(args.config)
    # A transport's own setup (and check_setup in children) finds the config through this.
    os.environ[CONFIG_ENV] = str(config_path)
    interactive = args.non_interactive is None
    if interactive and not has_terminal():
        _error(
            "takopi setup asks questions and needs a terminal\n"
            "for scripts and containers: takopi setup ID --non-interactive KEY=VALUE ..."
        )
        return EXIT_USAGE
    if not interactive and not args.id:
        _error("--non-interactive needs the transport ID: takopi setup ID --non-interactive ...")
        return EXIT_USAGE
    try:
        config = check_config_readable(config_path)
    except SetupError as exc:
        _error(exc)
        return EXIT_USAGE
    session = SetupSession(
        config_path, timeout=args.timeout if args.timeout is not None else DEFAULT_TIMEOUT
    )
    flow = CliSetup(args, session, Terminal(), interactive=interactive)
    try:
        if args.own_setup:
            return flow.own_setup_only(config)
        return flow.run(config)
    except Cancelled:
        print("\nsetup cancelled; nothing was written", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("\nsetup cancelled; nothing was written", file=sys.stderr)
        return EXIT_PROBLEMS
    except SetupError as exc:
        _error(exc)
        return EXIT_PROBLEMS


class CliSetup:
    """The six steps, as prompts (or, with ``interactive=False``, from the arguments)."""

    def __init__(
        self,
        args: argparse.Namespace,
        session: SetupSession,
        term: Terminal,
        *,
        interactive: bool,
    ) -> None:
        self.args = args
        self.session = session
        self.term = term
        self.interactive = interactive
        self.secrets: list[str] = []

    # -- helpers ------------------------------------------------------------------------

    def step(self, number: int, title: str) -> None:
        from takopi_core.setup.flow import STEP_TITLES

        self.term.say()
        self.term.say(f"step {number} of {len(STEP_TITLES)}: {title}")

    def masked(self, text: str) -> str:
        from takopi_core.plugins.fields import mask

        return text if self.args.show_secrets else mask(text, self.secrets)

    # -- the flow -----------------------------------------------------------------------

    def run(self, config: ConfigFile) -> int:
        from takopi_core.setup.flow import (
            STEP_TITLES,
            SetupError,
            SetupPlan,
            config_secrets,
            plan_diff,
            plan_text,
        )

        self.secrets = config_secrets(config.data)
        self.step(1, STEP_TITLES[0])
        self.term.say("checking transports and engines...")
        survey = self.session.survey(config)
        masker = survey.masker(config.data)
        self.secrets = list(masker.values)
        choice = self.choose_transport(survey)
        if choice.load_error:
            raise SetupError(
                f"transport {choice.id} ({choice.entry.dist_label}) failed to load: "
                f"{self.masked(choice.load_error)}\n`takopi plugins --load -v` shows the traceback"
            )
        self.term.say(f"transport: {choice.id} ({choice.entry.dist_label}), {choice.status}")

        self.step(2, STEP_TITLES[1])
        self.show_issues(choice)

        self.step(3, STEP_TITLES[2])
        specs = () if choice.fields_error else choice.fields
        if specs:
            values = self.collect_fields(config, choice, specs)
            if values is None:
                return EXIT_USAGE
        else:
            if choice.fields_error:
                self.term.say(f"its declared fields cannot be used: {choice.fields_error}")
            if not self.interactive:
                _error(
                    f"transport {choice.id} declares no setup fields, so there is nothing "
                    "to set from arguments\n"
                    f"run `takopi setup {choice.id}` in a terminal to use its own setup"
                )
                return EXIT_USAGE
            if not self.run_own_setup(choice):
                return EXIT_PROBLEMS
            config = self.session.load_config()  # the transport may have written it
            values = {}

        self.step(4, STEP_TITLES[3])
        make_default = self.choose_default_transport(config, choice)
        engine = self.choose_engine(survey)

        self.step(5, STEP_TITLES[4])
        plan = SetupPlan(
            choice.id,
            values=values,
            specs=tuple(specs),
            make_default=make_default,
            default_engine=engine,
        )
        new_text = plan_text(config, plan)
        if new_text == config.text:
            self.term.say("nothing to change in the config")
        else:
            diff = plan_diff(
                config,
                new_text,
                secret_paths=[*plan.secret_paths(), *masker.paths],
                show_secrets=self.args.show_secrets,
            )
            self.term.say(diff.rstrip("\n"))
            if self.interactive and not self.args.yes:
                from takopi_core.config.toml import display_path

                if not self.term.confirm(
                    f"write this to {display_path(config.path)}?", default=True
                ):
                    self.term.say("nothing was written")
                    return EXIT_PROBLEMS

        self.step(6, STEP_TITLES[5])
        if new_text != config.text:
            from takopi_core.config.toml import display_path
            from takopi_core.errors import ConfigError
            from takopi_core.setup.flow import holds_secrets, save_plan

            try:
                note = save_plan(
                    config, new_text, holds_secrets=holds_secrets(plan, new_text, config.path)
                )
            except ConfigError as exc:
                raise SetupError(str(exc)) from None
            self.term.say(f"saved {display_path(config.path)}")
            if note:
                self.term.say(note)
        return self.report_check(choice, engine or survey.default_engine)

    def own_setup_only(self, config: ConfigFile) -> int:
        """``--own-setup``: the transport's ``interactive_setup`` and nothing else."""
        from takopi_core.setup.flow import SetupError

        if not self.interactive:
            _error("--own-setup runs the transport's own prompts; it needs a terminal")
            return EXIT_USAGE
        if not self.args.id:
            _error("--own-setup needs the transport ID")
            return EXIT_USAGE
        found = self.session.discover(config)
        entry = found.find("transport", self.args.id)
        if entry is None or not entry.enabled:
            raise SetupError(self._unknown_transport(found, self.args.id))
        from takopi_core.setup.flow import TransportChoice

        return EXIT_OK if self.run_own_setup(TransportChoice(entry)) else EXIT_PROBLEMS

    # -- step 1 -------------------------------------------------------------------------

    def choose_transport(self, survey: Survey) -> TransportChoice:
        from takopi_core.setup.flow import SetupError

        if self.args.id:
            choice = survey.transport(self.args.id)
            if choice is None:
                raise SetupError(self._unknown_transport(survey.discovery, self.args.id))
            return choice
        if not survey.transports:
            raise SetupError(
                "no transport is installed (or all are disabled by [plugins] enabled)\n"
                "`takopi plugins` lists what is installed"
            )
        width = max(len(t.id) for t in survey.transports)
        for number, choice in enumerate(survey.transports, 1):
            current = "  (current)" if choice.id == survey.current_transport else ""
            self.term.say(
                f"  {number}) {choice.id:<{width}}  {choice.status:<14} "
                f"{choice.description}{current}".rstrip()
            )
        first = survey.suggested_transport()
        assert first is not None  # there are transports
        suggested = first.id
        while True:
            answer = self.term.ask(f"transport [{suggested}]: ").strip() or suggested
            picked = _pick(answer, [t.id for t in survey.transports])
            if picked is not None:
                found = survey.transport(picked)
                assert found is not None
                return found
            self.term.say(f"  no transport {answer!r}: type a number or an id from the list")

    @staticmethod
    def _unknown_transport(discovery: Any, transport_id: str) -> str:
        entry = discovery.find("transport", transport_id)
        if entry is not None and not entry.enabled:
            return (
                f"transport {transport_id} ({entry.dist_label}) is disabled by [plugins] "
                f"enabled\nenable it first: takopi plugins enable {entry.dist_label}"
            )
        for problem in discovery.errors:
            if problem.kind == "transport" and problem.id == transport_id:
                return f"transport {transport_id} ({problem.dist_label}): {problem.message}"
        available = sorted(e.id for e in discovery.visible() if e.kind == "transport")
        listed = f" Available: {', '.join(available)}." if available else ""
        return f"Unknown transport {transport_id!r}.{listed}"

    # -- step 2 -------------------------------------------------------------------------

    def show_issues(self, choice: TransportChoice) -> None:
        from takopi_core.setup.flow import describe_issues

        if choice.setup_ok is None:
            self.term.say("not checked: no engine is installed to check it with")
        elif not choice.issues:
            self.term.say("no setup issues")
        for line in describe_issues(choice.issues, [] if self.args.show_secrets else self.secrets):
            self.term.say(line)

    # -- step 3 -------------------------------------------------------------------------

    def collect_fields(
        self, config: ConfigFile, choice: TransportChoice, specs: Sequence[FieldSpec]
    ) -> dict[str, Any] | None:
        """The declared fields' values, checked; None after a usage error was printed."""
        from takopi_core.setup.flow import (
            initial_values,
            is_configured,
            local_errors,
            parse_assignments,
        )

        values = initial_values(config.data, choice.id, specs)
        if not self.interactive:
            given, problems = parse_assignments(self.args.non_interactive or [], specs)
            values.update(given)
            problems += [f"{key}: {msg}" for key, msg in local_errors(specs, values).items()]
            if problems:
                _error("cannot set up " + choice.id + ":\n" + "\n".join(problems))
                return None
            self.remember_secrets(specs, values)
            self.term.say("checking the values...")
            failures = self.session.validate(choice.entry, values, [s.key for s in specs])
            if failures:
                from takopi_core.setup.flow import SetupError

                lines = [f"{key}: {self.masked(msg)}" for key, msg in failures.items()]
                raise SetupError(
                    "the values were rejected; nothing was written\n" + "\n".join(lines)
                )
            self.term.say("ok")
            return values
        if not self.args.force and choice.setup_ok and is_configured(config.data, choice.id, specs):
            self.term.say(
                f"{choice.id} is already set up; keeping its settings "
                f"(`takopi setup {choice.id} --force` asks for each one)"
            )
            return {}
        for spec in specs:
            values[spec.key] = self.ask_field(choice, spec, values)
        return values

    def remember_secrets(self, specs: Sequence[FieldSpec], values: dict[str, Any]) -> None:
        from takopi_core.setup.flow import secret_values

        self.secrets += secret_values(specs, values)

    def ask_field(self, choice: TransportChoice, spec: FieldSpec, values: dict[str, Any]) -> Any:
        from takopi_core.plugins.fields import (
            FieldValueError,
            check_value,
            format_value,
            parse_text,
        )

        self.term.say()
        self.term.say(f"{spec.label} ({spec.key}{', secret' if spec.secret else ''})")
        if spec.help:
            for line in spec.help.splitlines():
                self.term.say(f"  {line}")
        if spec.choices:
            options = "  ".join(
                f"{n}) {format_value(spec, c)}" for n, c in enumerate(spec.choices, 1)
            )
            self.term.say(f"  {options}")
        current = values.get(spec.key)
        while True:
            prompt = f"  {spec.label}{self._hint(spec, current)}: "
            text = self.term.ask_secret(prompt) if spec.secret else self.term.ask(prompt)
            if spec.choices and text.strip().isdigit() and spec.kind != "int":
                index = int(text.strip()) - 1
                if 0 <= index < len(spec.choices):
                    text = str(format_value(spec, spec.choices[index]))
            try:
                value = parse_text(spec, text)
            except FieldValueError as exc:
                self.term.say(f"  ✗ {spec.label} {exc}")
                continue
            if value is None:
                value = current
            problem = check_value(spec, value)
            if problem:
                self.term.say(f"  ✗ {spec.label} {problem}")
                continue
            if value is None:
                return None
            candidate = {**values, spec.key: value}
            if spec.secret:
                self.secrets.append(str(value))
            if spec.has_validator:
                self.term.say("  checking...")
                failure = self.session.validate(choice.entry, candidate, [spec.key]).get(spec.key)
                if failure:
                    self.term.say(f"  ✗ {spec.label} {self.masked(failure)}")
                    continue
                self.term.say("  ✓ ok")
            return value

    @staticmethod
    def _hint(spec: FieldSpec, current: Any) -> str:
        from takopi_core.plugins.fields import format_value

        if spec.kind == "bool":
            if current is None:
                return " [y/n]"
            return " [Y/n]" if current else " [y/N]"
        if current is None or current == "":
            return "" if spec.required else " (optional)"
        if spec.secret:
            return " [Enter keeps the current value]"
        return f" [{format_value(spec, current)}]"

    def run_own_setup(self, choice: TransportChoice) -> bool:
        """Load the transport here and run its ``interactive_setup(force=...)``."""
        from takopi_core.cli.run import run_interactive_setup
        from takopi_core.plugins.loading import PluginLoadFailed, load_entry
        from takopi_core.setup.flow import SetupError

        label = f"transport {choice.id} ({choice.entry.dist_label})"
        self.term.say(f"running the interactive setup of {label}")
        try:
            backend = load_entry(choice.entry)
        except PluginLoadFailed as exc:
            raise SetupError(f"{label} failed to load: {exc}") from None
        try:
            done = run_interactive_setup(backend, force=self.args.force or self.args.own_setup)
        except (Cancelled, KeyboardInterrupt, EOFError):
            raise Cancelled from None
        except Exception as exc:
            raise SetupError(
                f"{label}: interactive_setup failed: {type(exc).__name__}: {self.masked(str(exc))}"
            ) from None
        if not done:
            self.term.say(f"the setup of {choice.id} was not completed")
        return done

    # -- step 4 -------------------------------------------------------------------------

    def choose_default_transport(self, config: ConfigFile, choice: TransportChoice) -> bool:
        current = config.data.get("transport")
        if current == choice.id:
            self.term.say(f"{choice.id} is already the default transport")
            return False
        if self.args.default is not None:
            return bool(self.args.default)
        if not self.interactive:
            return current is None
        now = f" (now: {current})" if isinstance(current, str) else ""
        return self.term.confirm(f"make {choice.id} the default transport{now}?", default=True)

    def choose_engine(self, survey: Survey) -> str | None:
        from takopi_core.setup.flow import SetupError

        engines = survey.engines
        usable = [e.id for e in engines if e.loaded]
        if self.args.engine:
            if self.args.engine not in usable:
                listed = ", ".join(usable) or "none"
                raise SetupError(
                    f"--engine {self.args.engine}: not a visible engine that loads "
                    f"(available: {listed})"
                )
            return self.args.engine
        if not engines:
            self.term.say("no engines found: install one, then `takopi setup` again")
            return None
        width = max(len(e.id) for e in engines)
        self.term.say("engines:")
        for number, engine in enumerate(engines, 1):
            mark = "  (default)" if engine.id == survey.default_engine else ""
            self.term.say(f"  {number}) {engine.id:<{width}}  {engine.status}{mark}")
            if engine.install_hint:
                self.term.say(f"     install: {engine.install_hint}")
            elif not engine.loaded and engine.result is not None:
                self.term.say(f"     {engine.result.message}")
        if not self.interactive or not usable:
            return None
        suggested = survey.suggested_engine()
        while True:
            # suggested is set whenever an engine loads; "" only satisfies the type.
            answer = self.term.ask(f"default engine [{suggested}]: ").strip() or suggested or ""
            picked = _pick(answer, [e.id for e in engines])
            if picked in usable:
                return None if picked == survey.default_engine else picked
            self.term.say(f"  {answer!r} is not an engine that loads: pick one from the list")

    # -- step 6 -------------------------------------------------------------------------

    def report_check(self, choice: TransportChoice, engine_id: str | None) -> int:
        from takopi_core.setup.flow import describe_issues

        self.term.say(f"checking {choice.id} again...")
        checked = self.session.check(choice.entry, engine_id)
        if checked.load_error:
            self.term.say(f"{choice.id} failed to load: {self.masked(checked.load_error)}")
            return EXIT_PROBLEMS
        if checked.setup_ok is None:
            self.term.say(f"{choice.id}: not checked (no engine is installed to check it with)")
            return EXIT_OK
        if checked.setup_ok:
            self.term.say(f"✓ {choice.id} is ready: start it with `takopi run`")
            return EXIT_OK
        self.term.say(f"{choice.id} still needs setup:")
        hidden = [] if self.args.show_secrets else self.secrets
        for line in describe_issues(checked.issues, hidden):
            self.term.say(f"  {line}")
        return EXIT_PROBLEMS


def _pick(answer: str, ids: Sequence[str]) -> str | None:
    """A list answer: a 1-based number or an id."""
    if answer.isdigit():
        index = int(answer) - 1
        return ids[index] if 0 <= index < len(ids) else None
    return answer if answer in ids else None
