"""The six steps of `takopi setup` as prompts on a :class:`Terminal` (or, with
``--non-interactive``, from the arguments), over :mod:`takopi_core.setup.flow`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from takopi_core.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from takopi_core.cli.setup_terminal import Cancelled, Terminal, print_error
from takopi_core.text import safe_text

if TYPE_CHECKING:
    from takopi_core.config.file import ConfigFile
    from takopi_core.plugins.fields import FieldSpec
    from takopi_core.setup.flow import SetupSession, Survey, TransportChoice


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
        from takopi_core.secrets import mask_text

        return text if self.args.show_secrets else mask_text(text, self.secrets)

    # -- the flow -----------------------------------------------------------------------

    def run(self, config: ConfigFile) -> int:
        from takopi_core.setup.flow import STEP_TITLES, SetupError
        from takopi_core.setup.plan import SetupPlan, plan_diff, plan_text
        from takopi_core.setup.values import config_secrets

        self.secrets = config_secrets(config.data)
        self.step(1, STEP_TITLES[0])
        self.term.say("checking transports and engines...")
        survey = self.session.survey(config)
        masker = survey.masker(config.data)
        self.secrets = list(masker.values)
        choice = self.choose_transport(survey)
        if choice.load_error:
            fix = choice.result.fix if choice.result is not None else None
            fix_line = f"fix: {self.masked(safe_text(fix))}\n" if fix else ""
            raise SetupError(
                f"transport {choice.id} ({choice.entry.dist_label}) failed to load: "
                f"{self.masked(choice.load_error)}\n{fix_line}"
                "`takopi plugins --load -v` shows the traceback"
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
                print_error(
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
            from takopi_core.setup.plan import holds_secrets, save_plan

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
            print_error("--own-setup runs the transport's own prompts; it needs a terminal")
            return EXIT_USAGE
        if not self.args.id:
            print_error("--own-setup needs the transport ID")
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
        from takopi_core.setup.values import (
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
                print_error("cannot set up " + choice.id + ":\n" + "\n".join(problems))
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
        from takopi_core.setup.values import secret_values

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
                # A plugin's text may quote the config back: its secrets are masked.
                self.term.say(f"     {self.masked(engine.result.message or 'failed to load')}")
                if engine.result.fix:
                    self.term.say(f"     fix: {self.masked(engine.result.fix)}")
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

    def _default_transport(self) -> object:
        """The config's ``transport`` as written now (None when it cannot be read)."""
        from takopi_core.errors import ConfigError

        try:
            return self.session.load_config().data.get("transport")
        except ConfigError:
            return None

    def report_check(self, choice: TransportChoice, engine_id: str | None) -> int:
        from takopi_core.setup.flow import describe_issues, start_command

        self.term.say(f"checking {choice.id} again...")
        checked = self.session.check(choice.entry, engine_id)
        if checked.load_error:
            self.term.say(f"{choice.id} failed to load: {self.masked(checked.load_error)}")
            return EXIT_PROBLEMS
        if checked.setup_ok is None:
            self.term.say(f"{choice.id}: not checked (no engine is installed to check it with)")
            return EXIT_OK
        if checked.setup_ok:
            command = start_command(choice.id, self._default_transport())
            self.term.say(f"✓ {choice.id} is ready: start it with `{command}`")
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
