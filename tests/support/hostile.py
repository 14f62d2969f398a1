"""Plugins and configs that try to leak secrets or write escape sequences to the terminal.

Used by ``scripts/attack/leaks.py`` and the tests of secret masking and untrusted text.

- ``leaky`` (transport): declares ``webhook_url`` as a secret field (its key does not look
  secret); ``check_setup`` reports every string in the config back as a setup issue, so each
  secret is echoed in free text.
- ``crashy`` (transport): raises at import with every config string in the message.
- ``leakeng`` (engine): ``build_runner`` raises with every config string in the message.
- ``fakeeng`` (engine): a working fake engine over a fake CLI (``write_fake_cli``).
- ``evil`` (distribution and plugins): escape sequences (OSC 52 clipboard write, ESC[2J,
  OSC 0 window title, C1 CSI) and Rich markup in the distribution's ``Name:``, an entry-point
  name, a description, an import error and setup issues.

Every plugin module imports only the standard library and ``takopi.api``.
"""

from __future__ import annotations

from pathlib import Path

from support.distfactory import ENGINE_GROUP, TRANSPORT_GROUP, Dist, write_dists
from support.run_dists import fake_engine, write_fake_cli
from support.templates import engine_source, transport_source

#: The escape sequences every hostile string carries.
OSC52 = "\x1b]52;c;cHduZWQ=\x07"
CLEAR = "\x1b[2J"
TITLE = "\x1b]0;pwned\x07"
C1_CSI = "\x9b31m"
ESCAPES = OSC52 + CLEAR + TITLE + C1_CSI
MARKUP = "[bold red]loud[/bold red]"

#: Raw bytes that must never reach a terminal (ESC, BEL, C1 CSI).
RAW_CONTROLS = ("\x1b", "\x07", "\x9b")

# Reads every string in the config (the way a careless plugin quotes settings back).
_CONFIG_STRINGS = """
def config_strings():
    import os, tomllib
    path = os.environ.get("TAKOPI_CONFIG", "")
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except Exception:
        return []
    found = []
    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            found.append(value)
    walk(data)
    return found
"""

LEAKY = Dist(
    name="takopi-leaky",
    entry_points={TRANSPORT_GROUP: {"leaky": "leaky_transport.backend:BACKEND"}},
    files={
        "leaky_transport/backend.py": transport_source(
            "leaky",
            description="echoes the config in its setup issues",
            prelude=_CONFIG_STRINGS,
            setup_fields=(
                'SetupField("webhook_url", "Webhook URL", secret=True, required=False)',
                'SetupField("room", "Room", required=False)',
            ),
            check_setup="""
                lines = [f"config has {value}" for value in config_strings()]
                issue = SetupIssue(f"rejected {' '.join(config_strings())}", tuple(lines))
                return SetupResult(issues=[issue], config_path=Path("takopi.toml"))
            """,
        )
    },
)

CRASHY = Dist(
    name="takopi-crashy",
    entry_points={TRANSPORT_GROUP: {"crashy": "crashy_transport.backend:BACKEND"}},
    files={
        "crashy_transport/backend.py": _CONFIG_STRINGS
        + '\nraise RuntimeError("cannot start with " + " ".join(config_strings()))\n'
    },
)

LEAKENG = Dist(
    name="takopi-leakeng",
    entry_points={ENGINE_GROUP: {"leakeng": "leakeng_engine.backend:BACKEND"}},
    files={
        "leakeng_engine/backend.py": engine_source(
            "leakeng",
            cli_cmd="fakeeng",
            prelude=_CONFIG_STRINGS,
            build_runner='raise RuntimeError("rejected " + " ".join(config_strings()))',
        )
    },
)

EVIL_DIST_NAME = f"takopi-evil{ESCAPES}"

EVIL = Dist(
    name=EVIL_DIST_NAME,
    entry_points={
        TRANSPORT_GROUP: {
            "eviltransport": "evil_plugins.transport:BACKEND",
            f"evilid{TITLE}": "evil_plugins.transport:BACKEND",
        },
        ENGINE_GROUP: {"evilcrash": "evil_plugins.crash:BACKEND"},
    },
    files={
        "evil_plugins/transport.py": transport_source(
            "eviltransport",
            description=f"evil description {ESCAPES} {MARKUP}",
            check_setup=f"""
                import logging
                logging.getLogger("evil").warning({f"evil log {ESCAPES}"!r})
                issue = SetupIssue({f"evil issue {ESCAPES} {MARKUP}"!r}, ({f"line {ESCAPES}"!r},))
                return SetupResult(issues=[issue], config_path=Path("takopi.toml"))
            """,
        ),
        "evil_plugins/crash.py": f"raise RuntimeError({f'evil error {ESCAPES} {MARKUP}'!r})\n",
    },
)

#: Every secret the hostile config holds, by where it sits.
SECRETS: dict[str, str] = {
    "plain key": "PLAIN-S3CRET-1111",
    "declared field": "DECL-S3CRET-2222",
    "array": "ARR-S3CRET-3333",
    "array of tables": "AOT-S3CRET-4444",
    "inline table": "INL-S3CRET-5555",
}

#: The key path of each secret (for `config get` / `config unset`).
SECRET_KEYS: dict[str, str] = {
    "plain key": "transports.telegram.bot_token",
    "declared field": "transports.leaky.webhook_url",
    "array": "api_keys",
    "array of tables": "accounts",
    "inline table": "transports.other.auth",
}

CONFIG = f"""\
default_engine = "fakeeng"
api_keys = ["{SECRETS["array"]}"]

[transports.telegram]
bot_token = "{SECRETS["plain key"]}"
chat_id = 123

[transports.leaky]
webhook_url = "{SECRETS["declared field"]}"
room = "general"

[transports.other]
auth = {{ token = "{SECRETS["inline table"]}" }}

[[accounts]]
name = "main"
password = "{SECRETS["array of tables"]}"
"""

SYNTAX_SECRET = "SYN-S3CRET-6666"
#: A config whose syntax error is on the line holding a token.
BROKEN_CONFIG = f"""\
[transports.telegram]
bot_token = "{SYNTAX_SECRET}" oops
"""


def write_hostile_site(site: Path, bin_dir: Path) -> Path:
    """Every hostile plugin, the fake engine and its CLI (``fakeeng`` in ``bin_dir``)."""
    write_dists(site, LEAKY, CRASHY, LEAKENG, EVIL, fake_engine("fakeeng"))
    write_fake_cli(bin_dir, "fakeeng")
    return site


def raw_controls(text: str) -> list[str]:
    """The raw control bytes of :data:`RAW_CONTROLS` found in ``text``."""
    return [repr(char) for char in RAW_CONTROLS if char in text]
