"""Property: random enable/disable/set/unset sequences on random commented configs keep every
comment and every unrelated key, and each edit does what it says."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.config_support import ACME, MULTI, SLACK, write_plugin_site

from takopi_core.config.file import ConfigFile
from takopi_core.config.keys import lookup
from takopi_core.config.settings import Settings
from takopi_core.plugins.discovery import discover
from takopi_core.plugins.enablement import plan_enabled

#: Keys the operations may set or unset; never written by the generator with comments.
TARGETS: tuple[tuple[str, ...], ...] = (
    ("default_engine",),
    ("watch_config",),
    ("transports", "telegram", "chat_id"),
    ("transports", "slack", "channel"),
    ("plugins", "multi", "timeout"),
    ("codex", "temperature"),
    ("myengine", "opts", "level"),
    ("zeta", "deep", "value"),
)
#: Values that suit every target above (strings for the string-typed ones are fine too).
TARGET_VALUES: dict[tuple[str, ...], st.SearchStrategy[object]] = {
    ("default_engine",): st.sampled_from(["codex", "claude", "acme"]),
    ("watch_config",): st.booleans(),
    ("transports", "telegram", "chat_id"): st.integers(-(10**12), 10**12),
}
ANY_VALUE = st.one_of(
    st.integers(-1000, 1000),
    st.booleans(),
    # Quotes, backslashes, newlines and '#' test the escaping; "é" non-ASCII text.
    st.text(st.sampled_from(list("ab #'\"\\\n\té")), max_size=12),
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
)
DISTRIBUTIONS = ("takopi-transport-slack", "takopi-engine-acme", "takopi-command-multi")


class Markers:
    """Hands out unique comment texts, so each can be found exactly once later."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"# note-{self.count}"


@st.composite
def commented_configs(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    """A config text full of comments, and the unrelated leaves it holds."""
    note = Markers()
    lines: list[str] = []
    unrelated: dict[str, object] = {}

    def maybe_comment_line() -> None:
        if draw(st.booleans()):
            lines.append(note())

    def key_line(path: str, key: str, value: str, parsed: object) -> None:
        comment = f"  {note()}" if draw(st.booleans()) else ""
        lines.append(f"{key} = {value}{comment}")
        unrelated[path] = parsed

    maybe_comment_line()
    if draw(st.booleans()):
        key_line("transport", "transport", '"slack"', "slack")
    if draw(st.booleans()):
        lines.append("")
    sections = draw(
        st.lists(
            st.sampled_from(["codex", "slack", "multi", "plugins", "project", "telegram"]),
            unique=True,
            max_size=6,
        )
    )
    for section in sections:
        if draw(st.booleans()):
            lines.append("")
        maybe_comment_line()
        header_comment = f"   {note()}" if draw(st.booleans()) else ""
        if section == "codex":
            lines.append(f"[codex]{header_comment}")
            key_line("codex.model", "model", "'o3'", "o3")
        elif section == "slack":
            lines.append(f"[transports.slack]{header_comment}")
            key_line("transports.slack.app_token", "app_token", '"xapp-1"', "xapp-1")
        elif section == "multi":
            lines.append(f"[plugins.multi]{header_comment}")
            key_line("plugins.multi.engines", "engines", '["codex", "acme"]', ["codex", "acme"])
        elif section == "plugins":
            lines.append(f"[plugins]{header_comment}")
            listed = draw(st.lists(st.sampled_from(DISTRIBUTIONS), unique=True, max_size=3))
            if listed:
                listed = ["takopi-tui", *listed]
            array = "[" + ", ".join(f'"{name}"' for name in listed) + "]"
            lines.append(f"enabled = {array}  {note()}")
        elif section == "project":
            lines.append(f'[projects."site"]{header_comment}')
            key_line("projects.site.path", "path", '"~/site"', "~/site")
        elif section == "telegram":
            lines.append(f"[transports.telegram]{header_comment}")
            key_line("transports.telegram.bot_token", "bot_token", '"1:abc"', "1:abc")
        maybe_comment_line()
    maybe_comment_line()
    return "\n".join(lines) + "\n", unrelated


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, object, object]]:
    steps: list[tuple[str, object, object]] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["set", "unset", "enable", "disable"]))
        if kind in ("set", "unset"):
            target = draw(st.sampled_from(TARGETS))
            value = draw(TARGET_VALUES.get(target, ANY_VALUE)) if kind == "set" else None
            steps.append((kind, target, value))
        else:
            steps.append((kind, draw(st.sampled_from(DISTRIBUTIONS)), None))
    return steps


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    site = tmp_path_factory.mktemp("property-site")
    write_plugin_site(site, SLACK, ACME, MULTI)
    yield site


def comments_in(text: str) -> list[str]:
    return [f"# note-{part.split()[0]}" for part in text.split("# note-")[1:]]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(config=commented_configs(), steps=operations())
def test_edits_keep_comments_and_unrelated_keys(
    plugin_site: Path,
    config: tuple[str, dict[str, object]],
    steps: list[tuple[str, object, object]],
) -> None:
    text, unrelated = config
    path = Path("/nonexistent/takopi.toml")
    comments = comments_in(text)
    expected: dict[tuple[str, ...], object] = {}  # target key -> value (None = absent)

    for kind, target, value in steps:
        editable = ConfigFile(path, text, text.encode())
        if kind == "set":
            assert isinstance(target, tuple)  # a key path, as operations() draws it
            text = editable.with_value(target, value)
            expected[target] = value
        elif kind == "unset":
            assert isinstance(target, tuple)
            text = editable.without_key(target)
            expected[target] = None
        else:
            current = Settings.from_data(editable.data, path).enabled
            discovery = discover(current, path=[str(plugin_site)])
            plan = plan_enabled(discovery, current, {str(target): kind == "enable"})
            if plan.new_list is not None and plan.list_changed:
                text = editable.with_enabled(list(plan.new_list))
                parsed = tomllib.loads(text)
                assert parsed["plugins"]["enabled"] == list(plan.new_list)

        data = tomllib.loads(text)  # every step leaves a parseable config...
        Settings.from_data(data, path)  # ...that passes the checks
        assert sorted(comments_in(text)) == sorted(comments), text
        for dotted, original in unrelated.items():
            found, current_value = lookup(data, tuple(dotted.split(".")), path)
            assert found and current_value == original, (dotted, text)
        for target_key, wanted in expected.items():
            found, current_value = lookup(data, target_key, path)
            if wanted is None:
                assert not found, (target_key, text)
            else:
                assert found and current_value == wanted, (target_key, text)
