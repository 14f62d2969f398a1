"""The built-in engines' config tables (``[codex]``, ``[claude]``, ``[opencode]``, ``[pi]``),
typed, and the CLIs those engines drive.

The keys are the ones upstream Takopi 0.23.4 reads, with their upstream defaults, so a config
written for upstream keeps working; anything else is an unknown key ``takopi doctor`` reports
(``[codex] model`` too: upstream's Codex takes a model only from a chat's ``/model``
override). A table is checked as a whole: :func:`parse_engine_table` raises
one :class:`ConfigError` listing every wrong value, each as ``<file>: `<engine>.<key>` ...``.

Only the standard library is imported here: `takopi plugins` reads :data:`BUILTIN_ENGINE_CLIS`
to say "CLI missing" without loading any plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias

from takopi_core.config.toml import type_name
from takopi_core.errors import ConfigError


@dataclass(frozen=True, slots=True)
class EngineCli:
    """The executable a built-in engine runs and how to install it."""

    cli_cmd: str
    install_cmd: str
    #: Arguments that make the CLI print its version (``takopi doctor`` shows it).
    version_args: tuple[str, ...] = ("--version",)


#: Built-in engine id -> its CLI, in the order they are listed.
BUILTIN_ENGINE_CLIS: Mapping[str, EngineCli] = {
    "codex": EngineCli("codex", "npm install -g @openai/codex"),
    "claude": EngineCli("claude", "npm install -g @anthropic-ai/claude-code"),
    "opencode": EngineCli("opencode", "npm install -g opencode-ai@latest"),
    "pi": EngineCli("pi", "npm install -g @mariozechner/pi-coding-agent"),
}

#: The global flags Takopi passes Codex by default: the notify hook would fire on every run.
CODEX_DEFAULT_EXTRA_ARGS: tuple[str, ...] = ("-c", "notify=[]")
#: ``codex exec`` flags Takopi sets itself; ``extra_args`` may not repeat them.
CODEX_EXEC_OWNED_FLAGS: frozenset[str] = frozenset(
    {"--skip-git-repo-check", "--json", "--output-schema", "--output-last-message", "--color", "-o"}
)
CODEX_EXEC_OWNED_PREFIXES: tuple[str, ...] = (
    "--output-schema=",
    "--output-last-message=",
    "--color=",
)
CLAUDE_DEFAULT_ALLOWED_TOOLS: tuple[str, ...] = ("Bash", "Read", "Edit", "Write")

CodexMode: TypeAlias = Literal["app_server", "exec"]


@dataclass(frozen=True, slots=True)
class CodexSettings:
    """``[codex]``. ``mode`` is read as upstream spells it; takopi-tui always runs
    ``codex exec`` (the app-server protocol is not implemented), whose resume lines are the
    same."""

    extra_args: tuple[str, ...] = CODEX_DEFAULT_EXTRA_ARGS
    profile: str | None = None
    mode: CodexMode = "app_server"


@dataclass(frozen=True, slots=True)
class ClaudeSettings:
    """``[claude]``. ``allowed_tools`` absent means the default four; ``[]`` means none."""

    model: str | None = None
    allowed_tools: tuple[str, ...] = CLAUDE_DEFAULT_ALLOWED_TOOLS
    dangerously_skip_permissions: bool = False
    use_api_billing: bool = False


@dataclass(frozen=True, slots=True)
class OpenCodeSettings:
    """``[opencode]``."""

    model: str | None = None


@dataclass(frozen=True, slots=True)
class PiSettings:
    """``[pi]``."""

    extra_args: tuple[str, ...] = ()
    model: str | None = None
    provider: str | None = None


BuiltinEngineSettings: TypeAlias = CodexSettings | ClaudeSettings | OpenCodeSettings | PiSettings

#: The keys each built-in engine reads; anything else in its table is reported by doctor.
BUILTIN_ENGINE_KEYS: Mapping[str, frozenset[str]] = {
    # Upstream's codex build_runner reads these three; the model comes from /model only.
    "codex": frozenset({"extra_args", "profile", "mode"}),
    "claude": frozenset(
        {"model", "allowed_tools", "dangerously_skip_permissions", "use_api_billing"}
    ),
    "opencode": frozenset({"model"}),
    "pi": frozenset({"extra_args", "model", "provider"}),
}


def exec_owned_flag(args: tuple[str, ...] | list[str]) -> str | None:
    """The first argument of ``args`` that ``codex exec`` flags Takopi owns, if any."""
    for arg in args:
        if arg in CODEX_EXEC_OWNED_FLAGS or arg.startswith(CODEX_EXEC_OWNED_PREFIXES):
            return arg
    return None


class _Table:
    """Reads one engine table, collecting problems so all are reported together."""

    def __init__(self, engine_id: str, table: Mapping[str, Any], path: Path | str) -> None:
        self.engine_id = engine_id
        self.table = table
        self.path = path
        self.problems: list[str] = []

    def problem(self, key: str, text: str) -> None:
        self.problems.append(f"{self.path}: `{self.engine_id}.{key}` {text}")

    def text(self, key: str) -> str | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(key, f"must be a string, found {type_name(value)}")
            return None
        if not value.strip():
            self.problem(key, "must not be empty")
            return None
        return value.strip()

    def flag(self, key: str) -> bool:
        value = self.table.get(key, False)
        if not isinstance(value, bool):
            self.problem(key, f"must be true or false, found {type_name(value)}")
            return False
        return value

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        if key not in self.table:
            return default
        value = self.table[key]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(key, f"must be a list of strings, found {type_name(value)}")
            return default
        return tuple(value)


def parse_engine_table(
    engine_id: str, table: Mapping[str, Any], path: Path | str
) -> BuiltinEngineSettings:
    """The typed ``[<engine_id>]`` table of a built-in engine (defaults for absent keys).

    Unknown keys are not errors here (``takopi doctor`` lists them); wrong values are.
    """
    reader = _Table(engine_id, table, path)
    settings: BuiltinEngineSettings
    if engine_id == "codex":
        settings = _codex(reader)
    elif engine_id == "claude":
        settings = ClaudeSettings(
            model=reader.text("model"),
            allowed_tools=reader.strings("allowed_tools", CLAUDE_DEFAULT_ALLOWED_TOOLS),
            dangerously_skip_permissions=reader.flag("dangerously_skip_permissions"),
            use_api_billing=reader.flag("use_api_billing"),
        )
    elif engine_id == "opencode":
        settings = OpenCodeSettings(model=reader.text("model"))
    elif engine_id == "pi":
        settings = PiSettings(
            extra_args=reader.strings("extra_args", ()),
            model=reader.text("model"),
            provider=reader.text("provider"),
        )
    else:
        raise KeyError(f"{engine_id!r} is not a built-in engine")
    if reader.problems:
        raise ConfigError("\n".join(reader.problems))
    return settings


def _codex(reader: _Table) -> CodexSettings:
    extra_args = reader.strings("extra_args", CODEX_DEFAULT_EXTRA_ARGS)
    owned = exec_owned_flag(extra_args)
    if owned is not None:
        reader.problem(
            "extra_args",
            f"must not contain {owned!r}: takopi sets the `codex exec` flags itself "
            "(--json, --skip-git-repo-check, --color, --output-*)",
        )
    mode = reader.table.get("mode", "app_server")
    if mode not in ("app_server", "exec"):
        shown = repr(mode) if isinstance(mode, str) else type_name(mode)
        reader.problem("mode", f'must be "app_server" or "exec", found {shown}')
        mode = "app_server"
    return CodexSettings(
        extra_args=extra_args,
        profile=reader.text("profile"),
        mode=mode,
    )


def unknown_engine_keys(engine_id: str, table: Mapping[str, Any]) -> list[str]:
    """Keys of a built-in engine's table that it does not read, in file order."""
    known = BUILTIN_ENGINE_KEYS.get(engine_id)
    if known is None:
        return []
    return [key for key in table if key not in known]
