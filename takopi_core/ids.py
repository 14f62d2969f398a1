"""Plugin kinds, entry-point groups, the ID rule, reserved ids and the constants several
layers share (the fallback transport, the config variable): the one place for each."""

from __future__ import annotations

import re

ENGINE = "engine"
TRANSPORT = "transport"
COMMAND = "command"

#: Kinds in display order.
KINDS: tuple[str, ...] = (ENGINE, TRANSPORT, COMMAND)

GROUPS: dict[str, str] = {
    ENGINE: "takopi.engine_backends",
    TRANSPORT: "takopi.transport_backends",
    COMMAND: "takopi.command_backends",
}
KIND_BY_GROUP: dict[str, str] = {group: kind for kind, group in GROUPS.items()}

ID_PATTERN = r"^[a-z0-9_]{1,32}$"
_ID_RE = re.compile(ID_PATTERN)

#: Subcommands of our own CLI. Engines become `takopi <engine>` subcommands, so an engine
#: may not take one of these names. cli.py asserts that its parser matches this set.
CLI_COMMANDS: frozenset[str] = frozenset(
    {"config", "doctor", "init", "plugins", "run", "setup", "tui"}
)

#: Chat commands handled by the host itself (``/model`` and ``/reasoning`` set the chat's
#: per-engine run options): engines and project aliases may not take them.
CHAT_COMMANDS: frozenset[str] = frozenset({"cancel", "model", "reasoning"})

#: The chat commands upstream Takopi's transports handle themselves. Transport plugins read
#: this set to keep their own /commands off those names, so it keeps upstream's members.
RESERVED_CHAT_COMMANDS: frozenset[str] = frozenset(
    {"agent", "cancel", "ctx", "file", "model", "new", "reasoning", "topic", "trigger"}
)

RESERVED_ENGINE_IDS: frozenset[str] = CHAT_COMMANDS | CLI_COMMANDS
#: The plugin guide's (the contract) ``cancel``, ``init``, ``plugins``, plus the other chat
#: commands this host answers itself (``/model``, ``/reasoning``, reserved for the reason
#: ``cancel`` is); engine ids and project aliases are added at runtime. Upstream reserves
#: more (``ctx``, ``file``, ``new``...): commands we do not handle stay free for plugins, as
#: the guide allows.
RESERVED_COMMAND_IDS: frozenset[str] = frozenset({"init", "plugins"}) | CHAT_COMMANDS

RESERVED_BY_KIND: dict[str, frozenset[str]] = {
    ENGINE: RESERVED_ENGINE_IDS,
    TRANSPORT: frozenset(),
    COMMAND: RESERVED_COMMAND_IDS,
}

#: The name of this distribution, and the upstream name that counts as it in an enabled list.
OWN_DISTRIBUTION = "takopi-tui"
UPSTREAM_ALIAS = "takopi"

#: The transport `takopi run`, doctor and setup use when the config names none: the built-in
#: terminal chat, which needs no settings.
FALLBACK_TRANSPORT = "terminal"

#: The engine used when ``default_engine`` is not set and it is installed (upstream's).
FALLBACK_ENGINE = "codex"

#: The environment variable naming the config file; child processes inherit it so plugins
#: that read the config themselves read the same file.
CONFIG_ENV = "TAKOPI_CONFIG"


def is_valid_id(plugin_id: str) -> bool:
    """True when ``plugin_id`` matches the ID rule ``^[a-z0-9_]{1,32}$``."""
    return _ID_RE.fullmatch(plugin_id) is not None


def is_reserved(kind: str, plugin_id: str) -> bool:
    """True when ``plugin_id`` is reserved for plugins of ``kind``."""
    return plugin_id.strip().lower() in RESERVED_BY_KIND.get(kind, frozenset())


_SEPARATORS = re.compile(r"[-_.]+")


def normalize_dist_name(name: str) -> str:
    """Canonical distribution name: lowercase, runs of ``-``, ``_`` and ``.`` become ``-``."""
    return _SEPARATORS.sub("-", name.strip()).lower()


def invalid_id_message(plugin_id: str) -> str:
    return f"invalid plugin id {plugin_id!r}; must match {ID_PATTERN}"


def reserved_id_message(plugin_id: str) -> str:
    return f"reserved plugin id {plugin_id!r} is not allowed"
