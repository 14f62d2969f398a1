"""The plugin API: every upstream name, importable as takopi.api, resolved lazily."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from support.paths import REPO_ROOT

import takopi.api
import takopi_core.api as core_api

#: upstream-facts §2: the 60 names of takopi.api in upstream Takopi 0.23.
UPSTREAM_NAMES = set(
    """
    Action ActionEvent BaseRunner CompletedEvent ConfigError CommandBackend CommandContext
    CommandExecutor CommandResult EngineBackend EngineConfig EngineId ExecBridgeConfig
    EventFactory IncomingMessage JsonlSubprocessRunner MessageRef DirectiveError Presenter
    ProgressState ProgressTracker ActionState RenderedMessage ResumeToken RunMode RunRequest
    RunResult ResolvedMessage ResolvedRunner RunContext Runner RunnerUnavailableError
    RunningTask RunningTasks SendOptions SetupIssue SetupResult StartedEvent
    TAKOPI_PLUGIN_API_VERSION Transport TransportBackend TransportRuntime handle_message
    HOME_CONFIG_PATH RESERVED_COMMAND_IDS read_config write_config get_logger
    bind_run_context clear_context suppress_logs set_run_base_dir reset_run_base_dir ThreadJob
    ThreadScheduler get_command list_command_ids list_backends load_settings install_issue
    """.split()  # noqa: SIM905 - reads as the list in the docs
)


def test_every_upstream_name_is_exported() -> None:
    assert len(UPSTREAM_NAMES) == 60
    assert set(takopi.api.__all__) == UPSTREAM_NAMES | {"SetupField"}
    assert takopi.api.TAKOPI_PLUGIN_API_VERSION == 1
    for name in takopi.api.__all__:
        assert getattr(takopi.api, name) is getattr(core_api, name)


def test_star_import_gives_every_name() -> None:
    namespace: dict[str, object] = {}
    exec("from takopi.api import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(takopi.api.__all__)


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        takopi.api.NoSuchName  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchName" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_type_checking_imports_match_the_export_table() -> None:
    tree = ast.parse((REPO_ROOT / "takopi_core" / "api.py").read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    imported = {
        (str(node.module).removeprefix("takopi_core."), alias.name)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    table = {(module, name) for module, names in core_api._EXPORTS.items() for name in names}
    assert imported == table


def test_a_simple_plugin_does_not_pay_for_the_run_pipeline() -> None:
    code = (
        "import sys, json\n"
        "from takopi.api import EngineBackend, SetupResult\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    modules = set(json.loads(out))
    assert "takopi_core.plugins.backends" in modules
    assert not {"anyio", "asyncio", "takopi_core.run.bridge", "takopi_core.run.runtime"} & modules
