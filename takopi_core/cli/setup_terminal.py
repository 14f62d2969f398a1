"""The terminal `takopi setup` talks on: prompts (secrets without echo), errors, and
whether there is a terminal to ask on at all.

Standard library only.
"""

from __future__ import annotations

import os
import sys


class Cancelled(Exception):
    """The user left a prompt (Ctrl+C, Ctrl+D): nothing is written."""


class Terminal:
    """Questions and answers on the terminal; tests drive it through a real pty."""

    def say(self, text: str = "") -> None:
        print(text, flush=True)

    def ask(self, prompt: str) -> str:
        try:
            return input(prompt)
        except EOFError:
            raise Cancelled from None

    def ask_secret(self, prompt: str) -> str:
        import getpass

        try:
            return getpass.getpass(prompt)
        except EOFError:
            raise Cancelled from None

    def confirm(self, prompt: str, *, default: bool) -> bool:
        hint = "[Y/n]" if default else "[y/N]"
        while True:
            answer = self.ask(f"{prompt} {hint} ").strip().lower()
            if not answer:
                return default
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            self.say("  please answer y or n")


def print_error(message: object) -> None:
    """``error: first line`` then the other lines indented, on stderr."""
    first, *rest = str(message).splitlines() or [""]
    print(f"error: {first}", file=sys.stderr)
    for line in rest:
        print(f"  {line}", file=sys.stderr)


def has_terminal() -> bool:
    """Prompts need a terminal on both ends, and TAKOPI_NO_INTERACTIVE unset."""
    if os.environ.get("TAKOPI_NO_INTERACTIVE"):
        return False
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
