"""Per-run engine options: the context-variable scoping (nested, reset after the run, apart
between concurrent runs), the built-in engines reading them, and the ``/model`` and
``/reasoning`` commands' per-engine overrides."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from support.engine_clis import write_fake_cli

from takopi_core.builtins.engines.claude import ClaudeRunner
from takopi_core.builtins.engines.codex import CodexRunner
from takopi_core.config.engines import ClaudeSettings, CodexSettings
from takopi_core.config.settings import Settings
from takopi_core.ids import (
    CHAT_COMMANDS,
    COMMAND,
    ENGINE,
    RESERVED_CHAT_COMMANDS,
    RESERVED_COMMAND_IDS,
    is_reserved,
)
from takopi_core.run.assembly import build_runtime_spec
from takopi_core.run.options import (
    EngineRunOptions,
    apply_run_options,
    get_run_options,
    reset_run_options,
    set_run_options,
)
from takopi_core.run.overrides import (
    MODEL_USAGE,
    REASONING_USAGE,
    EngineOverrides,
    model_command,
    reasoning_command,
)
from takopi_core.run.runtime import TransportRuntime

GPT = EngineRunOptions(model="gpt-x")
HIGH = EngineRunOptions(reasoning="high")

# --- scoping -------------------------------------------------------------------------------


def test_no_options_outside_a_run() -> None:
    assert get_run_options() is None


def test_nested_runs_see_their_own_options_and_the_outer_ones_come_back() -> None:
    with apply_run_options(GPT):
        assert get_run_options() == GPT
        with apply_run_options(HIGH):
            assert get_run_options() == HIGH
            with apply_run_options(None):  # a run without options inside one with
                assert get_run_options() is None
            assert get_run_options() == HIGH
        assert get_run_options() == GPT
    assert get_run_options() is None


def test_options_are_reset_when_the_run_fails() -> None:
    with pytest.raises(RuntimeError), apply_run_options(GPT):
        raise RuntimeError("engine crashed")
    assert get_run_options() is None


def test_set_and_reset_tokens() -> None:
    outer = set_run_options(GPT)
    inner = set_run_options(HIGH)
    assert get_run_options() == HIGH
    reset_run_options(inner)
    assert get_run_options() == GPT
    reset_run_options(outer)
    assert get_run_options() is None


async def test_concurrent_runs_are_isolated() -> None:
    """Two runs interleave step by step (each waits for the other between reads): each sees
    only its own options, and the host's context has none after both."""
    seen: dict[str, list[EngineRunOptions | None]] = {"a": [], "b": []}
    turns = {"a": anyio.Event(), "b": anyio.Event()}

    async def run(name: str, other: str, options: EngineRunOptions) -> None:
        with apply_run_options(options):
            seen[name].append(get_run_options())
            turns[other].set()  # let the other run set its options now
            await turns[name].wait()
            await anyio.sleep(0)
            seen[name].append(get_run_options())

    async with anyio.create_task_group() as group:
        group.start_soon(run, "a", "b", GPT)
        group.start_soon(run, "b", "a", HIGH)
    assert seen == {"a": [GPT, GPT], "b": [HIGH, HIGH]}
    assert get_run_options() is None


# --- the built-in engines read them --------------------------------------------------------


def test_codex_arguments_follow_the_run_options() -> None:
    runner = CodexRunner(CodexSettings())
    plain = runner.build_args("p", None, state=None)
    assert "--model" not in plain  # as upstream: no model without a /model override
    assert not any(arg.startswith("model_reasoning_effort=") for arg in plain)
    with apply_run_options(EngineRunOptions(model="gpt-x", reasoning="high")):
        args = runner.build_args("p", None, state=None)
    assert args[: args.index("exec")] == [
        "-c",
        "notify=[]",
        "--model",
        "gpt-x",
        "-c",
        "model_reasoning_effort=high",
    ]


def test_claude_arguments_follow_the_run_options() -> None:
    runner = ClaudeRunner(ClaudeSettings(model="sonnet"))
    with apply_run_options(EngineRunOptions(model="opus", reasoning="max")):
        args = runner.build_args("p", None, state=None)
    assert args[args.index("--model") + 1] == "opus"
    assert args[args.index("--effort") + 1] == "max"
    assert args[-2:] == ["--", "p"]


# --- /model and /reasoning -----------------------------------------------------------------


@pytest.fixture
def runtime(
    tmp_path: Path, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TransportRuntime]:
    """The built-in engines, codex (the default) and claude installed as fake CLIs."""
    bin_dir = tmp_path / "bin"
    write_fake_cli(bin_dir, "codex")
    write_fake_cli(bin_dir, "claude")
    monkeypatch.setenv("PATH", str(bin_dir))
    settings = Settings.from_data({}, config_path)
    spec = build_runtime_spec(settings=settings, config_path=config_path)
    yield spec.to_runtime(config_path=config_path)


def model(runtime: TransportRuntime, overrides: EngineOverrides, args: str) -> str:
    return model_command(args, runtime=runtime, overrides=overrides, context=None)


def reasoning(runtime: TransportRuntime, overrides: EngineOverrides, args: str) -> str:
    return reasoning_command(args, runtime=runtime, overrides=overrides, context=None)


def test_model_set_show_and_clear_per_engine(runtime: TransportRuntime) -> None:
    overrides = EngineOverrides()
    shown = model(runtime, overrides, "")
    assert shown.split("\n\n") == [
        "engine: codex (global default)",
        "model: default (no override)",
        "defaults: topic: none, chat: none",
        "available engines: claude, codex, opencode, pi",
    ]
    assert model(runtime, overrides, "set gpt-x") == (
        "chat model override set to `gpt-x` for `codex`."
    )
    assert model(runtime, overrides, "set claude opus") == (
        "chat model override set to `opus` for `claude`."
    )
    assert overrides.get("codex") == GPT
    assert overrides.get("claude") == EngineRunOptions(model="opus")
    assert "model: gpt-x (chat default)" in model(runtime, overrides, "show")
    assert model(runtime, overrides, "clear") == "chat model override cleared."
    assert overrides.get("codex") is None
    assert overrides.get("claude") == EngineRunOptions(model="opus")  # other engines keep theirs
    assert model(runtime, overrides, "clear claude") == "chat model override cleared."
    assert overrides.get("claude") is None


def test_model_usage_and_unknown_engine(runtime: TransportRuntime) -> None:
    overrides = EngineOverrides()
    for args in ("gpt-x", "set", "set codex", "clear codex extra", "bogus"):
        assert model(runtime, overrides, args) == MODEL_USAGE, args
    assert model(runtime, overrides, "clear nosuch") == (
        "unknown engine `nosuch`.\navailable engines: `claude, codex, opencode, pi`"
    )
    assert overrides.get("codex") is None


def test_reasoning_levels_and_engines_without_reasoning(runtime: TransportRuntime) -> None:
    overrides = EngineOverrides()
    assert reasoning(runtime, overrides, "set HIGH") == (
        "chat reasoning override set to `high` for `codex`."
    )
    assert reasoning(runtime, overrides, "").split("\n\n")[1:] == [
        "reasoning: high (chat default)",
        "defaults: topic: none, chat: high",
        "available levels: minimal, low, medium, high, xhigh",
    ]
    assert reasoning(runtime, overrides, "set claude max") == (
        "chat reasoning override set to `max` for `claude`."
    )
    assert reasoning(runtime, overrides, "set max") == (
        "unknown reasoning level `max`.\navailable levels: minimal, low, medium, high, xhigh"
    )
    assert reasoning(runtime, overrides, "set opencode high") == (
        "reasoning is not supported for `opencode`."
    )
    assert reasoning(runtime, overrides, "set") == REASONING_USAGE
    # model and reasoning overrides of one engine live side by side
    model(runtime, overrides, "set gpt-x")
    assert overrides.get("codex") == EngineRunOptions(model="gpt-x", reasoning="high")
    assert reasoning(runtime, overrides, "clear") == "chat reasoning override cleared."
    assert overrides.get("codex") == GPT


def test_snapshot_is_not_changed_by_later_commands(runtime: TransportRuntime) -> None:
    overrides = EngineOverrides()
    model(runtime, overrides, "set gpt-x")
    taken = overrides.snapshot()
    model(runtime, overrides, "clear")
    assert taken.get("codex") == GPT and overrides.get("codex") is None


def test_the_commands_ids_are_reserved() -> None:
    """No engine, project alias or command plugin can take /model or /reasoning (chat
    commands the host answers, like /cancel); upstream's other chat commands, which this host
    does not handle, stay free for command plugins as the plugin guide allows."""
    for command_id in ("model", "reasoning"):
        assert is_reserved(ENGINE, command_id)
        assert is_reserved(COMMAND, command_id)
        assert command_id in CHAT_COMMANDS
    assert {"cancel", "init", "plugins"} <= RESERVED_COMMAND_IDS
    assert {"init", "plugins"} == RESERVED_COMMAND_IDS - CHAT_COMMANDS
    assert not is_reserved(COMMAND, "ctx") and not is_reserved(COMMAND, "doctor")
    assert {"ctx", "file", "new"} <= RESERVED_CHAT_COMMANDS  # upstream's, for transports
