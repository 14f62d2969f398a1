"""Upstream's module layout in the `takopi` face: plugins that import it load and run here.

Each face module gets a real installed distribution (a ``*.dist-info`` via distfactory) whose
plugin module imports it the way the published plugins do (``from takopi.model import ...``)
and, at import time, uses what it imported: a wrong name, a broken re-export or a helper that
misbehaves makes the plugin fail to import, which the host's probe (`takopi plugins --load`,
a real child process) reports. Names the stable API also exports must be the very same
objects, or the host's isinstance checks would refuse the plugin's backends.
An engine written only against face modules then answers a prompt through `takopi run`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.distfactory import ENGINE_GROUP, Dist, write_dists
from support.paths import run_takopi
from support.run_dists import ENGINE_MODULE, path_with, write_fake_cli

#: face module -> (the import line, as published plugins write it; code that uses it).
#: ``same(...)`` asserts each name is the object ``takopi.api`` exports.
FACE_USES: dict[str, tuple[str, str]] = {
    "backends": (
        "from takopi.backends import EngineBackend, EngineConfig, SetupIssue",
        "same(EngineBackend, EngineConfig, SetupIssue)",
    ),
    "backends_helpers": (
        "from takopi.backends_helpers import install_issue",
        'assert install_issue("kimi", "uv tool install kimi").title == "install kimi"',
    ),
    "transports": (
        "from takopi.transports import SetupResult, TransportBackend",
        "same(SetupResult, TransportBackend)\n"
        'assert SetupResult(issues=[], config_path=Path("t.toml")).ok',
    ),
    "chat_help": (
        "from takopi.chat_help import ChatHelpOptions, format_chat_help",
        "text = format_chat_help(ChatHelpOptions(transport='feishu', engine_ids=('kimi',),"
        " project_aliases=('web',), default_engine='kimi', include_file=True,"
        " include_topics=False, files_enabled=True))\n"
        'assert "/kimi" in text and "/web" in text and "/file" in text, text\n'
        'assert "/topic" not in text, text',
    ),
    "commands": (
        "from takopi.commands import (CommandContext, CommandExecutor, CommandResult,"
        " RunMode, RunRequest, RunResult, get_command, list_command_ids)",
        "same(CommandContext, CommandExecutor, CommandResult, RunRequest, RunResult,"
        " get_command, list_command_ids)\n"
        "assert isinstance(list_command_ids(), list)",
    ),
    "config": (
        "from takopi.config import ConfigError, dump_toml, ensure_table, read_config, write_config",
        "same(ConfigError, read_config, write_config)\n"
        "data = {}\n"
        'ensure_table(data, "slack", config_path=Path("t.toml"))["token"] = "x"\n'
        'folder = Path(tempfile.mkdtemp()) / "takopi.toml"\n'
        "write_config(data, folder)\n"
        'assert read_config(folder) == {"slack": {"token": "x"}}\n'
        'assert "[slack]" in dump_toml(data)\n'
        "try:\n"
        '    ensure_table({"slack": 1}, "slack", config_path=folder, label="transports.slack")\n'
        "except ConfigError as exc:\n"
        '    assert "transports.slack" in str(exc) and str(folder) in str(exc)\n'
        "else:\n"
        '    raise AssertionError("a non-table passed ensure_table")',
    ),
    "config_watch": (
        "from takopi.config_watch import ConfigReload, watch_config as watch_config_changes",
        "import inspect\n"
        "assert inspect.iscoroutinefunction(watch_config_changes)\n"
        'assert {"settings", "runtime_spec", "config_path"} <= set(ConfigReload.__slots__)',
    ),
    "context": ("from takopi.context import RunContext", "same(RunContext)"),
    "directives": (
        "from takopi.directives import DirectiveError, parse_directives",
        "same(DirectiveError)\nassert callable(parse_directives)",
    ),
    "engines": (
        "from takopi.engines import get_backends, list_backends",
        "same(list_backends)\n"
        "found = get_backends()\n"
        # Another face plugin: real discovery and loading, from inside a plugin.
        'assert found["face_backends"].id == "face_backends", sorted(found)',
    ),
    "events": (
        "from takopi.events import EventFactory",
        'same(EventFactory)\nassert EventFactory("x").completed_ok(answer="a").ok',
    ),
    "ids": (
        "from takopi.ids import RESERVED_CHAT_COMMANDS, RESERVED_COMMAND_IDS",
        "same(RESERVED_COMMAND_IDS)\n"
        'assert {"model", "reasoning", "file"} <= RESERVED_CHAT_COMMANDS',
    ),
    "logging": (
        "from takopi.logging import bind_run_context, clear_context, get_logger, suppress_logs",
        "same(bind_run_context, clear_context, get_logger, suppress_logs)\n"
        'get_logger(__name__).info("face.logging.ok")',
    ),
    "markdown": (
        "from takopi.markdown import MarkdownFormatter, MarkdownParts, assemble_markdown_parts",
        "from takopi.progress import ProgressTracker\n"
        "formatter = MarkdownFormatter(max_actions=3, command_width=80)\n"
        'state = ProgressTracker(engine="kimi").snapshot()\n'
        'parts = formatter.render_progress_parts(state, elapsed_s=2.0, label="working")\n'
        'assert isinstance(parts, MarkdownParts) and "kimi" in parts.header\n'
        'final = formatter.render_final_parts(state, elapsed_s=3.0, status="done", answer=" hi ")\n'
        'assert final.body == "hi"\n'
        'assert "hi" in assemble_markdown_parts(final)',
    ),
    "model": (
        "from takopi.model import (Action, ActionEvent, ActionKind, CompletedEvent, EngineId,"
        " ResumeToken, TakopiEvent)",
        "same(Action, ActionEvent, CompletedEvent, ResumeToken)\n"
        'kind: ActionKind = "command"\n'
        'assert ResumeToken("kimi", "s1").value == "s1"',
    ),
    "plugins": (
        "from takopi.plugins import COMMAND_GROUP, ENGINE_GROUP, TRANSPORT_GROUP, list_ids",
        'assert ENGINE_GROUP == "takopi.engine_backends"\n'
        'assert "face_plugins" in list_ids(ENGINE_GROUP), list_ids(ENGINE_GROUP)\n'
        'assert "face_plugins" not in list_ids(ENGINE_GROUP, reserved_ids=["FACE_PLUGINS"])\n'
        'assert "face_plugins" not in list_ids(COMMAND_GROUP)',
    ),
    "progress": (
        "from takopi.progress import ProgressState, ProgressTracker",
        "same(ProgressState, ProgressTracker)",
    ),
    "router": ("from takopi.router import RunnerUnavailableError", "same(RunnerUnavailableError)"),
    "runner": (
        "from takopi.runner import JsonlSubprocessRunner, ResumeTokenMixin, Runner",
        "same(JsonlSubprocessRunner, Runner)\n"
        "class _Shape(ResumeTokenMixin, JsonlSubprocessRunner):\n"
        '    engine = "face_runner"',
    ),
    "runner_bridge": (
        "from takopi.runner_bridge import (ExecBridgeConfig, IncomingMessage, RunningTasks,"
        " handle_message)",
        "same(ExecBridgeConfig, IncomingMessage, RunningTasks, handle_message)",
    ),
    "scheduler": (
        "from takopi.scheduler import ThreadJob, ThreadScheduler",
        "same(ThreadJob, ThreadScheduler)",
    ),
    "settings": (
        "from takopi.settings import HOME_CONFIG_PATH, load_settings",
        "same(HOME_CONFIG_PATH, load_settings)",
    ),
    "transport": (
        "from takopi.transport import MessageRef, RenderedMessage, SendOptions",
        "same(MessageRef, RenderedMessage, SendOptions)",
    ),
    "transport_runtime": (
        "from takopi.transport_runtime import TransportRuntime",
        "same(TransportRuntime)",
    ),
    "runners.tool_actions": (
        "from takopi.runners.tool_actions import tool_input_path, tool_kind_and_title",
        'keys = ("path", "file_path")\n'
        'assert tool_input_path({"path": "", "file_path": "a.py"}, path_keys=keys) == "a.py"\n'
        'assert tool_kind_and_title("Bash", {"command": "ls"}, path_keys=()) == ("command", "ls")\n'
        'kind, _ = tool_kind_and_title("Write", {"file_path": "a.py"}, path_keys=("file_path",))\n'
        'assert kind == "file_change"',
    ),
    "runners.run_options": (
        "from takopi.runners.run_options import EngineRunOptions, apply_run_options,"
        " get_run_options",
        "assert get_run_options() is None\n"
        'with apply_run_options(EngineRunOptions(model="k2")):\n'
        '    assert get_run_options().model == "k2"\n'
        "assert get_run_options() is None",
    ),
    "telegram.files": (
        "from takopi.telegram.files import (ZipTooLargeError, deny_reason, format_bytes,"
        " normalize_relative_path, parse_file_command, parse_file_prompt,"
        " resolve_path_within_root, write_bytes_atomic, zip_directory)",
        'assert parse_file_command("put docs/a.txt") == ("put", "docs/a.txt", None)\n'
        'assert parse_file_command("rm a")[2].startswith("usage:")\n'
        'assert parse_file_prompt("--force a b", allow_empty=False) == ("a b", True, None)\n'
        'assert parse_file_prompt("--nope", allow_empty=True)[2] == "unknown flag: --nope"\n'
        'assert normalize_relative_path("./src/x.py") == Path("src/x.py")\n'
        'for bad in ("/etc/passwd", "~/x", "../up", ".git/config", " "):\n'
        "    assert normalize_relative_path(bad) is None, bad\n"
        'assert format_bytes(1536) == "1.5 kb" and format_bytes(3) == "3 b"\n'
        'assert deny_reason(Path("secrets/.env"), ["**/.env"]) == "**/.env"\n'
        "root = Path(tempfile.mkdtemp())\n"
        'assert resolve_path_within_root(root, Path("a/../../out")) is None\n'
        'write_bytes_atomic(root / "d" / "f.txt", b"x" * 4000)\n'
        'write_bytes_atomic(root / "d" / ".env", b"TOKEN=1")\n'
        'zipped = zip_directory(root, Path("d"), ["**/.env"])\n'
        "names = zipfile.ZipFile(io.BytesIO(zipped)).namelist()\n"
        'assert names == ["d/f.txt"], names\n'
        "try:\n"
        '    zip_directory(root, Path("d"), [], max_bytes=10)\n'
        "except ZipTooLargeError:\n"
        "    pass\n"
        "else:\n"
        '    raise AssertionError("no ZipTooLargeError")',
    ),
    "telegram.state_store": (
        "from takopi.telegram.state_store import JsonStateStore",
        "import anyio, msgspec\n"
        "from takopi.api import get_logger\n"
        "class _State(msgspec.Struct):\n"
        "    version: int\n"
        "    threads: dict[str, str] = msgspec.field(default_factory=dict)\n"
        "class _Store(JsonStateStore[_State]):\n"
        "    def __init__(self, path):\n"
        "        super().__init__(path, version=1, state_type=_State,\n"
        "            state_factory=lambda: _State(version=1),\n"
        '            log_prefix="t", logger=get_logger("t"))\n'
        "    async def put(self, key, value):\n"
        "        async with self._lock:\n"
        "            self._reload_locked_if_needed()\n"
        "            self._state.threads[key] = value\n"
        "            self._save_locked()\n"
        "    async def get(self, key):\n"
        "        async with self._lock:\n"
        "            self._reload_locked_if_needed()\n"
        "            return self._state.threads.get(key)\n"
        'state_path = Path(tempfile.mkdtemp()) / "state.json"\n'
        'anyio.run(_Store(state_path).put, "c:1", "resume-1")\n'
        'assert anyio.run(_Store(state_path).get, "c:1") == "resume-1"\n'
        'state_path.write_text(\'{"version": 2, "threads": {"c:1": "old"}}\')\n'
        'assert anyio.run(_Store(state_path).get, "c:1") is None  # another version: fresh',
    ),
    "telegram.client": (
        "from takopi.telegram.client import BotClient",
        "class _Bot:\n"
        "    def __getattr__(self, name):\n"
        "        raise AttributeError(name)\n"
        "bot: BotClient | None = None\n"
        "assert not isinstance(_Bot(), BotClient)\n"
        'assert "send_message" in dir(BotClient)',
    ),
    "utils.git": (
        "from takopi.utils.git import git_stdout, resolve_main_worktree_root",
        "plain = Path(tempfile.mkdtemp())\n"
        "assert resolve_main_worktree_root(plain) is None\n"
        'subprocess.run(["git", "init", "-q", str(plain)], check=True)\n'
        "assert resolve_main_worktree_root(plain) == plain.resolve()\n"
        'assert git_stdout(["rev-parse", "--is-bare-repository"], cwd=plain) == "false"',
    ),
    "utils.paths": (
        "from takopi.utils.paths import reset_run_base_dir, set_run_base_dir",
        "same(reset_run_base_dir, set_run_base_dir)\n"
        "from takopi.api import RunContext  # noqa: F401  (the api stays importable alongside)\n"
        'token = set_run_base_dir(Path("/srv/project"))\n'
        "reset_run_base_dir(token)",
    ),
}

PLUGIN_TEMPLATE = """
from __future__ import annotations

import io
import subprocess
import tempfile
import zipfile
from pathlib import Path

import takopi.api

{import_line}


def same(*values):
    for value in values:
        name = getattr(value, "__name__", None)
        exported = [n for n in takopi.api.__all__ if getattr(takopi.api, n) is value]
        assert exported, f"{{name or value!r}} is not the object takopi.api exports"


{uses}


def build_runner(config, config_path):
    raise NotImplementedError


BACKEND = takopi.api.EngineBackend(id="{plugin_id}", build_runner=build_runner, cli_cmd="sh")
"""


def plugin_id(module: str) -> str:
    return "face_" + module.replace(".", "_")


def face_dist(module: str) -> Dist:
    import_line, uses = FACE_USES[module]
    package = plugin_id(module)
    code = PLUGIN_TEMPLATE.format(import_line=import_line, uses=uses, plugin_id=package)
    return Dist(
        name=f"takopi-{package.replace('_', '-')}",
        entry_points={ENGINE_GROUP: {package: f"{package}.backend:BACKEND"}},
        files={f"{package}/backend.py": code},
    )


@pytest.fixture(scope="module")
def probe_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """One real `takopi plugins --load --json` over every face plugin."""
    site = tmp_path_factory.mktemp("face_site")
    write_dists(site, *(face_dist(module) for module in FACE_USES))
    done = run_takopi("plugins", "--load", "--json", site=site, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return {str(row["id"]): row for row in json.loads(done.stdout)}


def test_the_face_lists_every_module_the_published_plugins_import() -> None:
    import importlib

    for module in FACE_USES:
        face = importlib.import_module(f"takopi.{module}")
        assert face.__all__, module
        for name in face.__all__:
            assert getattr(face, name) is not None, f"takopi.{module}.{name}"


@pytest.mark.parametrize("module", sorted(FACE_USES))
def test_a_plugin_importing_the_face_module_loads_through_the_probe(
    module: str, probe_rows: dict[str, dict[str, object]]
) -> None:
    row = probe_rows[plugin_id(module)]
    assert row["status"] == "ok", row.get("error")


FACE_ENGINE = ENGINE_MODULE.replace(
    """from takopi.api import (
    ConfigError,
    EngineBackend,
    EngineConfig,
    EventFactory,
    JsonlSubprocessRunner,
    ResumeToken,
    Runner,
)""",
    """from takopi.backends import EngineBackend, EngineConfig
from takopi.config import ConfigError
from takopi.events import EventFactory
from takopi.model import ResumeToken
from takopi.runner import JsonlSubprocessRunner, Runner""",
)


def test_an_engine_written_against_face_modules_answers_through_takopi_run(
    site: Path, tmp_path: Path
) -> None:
    assert "from takopi.runner import" in FACE_ENGINE  # the replace above took effect
    write_dists(
        site,
        Dist(
            name="takopi-engine-facey",
            entry_points={ENGINE_GROUP: {"facey": "fake_facey.backend:BACKEND"}},
            files={"fake_facey/backend.py": FACE_ENGINE.format(engine="facey")},
        ),
    )
    bin_dir = tmp_path / "bin"
    write_fake_cli(bin_dir, "facey")
    done = run_takopi(
        "run",
        "--engine",
        "facey",
        site=site,
        env={"PATH": path_with(bin_dir)},
        input="hello\n",
    )
    assert done.returncode == 0, done.stderr
    assert "facey answered: hello" in done.stdout
    assert "`facey resume facey-" in done.stdout


def test_the_wheel_ships_every_face_package() -> None:
    """pyproject's package list includes the face's subpackages (takopi.runners, ...):
    an installed takopi-tui lacking them fails exactly the plugins this face is for."""
    import tomllib

    from setuptools import find_packages
    from support.paths import REPO_ROOT

    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = set(find_packages(str(REPO_ROOT), include=include))
    face = {
        ".".join(init.parent.relative_to(REPO_ROOT).parts)
        for init in (REPO_ROOT / "takopi").rglob("__init__.py")
    }
    assert {"takopi.runners", "takopi.utils", "takopi.telegram"} <= face
    assert face <= shipped, sorted(face - shipped)
