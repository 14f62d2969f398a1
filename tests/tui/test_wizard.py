"""The setup wizard driven with Pilot: every step, inline and transport-side validation,
Back and Cancel, the hand-over seam, and the golden TOML file it writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.distfactory import write_dists
from support.paths import GOLDEN as GOLDEN_ROOT
from support.templates import plugin_dist, transport_source
from textual.widgets import Button, Checkbox, Label, OptionList, Select, Static

from takopi_tui.handover import own_setup_command
from takopi_tui.screens.dialogs import ConfirmDialog
from takopi_tui.screens.setup_wizard import SetupWizard

from .tui_support import go_to, settle, wait_for
from .wizard_support import (
    WIZARD_SIZE,
    RecordingHandOver,
    back,
    field_error,
    field_input,
    next_step,
    open_wizard,
    set_input,
    setup_home,
    text,
    until_idle,
    wizard_app,
)

GOLDEN = GOLDEN_ROOT / "setup"

START = """\
# takopi config for the wizard tests
default_engine = "ghost"   # not installed

[transports.chatty]
channel = "#old"   # set by hand
"""


@pytest.fixture
def site(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_home(isolated_home, monkeypatch)


@pytest.fixture
def start_config(config_path: Path) -> Path:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(START, encoding="utf-8")
    return config_path


async def test_every_step_then_the_golden_file(site: Path, start_config: Path) -> None:
    app = wizard_app(site)
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        screen = await open_wizard(pilot, "chatty")
        # 1: every visible transport, with its status; the selected row is preselected.
        assert text(screen, "#wizard-step") == "Step 1 of 6  ·  Choose a transport"
        options = screen.query_one("#transport-list", OptionList)
        prompts = [options.get_option_at_index(i).prompt.plain for i in range(2)]
        assert prompts[0].split() == [
            "askme",
            "needs",
            "setup",
            "Asks",
            "its",
            "own",
            "questions",
            "(no",
            "declared",
            "fields)",
        ]
        assert prompts[1].startswith("chatty  needs setup")
        assert options.highlighted_option.id == "chatty"
        assert not screen.query_one("#back").disabled  # Back on step 1 leaves the wizard

        # 2: its issues, plain text.
        await next_step(pilot, screen)
        assert text(screen, "#issues").splitlines() == [
            "chatty (takopi-transport-chatty): needs setup",
            "",
            "- configure chatty",
            "    set bot_token in [transports.chatty]",
            "- install ghost-bin",
            "    $ curl -fsSL ghost.example/install | sh",
        ]

        # 3: the declared fields, starting from the config and the defaults.
        await next_step(pilot, screen)
        assert field_input(screen, "channel").value == "#old"
        assert field_input(screen, "bot_token").password
        assert screen.focused is field_input(screen, "bot_token")
        await pilot.press(*"bad-token")
        set_input(screen, "retries", "ten")
        await pilot.pause()
        assert field_error(screen, "retries") == "Retries must be a whole number"  # inline
        await next_step(pilot, screen)
        assert screen.step == 3  # local problems first, without asking the transport
        assert text(screen, "#wizard-status") == "Fix the marked fields first."
        set_input(screen, "retries", "5")
        set_input(screen, "channel", "dev")
        await pilot.pause()
        assert field_error(screen, "retries") == ""
        await next_step(pilot, screen)  # now the transport's validators, in a child
        assert screen.step == 3
        assert field_error(screen, "bot_token") == (
            "Bot token is not valid: ******** does not start with ok-"
        )
        assert field_error(screen, "channel") == "Channel must start with #"
        assert text(screen, "#wizard-status") == "The transport rejected some values."
        set_input(screen, "retries", "4")  # another field: the rejections stay marked
        await pilot.pause()
        assert field_error(screen, "channel") == "Channel must start with #"
        set_input(screen, "bot_token", "ok-wizard-1")  # that field: its mark goes
        await pilot.pause()
        assert field_error(screen, "bot_token") == ""
        assert field_error(screen, "channel") == "Channel must start with #"
        set_input(screen, "retries", "5")
        set_input(screen, "channel", "#dev")
        select = field_input(screen, "mode")
        assert isinstance(select, Select)
        select.value = "channel"
        await next_step(pilot, screen)

        # 4: engines (ghost's install command shown), and the default transport.
        assert screen.step == 4
        engines = screen.query_one("#engine-list", OptionList)
        ghost = engines.get_option_at_index(1).prompt.plain
        assert "ghost-bin not found" in ghost
        assert "install: $ curl -fsSL ghost.example/install | sh" in ghost
        assert engines.highlighted_option.id == "ghost"
        engines.highlighted = 0  # fakecli
        await pilot.pause()
        box = screen.query_one("#make-default", Checkbox)
        assert box.value and box.display  # no transport configured yet: offered, on
        assert text(screen, "#default-note") == (
            "No default transport is set yet (takopi run uses terminal)."
        )
        await next_step(pilot, screen)

        # 5: the diff, secrets masked, nothing written yet.
        assert screen.step == 5
        diff = text(screen, "#wizard-diff")
        assert '+bot_token = "******** (new value)"' in diff
        assert "ok-wizard-1" not in diff
        assert '+default_engine = "fakecli"   # not installed' in diff
        assert start_config.read_text() == START
        assert str(screen.query_one("#next", Button).label) == "Write"

        # 6: written, then checked again.
        await next_step(pilot, screen)
        assert screen.step == 6
        result = text(screen, "#result")
        assert result.startswith("Saved ~/.takopi/takopi.toml.")
        assert "✓ chatty is ready. Start it with `takopi run`." in result
        assert screen.query_one("#back").disabled
        await pilot.click("#next")  # Done
        await pilot.pause()
        assert not isinstance(app.screen, SetupWizard)
        await settle(pilot)
    written = start_config.read_text()
    expected = GOLDEN / "expected" / "wizard.toml"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(written, encoding="utf-8")
    assert written == expected.read_text(encoding="utf-8")
    assert (start_config.stat().st_mode & 0o777) == 0o600


async def test_back_keeps_what_was_entered(site: Path, start_config: Path) -> None:
    app = wizard_app(site)
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        screen = await open_wizard(pilot, "chatty")
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        set_input(screen, "bot_token", "ok-kept")
        set_input(screen, "channel", "#kept")
        await next_step(pilot, screen)
        assert screen.step == 4
        await pilot.click("#back")  # the button itself, once
        await pilot.pause()
        assert screen.step == 3
        assert field_input(screen, "bot_token").value == "ok-kept"
        assert field_input(screen, "channel").value == "#kept"
        await back(pilot, screen)
        await back(pilot, screen)
        assert screen.step == 1
        # Another transport: its own step 3 (it declares nothing: the hand-over).
        screen.query_one("#transport-list", OptionList).highlighted = 0
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        assert screen.query_one("#handover").display
        assert not screen.query_one("#fields").display
        assert "askme does not declare its settings" in text(screen, "#settings-note")
    assert start_config.read_text() == START


async def test_escape_asks_before_discarding(site: Path, start_config: Path) -> None:
    app = wizard_app(site)
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        screen = await open_wizard(pilot, "chatty")
        await pilot.press("escape")  # nothing entered: closes at once
        await pilot.pause()
        assert not isinstance(app.screen, SetupWizard)

        screen = await open_wizard(pilot, "chatty")
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        await pilot.press(*"ok-typed")
        await pilot.press("escape")
        await pilot.pause()
        dialog = app.screen  # a local: app.screen must not stay narrowed to the dialog
        assert isinstance(dialog, ConfirmDialog)
        await pilot.press("n")  # keep editing
        await pilot.pause()
        assert app.screen is screen and field_input(screen, "bot_token").value == "ok-typed"
        await pilot.click("#cancel")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, SetupWizard)
    assert start_config.read_text() == START


async def test_hand_over_runs_the_transports_own_setup(
    site: Path, start_config: Path, config_path: Path
) -> None:
    hand_over = RecordingHandOver(config_path, name="Ann")
    app = wizard_app(site, hand_over=hand_over)
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        screen = await open_wizard(pilot, "askme")
        await next_step(pilot, screen)
        assert "- tell askme your name" in text(screen, "#issues")
        await next_step(pilot, screen)
        assert screen.focused is screen.query_one("#run-own-setup")
        await pilot.press("enter")
        await until_idle(pilot, screen)
        assert hand_over.requests[0].command == own_setup_command("askme", config_path)
        assert hand_over.requests[0].env["TAKOPI_CONFIG"] == str(config_path)
        assert text(screen, "#handover-result") == "Its setup finished. askme is now: ready."
        assert screen.choice is not None and screen.choice.setup_ok
        await next_step(pilot, screen)  # defaults
        screen.query_one("#make-default", Checkbox).value = False
        await next_step(pilot, screen)
        assert '+default_engine = "fakecli"' not in text(screen, "#wizard-diff")
        await next_step(pilot, screen)
        assert "✓ askme is ready." in text(screen, "#result")
    assert 'name = "Ann"' in config_path.read_text()
    assert "transport =" not in config_path.read_text()


async def test_hand_over_failure_and_an_unsuspendable_terminal(
    site: Path, start_config: Path, config_path: Path
) -> None:
    app = wizard_app(site, hand_over=RecordingHandOver(config_path, status=1))
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        screen = await open_wizard(pilot, "askme")
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        await pilot.press("enter")
        await until_idle(pilot, screen)
        assert text(screen, "#handover-result").splitlines() == [
            "Its setup ended with status 1. askme is now: needs setup.",
            "- tell askme your name",
            "    run takopi setup askme",
        ]
    # The real hand-over suspends the app, which run_test's headless driver cannot do.
    app = wizard_app(site)
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        screen = await open_wizard(pilot, "askme")
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        await pilot.press("enter")
        await pilot.pause()
        assert text(screen, "#handover-result").startswith("This terminal cannot be handed over")
        assert "Run `takopi setup askme` in a shell instead." in text(screen, "#handover-result")


async def test_s_applies_to_transport_rows_and_the_palette_opens_it(
    site: Path, start_config: Path
) -> None:
    app = wizard_app(site)
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        await settle(pilot)
        await go_to(pilot, "fakecli")
        assert app.check_action("setup", ()) is False
        await pilot.press("s")
        await pilot.pause()
        assert not isinstance(app.screen, SetupWizard)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Set up a transport" in commands
        screen = await open_wizard(pilot, None)  # what the palette entry calls
        options = screen.query_one("#transport-list", OptionList)
        assert options.highlighted_option.id == "askme"  # the first
        assert app.check_action("setup", ()) is False  # no second wizard on top


async def test_a_file_changed_on_disk_is_not_overwritten(site: Path, start_config: Path) -> None:
    app = wizard_app(site)
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        screen = await open_wizard(pilot, "chatty")
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        set_input(screen, "bot_token", "ok-1")
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        assert screen.step == 5
        start_config.write_text(START + "# edited elsewhere\n")
        await next_step(pilot, screen)
        assert screen.step == 5
        assert text(screen, "#wizard-status").startswith("Not written: ")
        assert "changed on disk" in text(screen, "#wizard-status")
        await back(pilot, screen)
        await next_step(pilot, screen)  # the diff again, against the file as it is now
        await next_step(pilot, screen)
        assert screen.step == 6
    assert start_config.read_text().endswith("# edited elsewhere\n")
    assert 'bot_token = "ok-1"' in start_config.read_text()


async def test_a_broken_config_is_reported_not_overwritten(site: Path, config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("transport = \n")
    app = wizard_app(site)
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        await settle(pilot)
        app.action_setup()
        await wait_for(pilot, lambda: isinstance(app.screen, SetupWizard))
        screen = app.screen
        assert isinstance(screen, SetupWizard)
        await until_idle(pilot, screen)
        note = text(screen, "#survey-note")
        assert note.startswith("Cannot list transports:")
        assert f"{config_path}:1:" in note
        assert screen.query_one("#next").disabled
    assert config_path.read_text() == "transport = \n"


MARKUP = plugin_dist(
    "takopi-transport-markup",
    "transport",
    "markup",
    transport_source(
        "markup",
        class_name="Markup",
        description="Evil [/] [bold]description[/bold] [link=x]",
        setup_fields=(
            """
            SetupField("token", "Token [red]x[/red]", help="[/bold] help [b]", secret=True,
                       validate=lambda v: "[/] rejected [bold]")
            """,
            'SetupField("mode", "Mode [/]", choices=("[a]", "b[/]"), default="[a]")',
        ),
        check_setup="""
            lines = ("line [red]one[/red] [/]", "set [transports.markup] token [x=1")
            issue = SetupIssue("title [/] [bold]", lines)
            return SetupResult(issues=[issue], config_path=Path("takopi.toml"))
        """,
    ),
    module="markup_transport.backend",
)


async def test_plugin_text_is_never_markup(site: Path, start_config: Path) -> None:
    write_dists(site, MARKUP)
    app = wizard_app(site)
    async with app.run_test(size=WIZARD_SIZE) as pilot:
        screen = await open_wizard(pilot, "markup")
        options = screen.query_one("#transport-list", OptionList)
        prompt = options.highlighted_option.prompt.plain
        assert "Evil [/] [bold]description[/bold] [link=x]" in prompt
        await next_step(pilot, screen)
        # Upstream's issue lines carry Rich style tags ([dim]$[/]): those are dropped; any
        # other bracket is text. Nothing is parsed as markup, so nothing can break it.
        assert text(screen, "#issues").splitlines()[2:] == [
            "- title",
            "    line one",
            "    set [transports.markup] token [x=1",
        ]
        await next_step(pilot, screen)
        labels = [label.content.plain for label in screen.query(".field-label").results(Label)]
        assert labels == ["Token [red]x[/red]  (secret)", "Mode [/]"]
        helps = screen.query(".field-help").results(Static)
        assert [h.content.plain for h in helps] == ["[/bold] help [b]"]
        set_input(screen, "token", "sekrit-value")
        await next_step(pilot, screen)
        assert field_error(screen, "token") == "Token [red]x[/red] [/] rejected [bold]"
