"""Progress titles are shortened exactly as ``textwrap.shorten`` shortens them.

``progress._shorten`` skips the ``TextWrapper`` when the collapsed title fits (it runs for
every shown title of every render); the result must not change for any text.
"""

from __future__ import annotations

import textwrap

from hypothesis import given
from hypothesis import strategies as st

from takopi_core.run.progress import MAX_TITLE_CHARS, _shorten


def reference(text: str) -> str:
    return textwrap.shorten(text, width=MAX_TITLE_CHARS, placeholder="…") or text[:MAX_TITLE_CHARS]


WORDS = st.text(alphabet=st.sampled_from("ab `-/é\u3000\t\n\r\x0b\x0c\xa0"), max_size=12)


@given(st.lists(WORDS, max_size=60).map("".join))
def test_shorten_matches_textwrap(text: str) -> None:
    assert _shorten(text) == reference(text)


@given(st.text(max_size=400))
def test_shorten_matches_textwrap_on_any_text(text: str) -> None:
    assert _shorten(text) == reference(text)


def test_shorten_edges() -> None:
    fits = "x" * MAX_TITLE_CHARS
    for text in ("", "   ", "\n\t", "a  b\n c", fits, fits + "y", f"{fits} tail", "w " * 200):
        assert _shorten(text) == reference(text), text
