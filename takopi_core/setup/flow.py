"""Transport setup, shared by `takopi setup` and the TUI's setup wizard.

Both front ends walk the same six steps and call the same functions (here,
in :mod:`takopi_core.setup.values` and :mod:`takopi_core.setup.plan`):

1. choose a transport: :meth:`SetupSession.survey` lists every visible transport with its
   description, declared fields and setup status (``check_setup`` run in the probe);
2. show its setup issues (:attr:`TransportChoice.issues`);
3. collect settings: declared fields are parsed and checked locally
   (:func:`takopi_core.plugins.fields.parse_text`,
   :func:`takopi_core.setup.values.local_errors`), then by the field's own validator in a
   child process (:meth:`SetupSession.validate`); a transport without
   declared fields runs its own ``interactive_setup`` instead (`takopi setup ID` does that);
4. choose the default engine (:attr:`Survey.engines`, with install commands for missing CLIs);
5. review the diff (:mod:`takopi_core.setup.plan`: ``plan_text``, ``plan_diff``, secrets masked);
6. write through ConfigFile (``save_plan``) and check again (:meth:`SetupSession.check`).

This module holds the session (config, children, time limits), what the probe found
(transport and engine choices), and the plain-text issue lines.

No plugin code runs in the caller's process: every plugin call goes through a child.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from takopi_core._child import child_environment
from takopi_core.config.file import ConfigFile
from takopi_core.config.toml import enabled_list
from takopi_core.errors import ConfigError
from takopi_core.ids import ENGINE, FALLBACK_TRANSPORT, TRANSPORT
from takopi_core.plugins.discovery import Discovery, PluginEntry, discover
from takopi_core.plugins.fields import FieldSpec
from takopi_core.plugins.probe import DEFAULT_TIMEOUT, LoadResult, Probe, default_workers
from takopi_core.plugins.setup_engine import setup_engine_for
from takopi_core.secrets import Masker
from takopi_core.setup.child import DEFAULT_VALIDATE_TIMEOUT, run_validators
from takopi_core.text import safe_text

STEP_TITLES: tuple[str, ...] = (
    "Choose a transport",
    "Setup issues",
    "Settings",
    "Defaults",
    "Review changes",
    "Save and check",
)


class SetupError(RuntimeError):
    """Setup cannot go on; the message says why and what to do."""


# --- what the probe found --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransportChoice:
    """One visible transport, with what the probe learned about it."""

    entry: PluginEntry
    result: LoadResult | None = None

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def description(self) -> str:
        if self.result is not None and self.result.description:
            return safe_text(self.result.description)
        return ""

    @property
    def loaded(self) -> bool:
        return self.result is not None and self.result.ok

    @property
    def load_error(self) -> str | None:
        if self.result is None or self.result.ok:
            return None
        return safe_text(self.result.message or "failed to load")

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return self.result.setup_fields if self.result is not None else ()

    @property
    def fields_error(self) -> str | None:
        error = self.result.setup_fields_error if self.result is not None else None
        return safe_text(error) if error is not None else None

    @property
    def issues(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return self.result.setup_issues if self.result is not None else ()

    @property
    def setup_ok(self) -> bool | None:
        """True ready, False needs setup, None not checked (not loaded, or no engine)."""
        if not self.loaded:
            return None
        assert self.result is not None
        return self.result.setup_ok

    @property
    def status(self) -> str:
        """``ready``, ``needs setup``, ``failed to load`` or ``not checked``."""
        if self.result is None:
            return "not checked"
        if not self.loaded:
            return "failed to load"
        if self.setup_ok is None:
            return "not checked"
        return "ready" if self.setup_ok else "needs setup"


@dataclass(frozen=True, slots=True)
class EngineChoice:
    """One visible engine: whether it loads and whether its CLI is on PATH."""

    entry: PluginEntry
    result: LoadResult | None
    installed: bool
    path: str | None = None

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def loaded(self) -> bool:
        return self.result is not None and self.result.ok

    @property
    def cli_cmd(self) -> str:
        if self.result is not None and self.result.cli_cmd:
            return safe_text(self.result.cli_cmd)
        return self.entry.id

    @property
    def install_cmd(self) -> str | None:
        """The plugin's install command, as shown (escaped)."""
        if self.result is None or self.result.install_cmd is None:
            return None
        return safe_text(self.result.install_cmd)

    @property
    def status(self) -> str:
        if not self.loaded:
            return "failed to load"
        return "installed" if self.installed else f"{self.cli_cmd} not found"

    @property
    def install_hint(self) -> str:
        """How to install the missing CLI (empty when installed)."""
        if self.installed or not self.loaded:
            return ""
        if self.install_cmd:
            return f"$ {self.install_cmd}"
        return "see the engine's documentation for install instructions"


@dataclass(slots=True)
class Survey:
    """Step 1 and 4's data: visible transports and engines, as probed."""

    discovery: Discovery
    transports: list[TransportChoice] = field(default_factory=list)
    engines: list[EngineChoice] = field(default_factory=list)
    default_engine: str | None = None
    current_transport: str | None = None

    def transport(self, transport_id: str) -> TransportChoice | None:
        return next((t for t in self.transports if t.id == transport_id), None)

    def engine_ids(self) -> list[str]:
        return [e.id for e in self.engines]

    def suggested_transport(self, wanted: str | None = None) -> TransportChoice | None:
        """The transport setup offers first (the CLI's default answer, the wizard's
        highlighted row): ``wanted``, else the configured transport, when it loads; else the
        first that loads; else the first listed (None when there is none)."""
        for transport_id in (wanted, self.current_transport):
            choice = self.transport(transport_id) if transport_id else None
            if choice is not None and choice.loaded:
                return choice
        loaded = [t for t in self.transports if t.loaded]
        if loaded:
            return loaded[0]
        return self.transports[0] if self.transports else None

    def suggested_engine(self) -> str | None:
        """The default engine setup offers: the configured one when it loads, else the first
        that loads with its CLI installed, else the first that loads (None: none loads)."""
        usable = [e for e in self.engines if e.loaded]
        if self.default_engine in {e.id for e in usable}:
            return self.default_engine
        installed = [e for e in usable if e.installed]
        if installed:
            return installed[0].id
        return usable[0].id if usable else None

    def masker(self, data: Mapping[str, Any] | None) -> Masker:
        """What setup hides in ``data``'s outputs: secret-named keys and the declared secret
        fields of every surveyed transport (whichever one is being set up)."""
        from takopi_core.plugins.secret_fields import masker_from_results

        return masker_from_results(data, [t.result for t in self.transports if t.result])


# --- the session: config, children, time limits ----------------------------------------------


#: Results a host already has (the TUI's plugin table): given the entries setup is about to
#: check, the engine their ``check_setup`` gets and the config's data, the results that
#: still hold for them, by entry key. Those entries are not checked again.
KnownResults = Callable[
    [Sequence[PluginEntry], PluginEntry | None, Mapping[str, Any]],
    Mapping[tuple[str, str, str | None], LoadResult],
]


class SetupSession:
    """Where setup works: one config file, the plugin search path, and how children run.

    Args:
        config_path: the takopi.toml to read and write.
        search_path: folders to find distributions in instead of ``sys.path`` (the TUI's
            tests and screenshots); children get them on PYTHONPATH.
        timeout: the probe's per-plugin time limit.
        validate_timeout: the time limit of one round of field validators.
        which: finds an engine's CLI on PATH (tests pass their own).
        known: results the host already has (see :data:`KnownResults`): the survey checks
            only the plugins it has no result for that still holds.
        workers: how many plugins the probe checks at once (default:
            :func:`takopi_core.plugins.probe.default_workers`), so a plugin that hangs
            holds one slot for one timeout while the others are checked.
    """

    def __init__(
        self,
        config_path: Path,
        *,
        search_path: Sequence[str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        validate_timeout: float = DEFAULT_VALIDATE_TIMEOUT,
        which: Callable[[str], str | None] = shutil.which,
        base_env: Mapping[str, str] | None = None,
        known: KnownResults | None = None,
        workers: int | None = None,
    ) -> None:
        self.config_path = config_path
        self.known = known
        self.workers = workers if workers is not None else default_workers()
        self.search_path = list(search_path) if search_path is not None else None
        self.timeout = timeout
        self.validate_timeout = validate_timeout
        self.which = which
        self._base_env = dict(base_env) if base_env is not None else None

    def child_env(self) -> dict[str, str]:
        """Children see our config file and our search path ahead of their own."""
        return child_environment(self.config_path, self.search_path, self._base_env)

    def load_config(self) -> ConfigFile:
        """The config as it is on disk now (ConfigError when it cannot be read or parsed)."""
        return ConfigFile.load(self.config_path)

    def discover(self, config: ConfigFile | None = None) -> Discovery:
        config = config or self.load_config()
        return discover(enabled_list(config.data, config.path), path=self.search_path)

    def survey(self, config: ConfigFile | None = None) -> Survey:
        """Probe every visible transport (with ``check_setup``) and engine, in one child run
        (the pool: ``workers`` at once); those with a result in ``known`` are not checked."""
        config = config or self.load_config()
        found = self.discover(config)
        data = config.data
        default_engine = data.get("default_engine")
        default_engine = default_engine if isinstance(default_engine, str) else None
        current = data.get("transport")
        survey = Survey(
            discovery=found,
            default_engine=default_engine,
            current_transport=current if isinstance(current, str) else None,
        )
        transports = [e for e in found.visible() if e.kind == TRANSPORT]
        engines = [e for e in found.visible() if e.kind == ENGINE]
        entries = [*transports, *engines]  # transports first: the probe starts them first
        engine = setup_engine_for(found.entries, default_engine)
        results = dict(self.known(entries, engine, data)) if self.known is not None else {}
        todo = [e for e in entries if e.key not in results]
        results.update(self._probe(todo, engine))
        survey.transports = [TransportChoice(e, results.get(e.key)) for e in transports]
        survey.engines = [self._engine_choice(e, results.get(e.key)) for e in engines]
        return survey

    def check(self, transport: PluginEntry, engine_id: str | None) -> TransportChoice:
        """Run the transport's ``check_setup`` again (after a write), with ``engine_id``."""
        found = self.discover()
        fresh = found.find(TRANSPORT, transport.id) or transport
        results = self._probe([fresh], setup_engine_for(found.entries, engine_id))
        return TransportChoice(fresh, results.get(fresh.key))

    def validate(
        self, transport: PluginEntry, values: Mapping[str, Any], keys: Iterable[str]
    ) -> dict[str, str]:
        """Run the declared validators of ``keys`` in a child; ``{key: message}`` failures."""
        return run_validators(
            transport,
            values,
            list(keys),
            env=self.child_env(),
            timeout=self.validate_timeout,
        )

    def _probe(
        self, entries: list[PluginEntry], engine: PluginEntry | None
    ) -> dict[tuple[str, str, str | None], LoadResult]:
        if not entries:
            return {}
        probe = Probe(
            entries,
            timeout=self.timeout,
            setup_engine=engine,
            env=self.child_env(),
            workers=self.workers,
        )
        return {result.key: result for result in probe.results()}

    def _engine_choice(self, entry: PluginEntry, result: LoadResult | None) -> EngineChoice:
        cmd = result.cli_cmd if result is not None and result.cli_cmd else entry.id
        found = self.which(cmd) if result is not None and result.ok else None
        return EngineChoice(entry, result, installed=found is not None, path=found)


def describe_issues(
    issues: Iterable[tuple[str, Sequence[str]]], secrets: Iterable[str] = ()
) -> list[str]:
    """Setup issues as plain lines: ``- title`` then its indented detail lines."""
    from takopi_core.secrets import mask_text

    hidden = list(secrets)
    lines: list[str] = []
    for title, detail in issues:
        lines.append(safe_text(f"- {mask_text(plain(title).strip(), hidden)}"))
        lines.extend(safe_text(f"    {mask_text(plain(line).strip(), hidden)}") for line in detail)
    return lines


def start_command(transport_id: str, default_transport: object) -> str:
    """How to start ``transport_id``: `takopi run`, with ``--transport ID`` unless it is the
    default (``default_transport``: the config's ``transport`` value, if any)."""
    default = default_transport if isinstance(default_transport, str) else ""
    if transport_id == (default.strip() or FALLBACK_TRANSPORT):
        return "takopi run"
    return f"takopi run --transport {transport_id}"


_STYLE_TAG = re.compile(
    r"\[/?(?:dim|bold|italic|underline|red|green|yellow|blue|magenta|cyan|white)?\]"
)


def plain(text: str) -> str:
    """Upstream transports put a few Rich style tags in issue lines (``[dim]$[/]``); they
    are dropped, and nothing else in the text is treated as markup."""
    return _STYLE_TAG.sub("", str(text))


def check_config_readable(config_path: Path) -> ConfigFile:
    """Load and parse the config, or raise SetupError saying how to fix it first."""
    try:
        config = ConfigFile.load(config_path)
        config.data  # noqa: B018 - parse now, so a malformed file is reported here
    except ConfigError as exc:
        raise SetupError(f"{exc}\nfix the file first (`takopi doctor` checks it)") from None
    return config
