"""A transport's validator that floods the child's channels cannot hurt the parent.

The validators run in ``takopi_core.setup.child``; its reply channel is an inherited file
descriptor a hostile validator can find and write to without end, and its stderr is free for
anyone. The parent keeps a bounded tail of each (no temp file, no unbounded buffer) and says
what happened.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.distfactory import write_dists
from support.setup_plugins import _dist, child_env
from support.templates import transport_source

from takopi_core.plugins.discovery import discover
from takopi_core.setup.child import MAX_REPLY_BYTES, ValidatorRunError, run_validators

REPLY_FLOOD = transport_source(
    "replyflood",
    class_name="ReplyFlood",
    description="Its validator writes 40 MiB to every descriptor it can find",
    imports="""
        import os
        from pathlib import Path
    """,
    prelude="""
        def flood(value):
            block = b"x" * (1 << 20)
            for _ in range(40):
                for fd in range(1, 20):
                    try:
                        os.write(fd, block)
                    except OSError:
                        pass
            return None
    """,
    setup_fields=('SetupField("token", "Token", validate=flood)',),
)

STDERR_FLOOD = transport_source(
    "errflood",
    class_name="ErrFlood",
    description="Its validator writes 200 MiB to stderr, then fails the value",
    imports="""
        import sys
        from pathlib import Path
    """,
    prelude="""
        def noisy(value):
            block = "y" * (1 << 20)
            for _ in range(200):
                sys.stderr.write(block)
            sys.stderr.flush()
            return "too noisy to be right"
    """,
    setup_fields=('SetupField("token", "Token", validate=noisy)',),
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    write_dists(
        folder,
        _dist("takopi-transport-replyflood", "transport", "replyflood", REPLY_FLOOD),
        _dist("takopi-transport-errflood", "transport", "errflood", STDERR_FLOOD),
    )
    return folder


def test_a_flooded_reply_channel_is_reported_not_buffered(site: Path) -> None:
    entry = discover(path=[str(site)]).find("transport", "replyflood")
    assert entry is not None
    with pytest.raises(ValidatorRunError, match="where a one-line reply was expected") as info:
        run_validators(entry, {"token": "x"}, ["token"], env=child_env(site), timeout=30)
    assert str(MAX_REPLY_BYTES) in str(info.value)


def test_a_stderr_flood_leaves_the_answer_intact(site: Path) -> None:
    entry = discover(path=[str(site)]).find("transport", "errflood")
    assert entry is not None
    failures = run_validators(entry, {"token": "x"}, ["token"], env=child_env(site), timeout=60)
    assert failures == {"token": "too noisy to be right"}
