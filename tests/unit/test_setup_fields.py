"""Declared setup fields: the declaration checks, value parsing, the probe's report of the
fields, and validators run in a child process (a real HTTP service behind one of them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.setup_plugins import BADFIELDS, SLEEPY, TokenService, child_env, write_setup_site

from takopi_core.plugins.discovery import discover
from takopi_core.plugins.fields import (
    FieldDeclarationError,
    FieldSpec,
    FieldValueError,
    SetupField,
    check_value,
    declared_fields,
    describe_fields,
    format_value,
    parse_text,
    to_spec,
)
from takopi_core.plugins.probe import probe_all
from takopi_core.secrets import mask_text
from takopi_core.setup.child import ValidatorRunError, call_validator, run_validators


class Declares:
    def __init__(self, fields: object) -> None:
        self.setup_fields = fields


# --- declarations ----------------------------------------------------------------------------


def test_api_exports_setup_field() -> None:
    import takopi.api

    assert takopi.api.SetupField is SetupField
    assert "SetupField" in takopi.api.__all__


def test_declared_fields_accepts_a_good_declaration() -> None:
    fields = (
        SetupField("bot_token", "Bot token", secret=True),
        SetupField("topics.enabled", "Topics", kind="bool", default=False),
        SetupField("mode", "Mode", choices=("a", "b"), default="b"),
    )
    assert declared_fields(Declares(fields)) == fields
    assert declared_fields(object()) == ()
    assert declared_fields(Declares(None)) == ()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("bot_token", "setup_fields must be a sequence of SetupField, found str"),
        ([{"key": "x"}], "setup_fields[0] must be a SetupField (from takopi.api), found dict"),
        ([SetupField("a b", "A")], "setup_fields[0] ('a b'): key must be a bare TOML key"),
        ([SetupField("a..b", "A")], "key must be a bare TOML key"),
        ([SetupField("a", " ")], "setup_fields[0] ('a'): label must be a non-empty string"),
        # Invalid on purpose (here and below): what a plugin may declare despite the types.
        ([SetupField("a", "A", kind="list")], "kind must be one of str, int, float, bool"),  # type: ignore[arg-type]
        ([SetupField("a", "A", default=3)], "default 3 must be a string"),
        ([SetupField("a", "A", kind="int", default=True)], "default True must be an integer"),
        ([SetupField("a", "A", choices=("x",), default="y")], "default 'y' must be one of x"),
        ([SetupField("a", "A", kind="int", choices=(1, "2"))], "choice '2' must be an integer"),
        ([SetupField("a", "A", validate="nope")], "validate must be callable"),  # type: ignore[arg-type]
        (
            [SetupField("a", "A"), SetupField("a", "B")],
            "setup_fields[1] ('a'): the key is declared twice",
        ),
        (
            [SetupField("t", "T"), SetupField("t.x", "X")],
            "'t' is a value, so 't.x' cannot be inside it",
        ),
    ],
)
def test_malformed_declarations_are_named(fields: object, message: str) -> None:
    with pytest.raises(FieldDeclarationError) as caught:
        declared_fields(Declares(fields))
    assert message in str(caught.value)
    assert describe_fields(Declares(fields)) == {"setup_fields_error": str(caught.value)}


def test_a_raising_setup_fields_property_is_reported_not_raised() -> None:
    class Raises:
        @property
        def setup_fields(self) -> object:
            raise RuntimeError("boom")

    assert describe_fields(Raises()) == {
        "setup_fields_error": "reading setup_fields failed: RuntimeError: boom"
    }


def test_spec_round_trips_through_json() -> None:
    field = SetupField(
        "retries",
        "Retries",
        help="h",
        kind="int",
        default=3,
        required=False,
        validate=lambda v: None,
    )
    spec = to_spec(field)
    assert spec.has_validator and spec.keys == ("retries",)
    assert FieldSpec.from_json(spec.to_json()) == spec
    assert describe_fields(Declares((field,))) == {"setup_fields": [spec.to_json()]}


# --- values ----------------------------------------------------------------------------------

TEXT = FieldSpec("name", "Name")
NUMBER = FieldSpec("n", "N", kind="int")
RATIO = FieldSpec("r", "R", kind="float")
FLAG = FieldSpec("f", "F", kind="bool")
MODE = FieldSpec("m", "M", choices=("thread", "channel"))
OPTIONAL = FieldSpec("o", "O", required=False)


@pytest.mark.parametrize(
    ("spec", "text", "value"),
    [
        (TEXT, "  hello \n", "hello"),
        (TEXT, "   ", None),
        (NUMBER, "42", 42),
        (NUMBER, "1_000", 1000),
        (NUMBER, "-3", -3),
        (RATIO, "0.5", 0.5),
        (FLAG, "YES", True),
        (FLAG, "off", False),
        (MODE, "channel", "channel"),
    ],
)
def test_parse_text(spec: FieldSpec, text: str, value: object) -> None:
    assert parse_text(spec, text) == value
    assert type(parse_text(spec, text)) is type(value)


@pytest.mark.parametrize(
    ("spec", "text", "message"),
    [
        (NUMBER, "4.5", "must be a whole number"),
        (NUMBER, "ten", "must be a whole number"),
        (RATIO, "nan", "must be a finite number"),
        (RATIO, "x", "must be a number"),
        (FLAG, "maybe", "must be yes or no"),
        (MODE, "dm", "must be one of thread, channel"),
    ],
)
def test_parse_text_rejects(spec: FieldSpec, text: str, message: str) -> None:
    with pytest.raises(FieldValueError) as caught:
        parse_text(spec, text)
    assert str(caught.value) == message


def test_check_value_and_format() -> None:
    assert check_value(TEXT, None) == "is required"
    assert check_value(TEXT, "") == "is required"
    assert check_value(OPTIONAL, None) is None
    assert check_value(NUMBER, "3") == "must be an integer"
    assert check_value(NUMBER, True) == "must be an integer"
    assert check_value(MODE, "x") == "must be one of thread, channel"
    assert check_value(MODE, "thread") is None
    secret = FieldSpec("t", "T", secret=True)
    assert format_value(secret, "abc123", show_secrets=False) == "********"
    assert format_value(secret, "abc123") == "abc123"
    assert format_value(FLAG, False) == "no"


def test_mask_hides_every_secret_but_not_short_values() -> None:
    text = "token ok-123456 and ok-123456x, chat 1"
    assert mask_text(text, ["ok-123456", "1"]) == "token ******** and ********x, chat 1"


# --- the probe reports declared fields --------------------------------------------------------


def test_probe_reports_declared_fields_and_bad_declarations(site: Path) -> None:
    write_setup_site(site, BADFIELDS)
    found = discover(path=[str(site)])
    results = {r.id: r for r in probe_all(found.visible(), env=child_env(site))}
    chatty = results["chatty"]
    assert chatty.ok
    assert [f.key for f in chatty.setup_fields] == [
        "bot_token",
        "channel",
        "mode",
        "retries",
        "webhook_url",
    ]
    token = chatty.setup_fields[0]
    assert token.secret and token.has_validator and token.help == "From the Chatty dashboard."
    assert chatty.setup_fields[2].choices == ("thread", "channel")
    assert chatty.setup_fields[3] == FieldSpec(
        "retries", "Retries", kind="int", default=3, required=False
    )
    assert results["askme"].setup_fields == () and results["askme"].setup_fields_error is None
    bad = results["badfields"]
    assert bad.ok  # the transport still loads: only its fields are unusable
    assert bad.setup_fields == ()
    assert bad.setup_fields_error == "setup_fields[0] ('mode'): default 'c' must be one of a, b"
    assert "setup_fields" in chatty.to_json() and chatty.to_json()["setup_fields"][0]["secret"]


# --- validators in a child --------------------------------------------------------------------


def _chatty(site: Path):
    write_setup_site(site, SLEEPY)
    found = discover(path=[str(site)])
    return found.find("transport", "chatty"), found


def test_validators_call_the_service_from_a_child(site: Path) -> None:
    entry, _ = _chatty(site)
    with TokenService().running() as service:
        env = child_env(site, CHATTY_SERVICE=service.url)
        good = {"bot_token": "ok-abc", "channel": "#dev"}
        assert run_validators(entry, good, ["bot_token", "channel"], env=env) == {}
        bad = {"bot_token": "nope-1", "channel": "dev"}
        assert run_validators(entry, bad, ["bot_token", "channel"], env=env) == {
            "bot_token": "is not accepted by the service: nope-1 is an unknown token",
            "channel": "must start with #",
        }
    assert service.seen == ["ok-abc", "nope-1"]


def test_validators_skip_empty_values_and_unknown_keys_are_reported(site: Path) -> None:
    entry, _ = _chatty(site)
    env = child_env(site)
    assert run_validators(entry, {"bot_token": None}, ["bot_token"], env=env) == {}
    assert run_validators(entry, {"nope": "x"}, ["nope"], env=env) == {
        "nope": "is not a declared setup field of this transport"
    }


def test_a_hanging_validator_is_stopped(site: Path) -> None:
    _, found = _chatty(site)
    sleepy = found.find("transport", "sleepy")
    failures = run_validators(sleepy, {"token": "x"}, ["token"], env=child_env(site), timeout=1)
    assert failures == {"token": "the check did not finish within 1 s"}


def test_a_transport_that_fails_to_load_is_a_run_error(site: Path) -> None:
    entry, _ = _chatty(site)
    (site / "chatty_transport" / "backend.py").write_text("raise ImportError('gone')\n")
    with pytest.raises(ValidatorRunError, match=r"transport chatty .*gone"):
        run_validators(entry, {"bot_token": "ok-1"}, ["bot_token"], env=child_env(site))


def test_call_validator_shapes() -> None:
    async def async_check(value: str) -> str | None:
        return None if value == "good" else "bad value"

    assert call_validator(async_check, "good", {}) is None
    assert call_validator(async_check, "x", {}) == "bad value"
    assert call_validator(lambda v, values: values["other"], "x", {"other": "seen"}) == "seen"
    assert call_validator(lambda v: False, "x", {}) == "is not valid"
    assert call_validator(lambda v: True, "x", {}) is None

    def raises(value: str) -> None:
        raise KeyError

    assert call_validator(raises, "x", {}) == "KeyError"


def test_terminal_max_actions_field_and_its_use_on_the_run_path(tmp_path: Path) -> None:
    from takopi_core.builtins.terminal import BACKEND, check_max_actions, max_actions_setting
    from takopi_core.errors import ConfigError

    [spec] = describe_fields(BACKEND)["setup_fields"]
    assert spec["key"] == "max_actions" and spec["kind"] == "int" and spec["default"] == 5
    assert check_max_actions(8) is None
    assert check_max_actions(0) == "must be between 1 and 50"
    assert check_max_actions(True) == "must be a whole number"
    path = tmp_path / "takopi.toml"
    assert max_actions_setting({}, path) == 5
    assert max_actions_setting({"max_actions": 12}, path) == 12
    with pytest.raises(ConfigError) as caught:
        max_actions_setting({"max_actions": "many"}, path)
    assert str(caught.value) == f"{path}: `transports.terminal.max_actions` must be a whole number"
