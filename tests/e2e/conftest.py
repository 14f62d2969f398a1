"""Fixtures for the end-to-end tests: a private tmux server per test."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from support.tmux import Tmux


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    server = Tmux(f"takopi-test-{os.getpid()}-{time.monotonic_ns()}")
    try:
        yield server
    finally:
        server.kill()
