"""Mistyped commands, choices and options get a "did you mean" (the real CLI, in a child)."""

from __future__ import annotations

import pytest
from support.paths import run_takopi


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["plugins", "--lod"], "did you mean '--load' for '--lod'?"),
        (["plugins", "--load", "--jsn"], "did you mean '--json' for '--jsn'?"),
        (["doctor", "--fx"], "did you mean '--fix' for '--fx'?"),
        (["plugins", "disble", "x"], "did you mean 'disable'?"),
        (["config", "gett", "a.b"], "did you mean 'get'?"),
        (["disble", "x"], "Did you mean `takopi plugins disable`?"),
        (["doctr"], "Did you mean `takopi doctor`?"),
    ],
)
def test_typos_get_a_suggestion(argv: list[str], hint: str) -> None:
    done = run_takopi(*argv)
    assert done.returncode == 2
    assert hint in done.stderr
    assert "Traceback" not in done.stderr


def test_nothing_close_gets_no_suggestion() -> None:
    done = run_takopi("plugins", "--zzzzqqq")
    assert done.returncode == 2
    assert "unrecognized arguments: --zzzzqqq" in done.stderr
    assert "did you mean" not in done.stderr.lower()


def test_the_suggestion_names_the_option_of_the_command_typed() -> None:
    """`--tmeout` is close to --timeout, which `doctor` has: offered, the value kept apart."""
    done = run_takopi("doctor", "--tmeout", "5")
    assert done.returncode == 2
    assert "did you mean '--timeout' for '--tmeout'?" in done.stderr
