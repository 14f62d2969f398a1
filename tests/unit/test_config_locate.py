"""config.locate: the line a key path is set on, for messages that name it."""

from __future__ import annotations

from takopi_core.config.locate import key_line


def test_key_line_finds_tables_dotted_keys_and_quoted_parts() -> None:
    text = (
        "# top\n"
        'default_engine = "codex"\n'
        "plugins.enabled = 3\n"
        '[projects."my site"]\n'
        "chat_id = 'x'  # a comment\n"
        "[[transports.list]]\n"
        "[transports.telegram]\n"
    )
    assert key_line(text, ("default_engine",)) == 2
    assert key_line(text, ("plugins", "enabled")) == 3
    assert key_line(text, ("projects", "my site", "chat_id")) == 5
    assert key_line(text, ("projects", "my site")) == 4
    assert key_line(text, ("transports", "telegram")) == 7
    assert key_line(text, ("nowhere",)) is None
