"""Test distributions for the setup and doctor tests: real ``*.dist-info`` folders.

- ``chatty``: a transport declaring fields of every kind (a secret token checked against a
  service, a channel, a choice, an optional int, a secret whose key does not say so);
  ``check_setup`` asks for the token until the config has it. The token's validator calls
  the HTTP service at ``$CHATTY_SERVICE`` when set (see :class:`TokenService`), and accepts
  tokens starting with ``ok-`` otherwise.
- ``askme``: a transport that declares nothing; its ``interactive_setup`` asks a question on
  the terminal and writes the answer to ``[transports.askme]``.
- ``fakecli`` engine (CLI ``fakecli-bin``, which tests put on PATH) and ``ghost`` engine
  (CLI ``ghost-bin``, never installed, with an install command).
- ``badfields``: a transport whose ``setup_fields`` is malformed; ``sleepy``: one whose
  validator never returns.

Plugin modules import only ``takopi.api``, like third-party plugins.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from support.distfactory import Dist, write_dists
from support.templates import engine_source, plugin_dist, transport_source

CHATTY_CODE = transport_source(
    "chatty",
    class_name="Chatty",
    description="Chatty bot (test transport with declared fields)",
    imports="""
        import json
        import os
        import shutil
        import urllib.error
        import urllib.request
        from pathlib import Path
    """,
    prelude='''
        def check_token(value, values):
            """Ask the service whether the token is good (the way a real transport would)."""
            service = os.environ.get("CHATTY_SERVICE")
            if not service:
                if value.startswith("ok-"):
                    return None
                return f"is not valid: {value} does not start with ok-"
            try:
                with urllib.request.urlopen(f"{service}/check?token={value}", timeout=5) as reply:
                    body = json.load(reply)
            except urllib.error.HTTPError as exc:
                body = json.load(exc)
            if body.get("ok"):
                return None
            return f"is not accepted by the service: {value} is an {body.get('error')}"


        def check_channel(value):
            if not value.startswith("#"):
                raise ValueError("must start with #")
    ''',
    setup_fields=(
        """
        SetupField(
            "bot_token", "Bot token", help="From the Chatty dashboard.", secret=True,
            validate=check_token,
        )
        """,
        """
        SetupField(
            "channel", "Channel", help="Where the bot answers.", default="#general",
            validate=check_channel,
        )
        """,
        'SetupField("mode", "Reply mode", choices=("thread", "channel"), default="thread")',
        'SetupField("retries", "Retries", kind="int", default=3, required=False)',
        'SetupField("webhook_url", "Webhook URL", secret=True, required=False)',
    ),
    check_setup="""
        issues = []
        path = Path(os.environ.get("TAKOPI_CONFIG", "takopi.toml"))
        try:
            settings, path = load_settings()
            table = settings.transport_config("chatty")
        except ConfigError:
            table = {}
        if not table.get("bot_token"):
            line = "   [dim]set[/] bot_token in [transports.chatty]"
            issues.append(SetupIssue("configure chatty", (line,)))
        cmd = engine_backend.cli_cmd or engine_backend.id
        if shutil.which(cmd) is None:
            issues.append(install_issue(cmd, engine_backend.install_cmd))
        return SetupResult(issues=issues, config_path=path)
    """,
    lock_token='return transport_config.get("bot_token")',
)

ASKME_CODE = transport_source(
    "askme",
    class_name="AskMe",
    description="Asks its own questions (no declared fields)",
    imports="""
        import os
        from pathlib import Path
    """,
    prelude="""
        def config_path():
            return Path(os.environ["TAKOPI_CONFIG"])
    """,
    check_setup="""
        try:
            settings, path = load_settings()
            name = settings.transport_config("askme").get("name")
        except ConfigError:
            name, path = None, config_path()
        issue = SetupIssue("tell askme your name", ("   run takopi setup askme",))
        issues = [] if name else [issue]
        return SetupResult(issues=issues, config_path=path)
    """,
    interactive_setup="""
        print("askme setup: this is the transport's own prompt")
        name = input("askme: your name? ").strip()
        if not name:
            print("askme: no name, giving up")
            return False
        path = config_path()
        try:
            config = read_config(path)
        except ConfigError:
            config = {}
        config.setdefault("transports", {}).setdefault("askme", {})["name"] = name
        write_config(config, path)
        print(f"askme: saved {name}")
        return True
    """,
)

BADFIELDS_CODE = transport_source(
    "badfields",
    class_name="Bad",
    description="Declares a field with a default outside its choices",
    setup_fields=('SetupField("mode", "Mode", choices=("a", "b"), default="c")',),
)

SLEEPY_CODE = transport_source(
    "sleepy",
    class_name="Sleepy",
    description="Its validator never returns",
    imports="""
        import time
        from pathlib import Path
    """,
    prelude="""
        def never(value):
            time.sleep(3600)
    """,
    setup_fields=('SetupField("token", "Token", secret=True, validate=never)',),
)


def _dist(name: str, kind: str, plugin_id: str, source: str, version: str = "1.0.0") -> Dist:
    """``takopi-<kind>-<id>`` with the plugin in ``<id>_<kind>/backend.py``."""
    module = f"{plugin_id}_{kind}.backend"
    return plugin_dist(name, kind, plugin_id, source, module=module, version=version)


CHATTY = _dist("takopi-transport-chatty", "transport", "chatty", CHATTY_CODE, "1.2.0")
ASKME = _dist("takopi-transport-askme", "transport", "askme", ASKME_CODE, "0.1.0")
BADFIELDS = _dist("takopi-transport-badfields", "transport", "badfields", BADFIELDS_CODE)
SLEEPY = _dist("takopi-transport-sleepy", "transport", "sleepy", SLEEPY_CODE)
FAKECLI = _dist(
    "takopi-engine-fakecli",
    "engine",
    "fakecli",
    engine_source("fakecli", cli_cmd="fakecli-bin", install_cmd="pip install fakecli"),
    "2.0.0",
)
GHOST = _dist(
    "takopi-engine-ghost",
    "engine",
    "ghost",
    engine_source(
        "ghost", cli_cmd="ghost-bin", install_cmd="curl -fsSL ghost.example/install | sh"
    ),
    "0.9.0",
)

STANDARD = (CHATTY, ASKME, FAKECLI, GHOST)


def write_setup_site(site: Path, *extra: Dist) -> Path:
    """The standard setup plugins (plus ``extra``) in ``site``."""
    return write_dists(site, *STANDARD, *extra)


def make_bin(folder: Path, *names: str) -> Path:
    """A folder with executables ``names`` (for PATH), returned."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = folder / name
        path.write_text("#!/bin/sh\necho fake\n", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


def child_env(site: Path, bin_dir: Path | None = None, **extra: str) -> dict[str, str]:
    """os.environ with ``site`` on PYTHONPATH and ``bin_dir`` first on PATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


class TokenService:
    """A real HTTP service for the token validator: ``/check?token=T`` says whether T is good.

    Good tokens start with ``ok-``. Every token asked about is recorded in ``seen``.
    """

    def __init__(self) -> None:
        self.seen: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                token = parse_qs(urlparse(self.path).query).get("token", [""])[0]
                service.seen.append(token)
                good = token.startswith("ok-")
                body = json.dumps({"ok": good, "error": None if good else "unknown token"})
                self.send_response(200 if good else 401)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[TokenService]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


_MODULES_AFTER = """
import json, sys
from takopi_core.cli import main
code = main({argv!r})
sys.stdout.flush()
sys.stderr.write("\\n@@MODULES@@" + json.dumps(sorted(sys.modules)) + "@@" + str(code))
"""


def modules_after(argv: list[str], env: dict[str, str]) -> tuple[set[str], int]:
    """The modules a `takopi ARGV` run leaves imported in its own process, and its status."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER.format(argv=argv)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    payload = proc.stderr.rpartition("@@MODULES@@")[2]
    modules, _, code = payload.rpartition("@@")
    assert modules, proc.stderr
    return set(json.loads(modules)), int(code)


PLUGIN_MODULE_PREFIXES = ("chatty_", "askme_", "fakecli_", "ghost_", "textual", "takopi_tui")
