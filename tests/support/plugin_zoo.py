"""A zoo of test distributions: one good plugin of each kind and one broken plugin per failure.

Each broken plugin lives in its own distribution so a test can check that the error names the
right kind, id and distribution.
"""

from __future__ import annotations

from collections.abc import Sequence

from support.distfactory import Dist
from support.templates import command_source, engine_source, plugin_dist, transport_source


def good_engine_code(plugin_id: str) -> str:
    """A valid engine module for ``plugin_id`` (its CLI is ``<id>-cli``)."""
    return engine_source(plugin_id, cli_cmd=f"{plugin_id}-cli")


def engine(
    dist: str,
    plugin_id: str,
    module: str,
    code: str | None = None,
    *,
    requires: Sequence[str] = (),
    requires_python: str | None = None,
) -> Dist:
    """Distribution ``dist`` with engine ``plugin_id`` in package ``module`` (good unless
    ``code`` says otherwise)."""
    body = good_engine_code(plugin_id) if code is None else code
    return plugin_dist(
        dist,
        "engine",
        plugin_id,
        body,
        module=module,
        requires=requires,
        requires_python=requires_python,
    )


GOOD_TRANSPORT = plugin_dist(
    "zoo-transport",
    "transport",
    "zoochat",
    transport_source(
        "zoochat",
        description="Zoo chat [bold]for tests[/]",
        check_setup="""
            return SetupResult(
                issues=[SetupIssue("add a token", ("set transports.zoochat.token",))],
                config_path=Path("takopi.toml"),
            )
        """,
    ),
    module="zoo_transport",
)

GOOD_COMMAND = plugin_dist(
    "zoo-command",
    "command",
    "hello",
    command_source("hello", description="say hello"),
    module="zoo_command",
)

#: plugin id -> (distribution, kind, expected message fragment)
BROKEN: dict[str, tuple[str, str, str]] = {}


def _broken(dist: Dist, kind: str, plugin_id: str, fragment: str) -> Dist:
    assert dist.name is not None
    BROKEN[plugin_id] = (dist.name, kind, fragment)
    return dist


ZOO: list[Dist] = [
    engine("zoo-good", "good", "zoo_good"),
    # A valid plugin that prints to stdout and floods stderr while importing.
    engine(
        "zoo-noisy",
        "noisy",
        "zoo_noisy",
        engine_source(
            "noisy",
            cli_cmd="noisy-cli",
            imports="import sys",
            prelude="""
                print("hello from noisy")
                print('{"event": "result"}')
                sys.stderr.write("e" * 2_000_000)
            """,
        ),
    ),
    GOOD_TRANSPORT,
    GOOD_COMMAND,
    _broken(
        engine("zoo-mismatch", "mismatch", "zoo_mismatch", good_engine_code("other")),
        "engine",
        "mismatch",
        "engine id 'other' does not match entrypoint 'mismatch'",
    ),
    _broken(
        engine("zoo-wrongtype", "wrongtype", "zoo_wrongtype", "BACKEND = object()\n"),
        "engine",
        "wrongtype",
        "zoo_wrongtype:BACKEND is not an EngineBackend",
    ),
    _broken(
        plugin_dist(
            "zoo-noattr",
            "transport",
            "noattr",
            transport_source(
                "noattr",
                class_name="Half",
                description="no build_and_run",
                omit=("build_and_run",),
            ),
            module="zoo_noattr",
        ),
        "transport",
        "noattr",
        "is not a TransportBackend (missing build_and_run)",
    ),
    _broken(
        engine(
            "zoo-missingdep",
            "missingdep",
            "zoo_missingdep",
            "import zoo_not_installed_lib\n",
            requires=["zoo-not-installed-lib>=1.0", "pytest; extra == 'dev'"],
        ),
        "engine",
        "missingdep",
        "distribution zoo-missingdep requires 'zoo-not-installed-lib>=1.0', which is not installed",
    ),
    _broken(
        engine(
            "zoo-syntax",
            "syntax",
            "zoo_syntax",
            "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
            requires_python=">=3.14",
        ),
        "engine",
        "syntax",
        "requires Python >=3.14; this is Python 3.",
    ),
    _broken(
        engine("zoo-raises", "raises", "zoo_raises", "raise RuntimeError('boom at import')\n"),
        "engine",
        "raises",
        "boom at import",
    ),
    _broken(
        engine("zoo-sysexit", "sysexit", "zoo_sysexit", "import sys\nsys.exit(3)\n"),
        "engine",
        "sysexit",
        "exited the interpreter with status 3 while importing",
    ),
    _broken(
        engine("zoo-osexit", "osexit", "zoo_osexit", "import os\nos._exit(4)\n"),
        "engine",
        "osexit",
        "exited the interpreter with status 4 while importing",
    ),
    _broken(
        engine("zoo-hang", "hang", "zoo_hang", "import time\ntime.sleep(600)\n"),
        "engine",
        "hang",
        "timed out after 1 s while importing",
    ),
    _broken(
        engine(
            "zoo-crash",
            "crash",
            "zoo_crash",
            "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n",
        ),
        "engine",
        "crash",
        "crashed the interpreter (signal 11) while importing",
    ),
    _broken(
        plugin_dist(
            "zoo-badcommand",
            "command",
            "badcmd",
            command_source(
                "badcmd", class_name="Sync", description="handle is not async", is_async=False
            ),
            module="zoo_badcommand",
        ),
        "command",
        "badcmd",
        "handle must be async",
    ),
]

#: Discovery-time failures: plugin id -> (distribution, kind, message fragment).
DISCOVERY_BROKEN = {
    "Bad-Id": ("zoo-badid", "engine", "invalid plugin id 'Bad-Id'; must match ^[a-z0-9_]{1,32}$"),
    "plugins": ("zoo-reserved", "engine", "reserved plugin id 'plugins' is not allowed"),
    "twin": ("zoo-twin-a", "command", "duplicate plugin id 'twin' from zoo-twin-a, zoo-twin-b"),
}

ZOO += [
    engine("zoo-badid", "Bad-Id", "zoo_badid"),
    engine("zoo-reserved", "plugins", "zoo_reserved"),
    plugin_dist("zoo-twin-a", "command", "twin", "BACKEND = None\n", module="zoo_twin_a"),
    plugin_dist("zoo-twin-b", "command", "twin", "BACKEND = None\n", module="zoo_twin_b"),
]
