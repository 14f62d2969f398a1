"""A realistic set of test distributions for the TUI tests, snapshots and screenshots.

Real ``*.dist-info`` folders and modules (via distfactory): a built-in distribution, good
plugins of each kind, a distribution with two plugins, one that fails to import, one left
out of the enabled list, and an invalid id.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, TRANSPORT_GROUP, Dist, write_dists
from support.templates import command_source, engine_source, plugin_dist, transport_source


def engine_code(plugin_id: str) -> str:
    """An engine module for ``plugin_id`` whose CLI is named like the engine."""
    return engine_source(plugin_id)


def transport_code(
    plugin_id: str, description: str, issues: Sequence[tuple[str, Sequence[str]]] = ()
) -> str:
    """A transport module whose ``check_setup`` reports ``issues`` (title, lines)."""
    if not issues:
        return transport_source(plugin_id, description=description)
    listed = "".join(f"    SetupIssue({title!r}, {tuple(lines)!r}),\n" for title, lines in issues)
    check = (
        f'issues = [\n{listed}]\nreturn SetupResult(issues=issues, config_path=Path("takopi.toml"))'
    )
    return transport_source(plugin_id, description=description, check_setup=check)


def command_code(plugin_id: str, description: str) -> str:
    return command_source(plugin_id, description=description)


BUILTIN = Dist(
    name="takopi-tui",
    version="0.1.0",
    entry_points={
        ENGINE_GROUP: {
            "claude": "demo_builtin.claude:BACKEND",
            "codex": "demo_builtin.codex:BACKEND",
        },
        TRANSPORT_GROUP: {"telegram": "demo_builtin.telegram:BACKEND"},
    },
    files={
        "demo_builtin/claude.py": engine_code("claude"),
        "demo_builtin/codex.py": engine_code("codex"),
        "demo_builtin/telegram.py": transport_code("telegram", "Telegram bot"),
    },
)

ACME = plugin_dist(
    "takopi-engine-acme",
    "engine",
    "acme",
    engine_code("acme"),
    module="acme_engine.backend",
    version="0.3.0",
)

BROKEN = plugin_dist(
    "takopi-engine-gemini",
    "engine",
    "gemini",
    """
            import gemini_sdk_missing  # not installed

            BACKEND = None
        """,
    module="gemini_engine.backend",
    version="1.2.0",
)

SLACK = plugin_dist(
    "takopi-transport-slack",
    "transport",
    "slack",
    transport_code(
        "slack", "Slack app", [("missing bot token", ["set transports.slack.bot_token"])]
    ),
    module="slack_transport.backend",
    version="0.5.1",
)

TOOLS = Dist(
    name="takopi-tools",
    version="2.0.0",
    entry_points={
        COMMAND_GROUP: {
            "digest": "takopi_tools.digest:BACKEND",
            "stats": "takopi_tools.stats:BACKEND",
        }
    },
    files={
        "takopi_tools/digest.py": command_code("digest", "daily digest"),
        "takopi_tools/stats.py": command_code("stats", "usage stats"),
    },
)

DISCORD = plugin_dist(
    "takopi-transport-discord",
    "transport",
    "discord",
    transport_code("discord", "Discord bot"),
    module="discord_transport.backend",
    version="0.2.0",
)

BAD_ID = Dist(
    name="takopi-weird",
    version="0.0.1",
    entry_points={COMMAND_GROUP: {"Bad-Id": "weird_cmd:BACKEND"}},
    files={"weird_cmd.py": command_code("Bad-Id", "weird")},
)

DEMO_DISTS = (BUILTIN, ACME, BROKEN, SLACK, TOOLS, DISCORD, BAD_ID)

#: A config full of comments, as users write them. Discord is left out of the list.
DEMO_CONFIG = """\
# takopi.toml: hand-written, keep my comments
default_engine = "codex"  # the one I use most
transport = "telegram"

[transports.telegram]
bot_token = "123:abc"  # from @BotFather
chat_id = 42

# Plugins I trust
[plugins]
enabled = [
    "takopi",                 # the built-ins
    "takopi-engine-acme",     # acme engine
    "takopi-engine-gemini",
    "takopi-transport-slack", # work chat
    "takopi-tools",
]

[plugins.digest]   # digest command settings
hour = 8
"""


def write_demo(site: Path, *extra: Dist) -> Path:
    """Write the demo distributions (and ``extra``) into ``site``."""
    return write_dists(site, *DEMO_DISTS, *extra)
