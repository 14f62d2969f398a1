"""The one masking mechanism (takopi_core.secrets) and the untrusted-text escape (text.py)."""

from __future__ import annotations

import io

from takopi_core.secrets import MASK, Masker, error_line, leaves, mask_text
from takopi_core.text import has_control, safe_stream, safe_text

DATA = {
    "default_engine": "codex",
    "api_keys": ["sk-array-1", "sk-array-2"],
    "accounts": [{"name": "main", "password": "aot-secret"}],
    "transports": {
        "telegram": {"bot_token": "tg-secret", "chat_id": 123},
        "slack": {"webhook_url": "https://hooks/declared", "room": "general"},
        "other": {"auth": {"token": "inline-secret"}},
    },
}


def test_leaves_walk_tables_arrays_and_arrays_of_tables():
    found = dict(leaves({"a": [1, {"b": 2}], "t": {"c": [[3]]}}))
    assert found == {("a",): 1, ("a", "b"): 2, ("t", "c"): 3}


def test_secret_values_cover_arrays_arrays_of_tables_and_inline_tables():
    values = set(Masker.for_config(DATA).values)
    assert values == {"sk-array-1", "sk-array-2", "aot-secret", "tg-secret", "inline-secret"}


def test_a_declared_secret_field_is_secret_whatever_its_key():
    declared = ("transports", "slack", "webhook_url")
    plain = Masker.for_config(DATA)
    masker = Masker.for_config(DATA, [declared])
    assert not plain.is_secret(declared)
    assert masker.is_secret(declared)
    assert masker.is_secret((*declared, "below"))
    assert not masker.is_secret(("transports", "slack", "room"))
    assert "https://hooks/declared" in masker.values
    assert declared in masker.secret_keys(DATA)


def test_free_text_quoting_a_secret_is_masked_longest_first():
    masker = Masker(values=("abcd", "abcdef", "1"))
    assert masker.text("got abcdef and abcd, chat 1") == f"got {MASK} and {MASK}, chat 1"
    assert mask_text("x", []) == "x"


def test_json_like_values_are_masked_inside():
    masker = Masker(values=("tg-secret",))
    data = {"error": "bad tg-secret", "list": ["tg-secret", 3], "n": None}
    assert masker.data(data) == {"error": f"bad {MASK}", "list": [MASK, 3], "n": None}


def test_error_line_masks_the_value_of_a_secret_line():
    lines = [
        "[transports.telegram]",
        'bot_token = "123:abc" oops',
        "chat_id = 12 x",
        "tokens = [",
        '  "sk-1" x',
        "tg = { bot_token = 'zz' q }",
        "bot_token'abc'",
    ]
    assert error_line(lines, 1) == "[transports.telegram]"
    assert error_line(lines, 2) == f"bot_token = {MASK}"
    assert error_line(lines, 3) == "chat_id = 12 x"
    assert error_line(lines, 5) == f"  {MASK}"  # inside a secret array opened above
    assert error_line(lines, 6) == f"tg = {MASK}"
    assert error_line(lines, 7) == f"bot_token {MASK}"
    assert error_line(["[secrets]", 'x = "v" y'], 2) == f"x = {MASK}"
    assert error_line(lines, 99) == ""


def test_safe_text_escapes_every_control_character_but_newline_and_tab():
    hostile = "a\x1b]52;c;ZXZpbA==\x07b\x1b[2Jc\x9b31md\x7fe\x00\tf\ng\r\n"
    shown = safe_text(hostile)
    assert shown == "a\\x1b]52;c;ZXZpbA==\\x07b\\x1b[2Jc\\x9b31md\\x7fe\\x00\tf\ng\n"
    assert not has_control(shown)
    assert safe_text("plain [bold]text[/]") == "plain [bold]text[/]"


def test_safe_stream_escapes_what_is_written():
    buffer = io.StringIO()
    stream = safe_stream(buffer)
    stream.write("x\x1b[2J")
    print("y\x9b", file=stream)
    assert buffer.getvalue() == "x\\x1b[2Jy\\x9b\n"
