"""The setup wizard as a new user meets it (issue 14, defects 9, 10, 12 and 14).

At 80x24 the settings step scrolls to the field that has focus; Back on step 1 leaves; the
status line follows the fields; the settings note says what is checked when; a transport
that is not the default is started with ``--transport``; ``s`` on a disabled transport
offers to enable it along with the setup. The wizard's children are real (check_setup and
validators run in child processes, on real ``*.dist-info`` folders).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, OptionList, Static

from takopi_tui.screens.dialogs import ConfirmDialog
from takopi_tui.screens.setup_wizard import SetupWizard

from .test_wizard import START
from .tui_support import go_to, row, settle, wait_for
from .wizard_support import (
    field_input,
    next_step,
    open_wizard,
    set_input,
    setup_home,
    text,
    wizard,
    wizard_app,
)

SMALL = (80, 24)


@pytest.fixture
def site(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return setup_home(isolated_home, monkeypatch)


@pytest.fixture
def start_config(config_path: Path) -> Path:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(START, encoding="utf-8")
    return config_path


async def to_settings(pilot, transport: str = "chatty") -> SetupWizard:
    screen = await open_wizard(pilot, transport)
    await next_step(pilot, screen)
    await next_step(pilot, screen)
    assert screen.step == 3
    return screen


def inside(screen: SetupWizard, selector_or_widget, container: str) -> bool:
    widget = (
        screen.query_one(selector_or_widget)
        if isinstance(selector_or_widget, str)
        else selector_or_widget
    )
    region = widget.region
    return region.height > 0 and screen.query_one(container).region.contains_region(region)


async def test_small_terminal_settings_scroll_to_the_focused_field(
    site: Path, start_config: Path
) -> None:
    app = wizard_app(site)
    async with app.run_test(size=SMALL) as pilot:
        screen = await to_settings(pilot)
        last = field_input(screen, "webhook_url")
        # Tab through every field to the last one: each in view when it has focus.
        for _ in range(10):
            if screen.focused is last:
                break
            await pilot.press("tab")
            await pilot.pause()
            focused = screen.focused
            if focused is not None and focused.id and focused.id.startswith("field-"):
                assert inside(screen, focused, "#step-3"), focused.id
        assert screen.focused is last
        assert inside(screen, last, "#step-3")
        # Next with a bad value: focus goes back up to it, and it is scrolled into view.
        set_input(screen, "bot_token", "ok-small-1")
        set_input(screen, "retries", "ten")
        await next_step(pilot, screen)
        retries = field_input(screen, "retries")
        assert screen.focused is retries  # the first bad field
        assert inside(screen, retries, "#step-3")
        # The buttons stay on screen.
        for button in ("#back", "#next", "#cancel"):
            assert inside(screen, button, "#wizard"), button


async def test_back_on_step_one_leaves_the_wizard(site: Path, start_config: Path) -> None:
    app = wizard_app(site)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_wizard(pilot, "chatty")
        back = screen.query_one("#back")
        assert not back.disabled
        await pilot.click("#back")
        await pilot.pause()
        assert not isinstance(app.screen, SetupWizard)


async def test_back_on_step_one_asks_when_something_was_entered(
    site: Path, start_config: Path
) -> None:
    app = wizard_app(site)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await to_settings(pilot)
        set_input(screen, "bot_token", "ok-typed")
        await pilot.pause()
        screen.action_back()
        screen.action_back()
        await pilot.pause()
        assert screen.step == 1
        screen.action_back()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)  # "Discard the setup?"
        await pilot.press("n")
        await pilot.pause()
        assert wizard(app) is screen and screen.step == 1


async def test_status_clears_once_the_marked_fields_are_fixed(
    site: Path, start_config: Path
) -> None:
    app = wizard_app(site)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await to_settings(pilot)
        set_input(screen, "retries", "ten")
        set_input(screen, "bot_token", "ok-fine")
        await next_step(pilot, screen)
        assert text(screen, "#wizard-status") == "Fix the marked fields first."
        assert screen.focused is field_input(screen, "retries")
        set_input(screen, "retries", "5")
        await pilot.pause()
        assert not screen.query_one("#wizard-status").display
        # The transport's rejections: the status goes once every marked field changed.
        set_input(screen, "channel", "dev")
        await next_step(pilot, screen)
        assert text(screen, "#wizard-status") == "The transport rejected some values."
        assert screen.focused is field_input(screen, "channel")
        set_input(screen, "channel", "#dev")
        await pilot.pause()
        assert not screen.query_one("#wizard-status").display


async def test_settings_note_says_what_is_checked_when(site: Path, start_config: Path) -> None:
    app = wizard_app(site)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await to_settings(pilot)
        note = text(screen, "#settings-note")
        # It promised "checked as you type", though the transport's own checks run on Next.
        assert "values are checked as you type" not in note.lower()
        assert "marked as you type" in note
        assert "Next also asks chatty to check the values." in note
        # What the note promises as you type: a wrong type is marked without Next.
        field = field_input(screen, "retries")
        assert isinstance(field, Input)
        field.focus()
        await pilot.press("ctrl+u", *"ten")
        await pilot.pause()
        assert field.has_class("-invalid")


async def test_ready_message_names_the_transport_when_it_is_not_the_default(
    site: Path, config_path: Path
) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('transport = "askme"\n[transports.askme]\nname = "Ann"\n')
    app = wizard_app(site)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await to_settings(pilot)
        set_input(screen, "bot_token", "ok-ready-1")
        await next_step(pilot, screen)
        assert screen.step == 4
        screen.query_one("#engine-list", OptionList).highlighted = 0  # fakecli: installed
        await pilot.pause()
        box = screen.query_one("#make-default", Checkbox)
        assert box.display
        assert not box.value  # askme stays the default
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        assert screen.step == 6
        result = text(screen, "#result")
        assert "✓ chatty is ready. Start it with `takopi run --transport chatty`." in result


DISABLED = """\
[plugins]
enabled = ["takopi-transport-askme", "takopi-engine-fakecli", "takopi-engine-ghost"]
"""


async def test_setup_on_a_disabled_transport_offers_to_enable_it(
    site: Path, config_path: Path
) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(DISABLED, encoding="utf-8")
    app = wizard_app(site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert not row(app, "chatty").enabled
        await go_to(pilot, "chatty")
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
        body = app.screen.query_one("#dialog-body", Static).content.plain
        assert body.startswith("chatty is disabled. Enable it and set it up?")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SetupWizard), what="the wizard")
        screen = wizard(app)
        await wait_for(pilot, lambda: screen.survey is not None and not screen.busy)
        options = screen.query_one("#transport-list", OptionList)
        assert options.highlighted_option.id == "chatty"
        assert "also enables takopi-transport-chatty" in text(screen, "#survey-note")
        await next_step(pilot, screen)
        await next_step(pilot, screen)
        set_input(screen, "bot_token", "ok-enabled-1")
        await next_step(pilot, screen)
        screen.query_one("#engine-list", OptionList).highlighted = 0
        await pilot.pause()
        await next_step(pilot, screen)
        assert screen.step == 5
        diff = text(screen, "#wizard-diff")
        assert '"takopi-transport-chatty"' in diff  # the enabling, in the same diff
        assert "[transports.chatty]" in diff
        assert config_path.read_text() == DISABLED  # nothing written yet
        await next_step(pilot, screen)
        assert screen.step == 6
        assert "✓ chatty is ready" in text(screen, "#result")
        screen.action_next()  # Done
        await pilot.pause()
        await settle(pilot)
        assert row(app, "chatty").enabled
    written = config_path.read_text()
    assert "takopi-transport-chatty" in written and "[transports.chatty]" in written


async def test_setup_on_a_disabled_transport_no_leaves_it(site: Path, config_path: Path) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(DISABLED, encoding="utf-8")
    app = wizard_app(site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go_to(pilot, "chatty")
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is app.plugins_screen
    assert config_path.read_text() == DISABLED


async def test_setup_by_name_on_a_disabled_transport_asks_too(
    site: Path, config_path: Path
) -> None:
    """The palette's "Set up chatty" names the transport: the same question."""
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(DISABLED, encoding="utf-8")
    app = wizard_app(site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go_to(pilot, "askme")  # the cursor elsewhere
        app.action_setup("chatty")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
        body = app.screen.query_one("#dialog-body", Static).content.plain
        assert body.startswith("chatty is disabled. Enable it and set it up?")


async def test_choosing_another_transport_does_not_enable_the_first(
    site: Path, config_path: Path
) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(DISABLED, encoding="utf-8")
    app = wizard_app(site)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go_to(pilot, "chatty")
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SetupWizard), what="the wizard")
        screen = wizard(app)
        await wait_for(pilot, lambda: screen.survey is not None and not screen.busy)
        options = screen.query_one("#transport-list", OptionList)
        options.highlighted = [o.id for o in options.options].index("askme")
        await pilot.pause()
        for _ in range(4):  # choose askme; its issues; its own setup (not run); the defaults
            await next_step(pilot, screen)
        assert screen.step == 5, text(screen, "#wizard-status")
        diff = text(screen, "#wizard-diff")
        assert "takopi-transport-chatty" not in diff
        assert "also enable" not in text(screen, "#diff-path")


async def test_small_terminal_defaults_step_keeps_the_checkbox_in_view(
    site: Path, start_config: Path
) -> None:
    app = wizard_app(site)
    async with app.run_test(size=SMALL) as pilot:
        screen = await to_settings(pilot)
        set_input(screen, "bot_token", "ok-small-4")
        await next_step(pilot, screen)
        assert screen.step == 4
        box = screen.query_one("#make-default", Checkbox)
        assert box.display
        box.focus()
        await pilot.pause()
        await pilot.pause()
        assert inside(screen, box, "#step-4")
        assert inside(screen, "#default-note", "#step-4")
