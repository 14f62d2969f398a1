"""Command plugins: parsing, collisions, dispatch, and the executor's runs (real engines)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.distfactory import GUIDE_COMMAND, write_dists
from support.memory_transport import MemoryTransport
from support.run_dists import activated, command_dist, fake_engine, write_fake_cli

from takopi_core.config.settings import Settings
from takopi_core.errors import ConfigError
from takopi_core.run.assembly import build_runtime_spec
from takopi_core.run.bridge import ExecBridgeConfig, RunningTasks
from takopi_core.run.command_types import RunRequest
from takopi_core.run.commands import (
    CommandDispatcher,
    build_command_table,
    get_command,
    is_cancel_command,
    list_command_ids,
    parse_slash_command,
    split_command_args,
)
from takopi_core.run.executor import PipelineExecutor
from takopi_core.run.progress import MarkdownPresenter
from takopi_core.run.runtime import TransportRuntime
from takopi_core.run.transport import MessageRef

ECHO = command_dist(
    "echo",
    """
    return CommandResult(
        text=f"echo:{ctx.args_text}|{list(ctx.args)}|{ctx.plugin_config}|{ctx.config_path.name}",
        notify=False,
    )
    """,
)
BOOM = command_dist("boom", "raise RuntimeError('kaboom')")
# Command plugins whose ids something else already owns:
SHADOWED = [
    command_dist("alpha", "return CommandResult(text='never')"),
    command_dist("web", "return CommandResult(text='never')"),
    command_dist("help", "return CommandResult(text='never')"),
    command_dist("cancel", "return CommandResult(text='never')"),
]


@pytest.fixture
def world(
    site: Path, tmp_path: Path, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TransportRuntime]:
    """Engines alpha and beta (both CLIs installed) plus command plugins; a runtime over
    them with a project ``web``."""
    write_dists(
        site, fake_engine("alpha"), fake_engine("beta"), ECHO, BOOM, GUIDE_COMMAND, *SHADOWED
    )
    bin_dir = tmp_path / "bin"
    write_fake_cli(bin_dir, "alpha")
    write_fake_cli(bin_dir, "beta")
    (tmp_path / "web").mkdir()
    monkeypatch.setenv("FAKE_ENGINE_LOG", str(tmp_path / "engine.log"))
    data = {
        "default_engine": "alpha",
        "projects": {"web": {"path": str(tmp_path / "web")}},
        "plugins": {"echo": {"greeting": "hi"}},
    }
    with activated(site, bin_dir, monkeypatch):
        settings = Settings.from_data(data, config_path)
        spec = build_runtime_spec(settings=settings, config_path=config_path)
        yield spec.to_runtime(config_path=config_path)


def test_parse_slash_command() -> None:
    assert parse_slash_command("/Multi@bot  two words\nline two") == (
        "multi",
        " two words\nline two",
    )
    assert parse_slash_command("  /echo") == ("echo", "")
    assert parse_slash_command("/echo\nnext") == ("echo", "next")
    assert parse_slash_command("hello /echo") == (None, "hello /echo")
    assert parse_slash_command("/ nothing") == (None, "/ nothing")
    assert split_command_args('a "b c"  d') == ("a", "b c", "d")
    assert split_command_args('unbalanced "quote') == ("unbalanced", '"quote')
    assert split_command_args("   ") == ()
    assert is_cancel_command("/cancel please") and is_cancel_command("/CANCEL@bot")
    assert not is_cancel_command("/cancellation") and not is_cancel_command("")


def test_collisions_are_skipped_and_reported(world: TransportRuntime) -> None:
    table = build_command_table(world, builtin=("help",))
    assert table.ids == {"echo", "boom", "multi"}
    assert "same id as an engine" in table.skipped["alpha"]
    assert "same id as a project alias" in table.skipped["web"]
    assert "built-in /help" in table.skipped["help"]
    assert "reserved plugin id 'cancel'" in table.skipped["cancel"]
    assert "takopi-command-cancel" in table.skipped["cancel"]
    assert list_command_ids() == ["alpha", "boom", "echo", "help", "multi", "web"]


def test_get_command(world: TransportRuntime) -> None:
    assert get_command("echo").id == "echo"
    assert get_command("absent", required=False) is None
    with pytest.raises(ConfigError, match="Unknown command 'absent'"):
        get_command("absent")
    with pytest.raises(ConfigError, match=r"Command id 'cancel' is reserved\."):
        get_command("cancel", required=False)


def test_match_and_lazy_refresh(world: TransportRuntime, site: Path) -> None:
    dispatcher = CommandDispatcher(world, builtin=("help",))
    assert dispatcher.match("/echo hello world") == ("echo", "hello world")
    assert dispatcher.match("/alpha do it") is None  # an engine directive, not a command
    assert dispatcher.match("/web do it") is None
    assert dispatcher.match("/help") is None
    assert dispatcher.match("plain text") is None
    assert dispatcher.match("/late x") is None
    write_dists(site, command_dist("late", "return CommandResult(text='late!')"))
    assert dispatcher.match("/late x") == ("late", "x")


def executor_for(
    runtime: TransportRuntime, transport: MemoryTransport, running: RunningTasks | None = None
) -> PipelineExecutor:
    cfg = ExecBridgeConfig(transport=transport, presenter=MarkdownPresenter(), final_notify=True)
    return PipelineExecutor(
        exec_cfg=cfg,
        runtime=runtime,
        channel_id="chat",
        message=MessageRef("chat", 1),
        running_tasks=running,
    )


async def test_dispatch_sends_the_result_as_a_reply(world: TransportRuntime) -> None:
    transport = MemoryTransport()
    dispatcher = CommandDispatcher(world)
    message = MessageRef("chat", 1)
    await dispatcher.dispatch(
        "echo",
        'one "two three"',
        text='/echo one "two three"',
        message=message,
        executor=executor_for(world, transport),
    )
    [call] = transport.calls
    assert call.message.text == (
        "echo:one \"two three\"|['one', 'two three']|{'greeting': 'hi'}|takopi.toml"
    )
    assert call.options.reply_to == message
    assert call.options.notify is False


async def test_dispatch_turns_failures_into_error_replies(
    world: TransportRuntime, site: Path
) -> None:
    transport = MemoryTransport()
    dispatcher = CommandDispatcher(world)
    await dispatcher.dispatch(
        "boom",
        "",
        text="/boom",
        message=MessageRef("chat", 1),
        executor=executor_for(world, transport),
    )
    write_dists(
        site,
        command_dist("broken", "return None", dist_name="takopi-command-broken"),
    )
    (site / "fake_cmd_broken" / "backend.py").write_text("import not_installed_sdk\n")
    await dispatcher.dispatch(
        "broken",
        "",
        text="/broken",
        message=MessageRef("chat", 2),
        executor=executor_for(world, transport),
    )
    texts = transport.texts()
    assert texts[0] == "error:\nkaboom"
    assert texts[1].startswith("error:\nFailed to load command 'broken': ")
    assert "not_installed_sdk" in texts[1]


async def test_run_one_emit_shows_the_run_in_the_chat(world: TransportRuntime) -> None:
    transport = MemoryTransport()
    running: RunningTasks = {}
    executor = executor_for(world, transport, running)
    result = await executor.run_one(RunRequest(prompt="hi there", engine="beta"))
    assert result.engine == "beta" and result.message is None
    [final] = transport.texts()  # the progress message was replaced by the final one
    assert "beta answered: hi there" in final
    assert "`beta resume beta-" in final
    assert running == {}


async def test_run_one_uses_the_project_folder_and_default_engine(
    world: TransportRuntime, tmp_path: Path
) -> None:
    from takopi_core.run.context import RunContext

    executor = executor_for(world, MemoryTransport())
    result = await executor.run_one(
        RunRequest(prompt="where", context=RunContext(project="web")), mode="capture"
    )
    assert result.engine == "alpha"
    assert result.message is not None
    assert "`ctx: web`" in result.message.text
    log = (tmp_path / "engine.log").read_text()
    assert f'"cwd": "{tmp_path / "web"}"' in log


async def test_run_many_parallel_capture(
    world: TransportRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    monkeypatch.setenv("FAKE_ENGINE_RENDEZVOUS", str(rendezvous))
    transport = MemoryTransport()
    executor = executor_for(world, transport)
    results = await executor.run_many(
        [RunRequest("together now", engine="beta"), RunRequest("together now", engine="alpha")],
        mode="capture",
        parallel=True,
    )
    assert [r.engine for r in results] == ["beta", "alpha"]  # request order
    for result in results:
        assert result.message is not None
        # both engines were running at the same time, or one would say "(alone)"
        assert f"{result.engine} answered: together now\n" in result.message.text + "\n"
        assert result.message.text.startswith(f"done · {result.engine}")
    assert transport.calls == []  # captured: nothing shown in the chat


async def test_run_many_sequential_emit(world: TransportRuntime) -> None:
    transport = MemoryTransport()
    executor = executor_for(world, transport)
    results = await executor.run_many(
        [RunRequest("first", engine="alpha"), RunRequest("second", engine="beta")]
    )
    assert [(r.engine, r.message) for r in results] == [("alpha", None), ("beta", None)]
    texts = transport.texts()
    assert len(texts) == 2
    assert "alpha answered: first" in texts[0] and "beta answered: second" in texts[1]


async def test_unknown_and_failing_engines_become_replies(world: TransportRuntime) -> None:
    executor = executor_for(world, MemoryTransport())
    unknown = await executor.run_one(RunRequest("x", engine="zeta"), mode="capture")
    assert unknown.engine == "zeta"
    assert unknown.message is not None
    assert unknown.message.text == "error:\nengine 'zeta' is unavailable: engine not configured"
    failed = await executor.run_one(RunRequest("please fail", engine="alpha"), mode="capture")
    assert failed.message is not None
    assert failed.message.text.startswith("error · alpha")
    assert "alpha failed (rc=3)." in failed.message.text
    assert "fake engine exploded" in failed.message.text


async def test_guide_multi_command_runs_every_engine(
    world: TransportRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    monkeypatch.setenv("FAKE_ENGINE_RENDEZVOUS", str(rendezvous))
    transport = MemoryTransport()
    message = MessageRef("chat", 1)
    dispatcher = CommandDispatcher(world)
    assert dispatcher.match("/multi together please") == ("multi", "together please")
    await dispatcher.dispatch(
        "multi",
        "together please",
        text="/multi together please",
        message=message,
        executor=executor_for(world, transport),
    )
    [reply] = transport.texts()
    assert reply.startswith("## alpha\ndone · alpha")
    assert "alpha answered: together please\n" in reply
    assert "\n\n## beta\ndone · beta" in reply
    assert "beta answered: together please\n" in reply
    assert "(alone)" not in reply
