"""The terminal transport's pieces: line editor, screen, transport, chat loop, backend."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from support.distfactory import write_dists
from support.run_dists import activated, command_dist, fake_engine, write_fake_cli

from takopi_core.builtins.terminal import BACKEND
from takopi_core.builtins.terminal_chat import BUILTIN_COMMANDS, TerminalChat
from takopi_core.builtins.terminal_io import (
    EndOfInput,
    LineEditor,
    TerminalScreen,
    TerminalTransport,
    sanitize,
)
from takopi_core.config.settings import Settings
from takopi_core.plugins.loading import load_backend
from takopi_core.run.assembly import build_runtime_spec
from takopi_core.run.runtime import TransportRuntime
from takopi_core.run.transport import MessageRef, RenderedMessage, SendOptions

# --- line editor ---------------------------------------------------------------------------


def test_line_editor_keys() -> None:
    editor = LineEditor()
    assert editor.feed(b"helo\x7flo wor") == []
    assert editor.buffer == "hello wor"
    assert editor.feed(b"\x17") == [] and editor.buffer == "hello "
    assert editor.feed(b"world\x1b[D\x1bx\r\n") == ["hello world"]  # arrows, Alt+x ignored
    assert editor.buffer == ""
    editor.feed(b"junk\x15")
    assert editor.buffer == ""
    editor.feed("caf\u00e9".encode()[:4])  # a UTF-8 character split across reads
    editor.feed("caf\u00e9".encode()[4:])
    assert editor.buffer == "caf\u00e9"
    assert editor.feed(b"\x04") == [] and editor.buffer == "caf\u00e9"  # not on a non-empty line
    editor.feed(b"\x15")
    with pytest.raises(EndOfInput):
        editor.feed(b"\x04")


def test_bracketed_paste_keeps_newlines_in_one_message() -> None:
    editor = LineEditor()
    pasted = b"\x1b[200~`codex resume abc`\r\nwhat next?\x1b[201~"
    assert editor.feed(pasted) == []
    assert editor.buffer == "`codex resume abc`\nwhat next?"
    assert editor.feed(b"\r") == ["`codex resume abc`\nwhat next?"]


def test_sanitize_makes_control_characters_visible() -> None:
    assert sanitize("a\x1b[2Jb\x07\tc\r\nd") == "a\\x1b[2Jb\\x07    c\nd"
    assert sanitize("ok\x9bx") == "ok\\x9bx"


# --- screen and transport ------------------------------------------------------------------


def make_screen(*, interactive: bool = True) -> tuple[TerminalScreen, io.StringIO]:
    stream = io.StringIO()
    return TerminalScreen(stream, interactive=interactive, size=lambda: (40, 20)), stream


def test_screen_redraws_the_live_region_in_place() -> None:
    screen, stream = make_screen()
    screen.set_live(1, "working · x\n\n▸ step")
    stream.seek(0)
    stream.truncate()
    screen.set_input("typing")
    frame = stream.getvalue()
    # 4 live rows (3 lines + a spacer) + the input row: go up 4 rows, clear, redraw.
    assert frame.startswith("\r\x1b[4A\x1b[J")
    assert frame.endswith("working · x\n\n▸ step\n\n> typing")
    stream.seek(0)
    stream.truncate()
    screen.write_block("final answer")
    frame = stream.getvalue()
    assert frame.startswith("\r\x1b[4A\x1b[Jfinal answer\n\nworking")
    screen.close()
    assert stream.getvalue().endswith("\r\x1b[4A\x1b[J")


def test_screen_clips_live_lines_and_escapes_output() -> None:
    screen, stream = make_screen()
    screen.set_live(1, "x" * 100 + "\n\x1b[31mred")
    screen.set_input("y" * 100)
    frame = stream.getvalue().split("\x1b[J")[-1]
    lines = frame.split("\n")
    assert all(len(line) <= 39 for line in lines)
    assert lines[0].endswith("…")
    assert "\\x1b[31mred" in frame
    assert lines[-1].startswith("> …y")


def test_piped_screen_writes_only_committed_output() -> None:
    screen, stream = make_screen(interactive=False)
    screen.set_live(1, "progress")
    screen.set_input("abc")
    assert stream.getvalue() == ""
    screen.write_block("done")
    assert stream.getvalue() == "done\n\n"


async def test_transport_live_messages_replace_and_commit() -> None:
    screen, stream = make_screen(interactive=False)
    transport = TerminalTransport(screen)
    user = transport.user_message("hello\nsecond line")
    assert stream.getvalue() == "> hello\n  second line\n\n"
    progress = await transport.send(
        channel_id="terminal",
        message=RenderedMessage("starting"),
        options=SendOptions(reply_to=user, notify=False),
    )
    assert progress is not None
    assert await transport.edit(ref=progress, message=RenderedMessage("working"), wait=False)
    assert "working" not in stream.getvalue()  # live: not in the scrollback
    final = await transport.send(
        channel_id="terminal",
        message=RenderedMessage("done!"),
        options=SendOptions(reply_to=user, notify=True, replace=progress),
    )
    assert final is not None
    assert not await transport.delete(ref=progress)  # already removed by `replace`
    assert await transport.edit(ref=progress, message=RenderedMessage("late")) is None
    # a cancelled run's progress message stays live until its turn is committed
    other = await transport.send(
        channel_id="terminal",
        message=RenderedMessage("`cancelled`"),
        options=SendOptions(reply_to=user, notify=False),
    )
    transport.commit_turn(user.message_id)
    assert stream.getvalue().endswith("done!\n\n`cancelled`\n\n")
    assert other is not None
    assert await transport.edit(ref=other, message=RenderedMessage("edited later"))
    assert stream.getvalue().endswith("`cancelled`\n\nedited later\n\n")
    assert await transport.edit(ref=MessageRef("terminal", 999), message=final_msg()) is None


def final_msg() -> RenderedMessage:
    return RenderedMessage("x")


# --- the chat loop, in-process with real engines --------------------------------------------


@pytest.fixture
def runtime(
    site: Path, tmp_path: Path, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TransportRuntime]:
    write_dists(
        site,
        fake_engine("alpha"),
        fake_engine("beta"),
        command_dist("help", "return CommandResult(text='PLUGIN HELP RAN')"),
        command_dist("shout", "return CommandResult(text=ctx.args_text.upper())"),
    )
    bin_dir = tmp_path / "bin"
    write_fake_cli(bin_dir, "alpha")  # beta is not installed
    with activated(site, bin_dir, monkeypatch):
        settings = Settings.from_data({"default_engine": "alpha"}, config_path)
        yield build_runtime_spec(settings=settings, config_path=config_path).to_runtime(
            config_path=config_path
        )


async def chat_transcript(runtime: TransportRuntime, lines: str) -> str:
    """Run a piped chat over real pipes and return everything it printed."""
    read_fd, write_fd = os.pipe()
    os.write(write_fd, lines.encode())
    os.close(write_fd)
    out = io.StringIO()
    with os.fdopen(read_fd, "r") as stdin:
        chat = TerminalChat(runtime, final_notify=True, stdin=stdin, stdout=out)
        assert not chat.interactive
        with anyio.fail_after(60):
            await chat.run()
    return out.getvalue()


async def test_chat_builtins_commands_and_errors(runtime: TransportRuntime) -> None:
    transcript = await chat_transcript(
        runtime,
        "/help\n/cancel\n/shout make noise\n/alpha /beta two engines\n/beta hi\nplain\n",
    )
    assert "commands: /shout (skipped: help; see /help)" in transcript
    # the built-in engines are installed too, their CLIs are not (on this machine)
    assert "engines: alpha (not installed: beta, claude, codex, opencode, pi)" in transcript
    assert "/beta <prompt>" in transcript and "beta not found on PATH" in transcript
    assert "/help: command 'help' (takopi-command-help) is shadowed by the built-in /help" in (
        transcript
    )
    assert "nothing is running." in transcript
    assert "MAKE NOISE" in transcript
    assert "error:\nmultiple engine directives" in transcript
    assert (
        "error · beta · 0s\n\nerror:\nbeta not found on PATH (install: pip install beta-cli)"
        in (transcript)
    )
    assert "alpha answered: plain" in transcript
    assert "PLUGIN HELP RAN" not in transcript
    assert set(BUILTIN_COMMANDS) == {"cancel", "help", "model", "quit", "reasoning"}


async def test_quit_stops_reading(runtime: TransportRuntime) -> None:
    transcript = await chat_transcript(runtime, "/quit\nnever read\n")
    assert "> /quit" in transcript
    assert "never read" not in transcript


# --- backend -------------------------------------------------------------------------------


def test_backend_check_setup(
    runtime: TransportRuntime, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alpha = load_backend("engine", "alpha")
    beta = load_backend("engine", "beta")
    assert BACKEND.check_setup(alpha).ok
    missing = BACKEND.check_setup(beta)
    assert [issue.title for issue in missing.issues] == ["install beta"]
    assert missing.issues[0].lines == ("   $ pip install beta-cli",)
    assert missing.config_path == config_path
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text("default_engine = [1\n")
    broken = BACKEND.check_setup(alpha)
    assert broken.issues[0].title == "fix the config"
    assert str(config_path) in "\n".join(broken.issues[0].lines)
    token = BACKEND.lock_token(transport_config={}, config_path=config_path)
    assert token is not None and token.startswith("terminal:")
