"""The structured logging helpers exported by the API."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from takopi_core.run.logs import bind_run_context, clear_context, get_logger, suppress_logs


class Records:
    """The records captured so far (caplog's list is per test phase, so read it late)."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    def __getitem__(self, index: int) -> logging.LogRecord:
        return self.caplog.records[index]

    def __iter__(self) -> Iterator[logging.LogRecord]:
        return iter(self.caplog.records)


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields our logger attaches to a record (an attribute it adds)."""
    value = record.__dict__["takopi_fields"]
    assert isinstance(value, dict)
    return value


def event(record: logging.LogRecord) -> str:
    """The event name our logger attaches to a record."""
    value = record.__dict__["takopi_event"]
    assert isinstance(value, str)
    return value


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> Iterator[Records]:
    caplog.set_level(logging.DEBUG, logger="takopi.test")
    clear_context()
    yield Records(caplog)
    clear_context()


def test_structlog_style_calls_with_fields(records: Records) -> None:
    log = get_logger("takopi.test")
    log.info("runner.start", pid=12, cmd="codex")
    log.bind(engine="codex").warning("runner.slow", seconds=3)
    first, second = records
    assert first.getMessage() == "runner.start logger_name='takopi.test' pid=12 cmd='codex'"
    assert event(first) == "runner.start"
    assert second.levelno == logging.WARNING
    assert fields(second) == {
        "logger_name": "takopi.test",
        "engine": "codex",
        "seconds": 3,
    }


def test_bound_context_appears_until_cleared(records: Records) -> None:
    log = get_logger("takopi.test")
    bind_run_context(chat_id=5)
    bind_run_context(resume="abc")
    log.info("a")
    clear_context()
    log.info("b")
    assert fields(records[0])["resume"] == "abc"
    assert fields(records[0])["chat_id"] == 5
    assert "resume" not in fields(records[1])


async def test_context_is_per_task(records: Records) -> None:
    log = get_logger("takopi.test")

    async def run(name: str) -> None:
        bind_run_context(run=name)
        await anyio.sleep(0)
        log.info("tick")

    async with anyio.create_task_group() as group:
        group.start_soon(run, "one")
        group.start_soon(run, "two")
    assert sorted(fields(r)["run"] for r in records) == ["one", "two"]


def test_suppress_logs_drops_lower_levels(records: Records) -> None:
    log = get_logger("takopi.test")
    with suppress_logs():
        log.info("hidden")
        log.warning("shown")
    with suppress_logs("error"):
        log.warning("hidden too")
    log.debug("back")
    assert [event(r) for r in records] == ["shown", "back"]
    with pytest.raises(ValueError, match="unknown log level 'loud'"), suppress_logs("loud"):
        pass


def test_secret_fields_are_masked(records: Records) -> None:
    get_logger("takopi.test").info("setup", bot_token="123:abc", api_key="sk-1", chat_id=7)
    message = records[0].getMessage()
    assert "123:abc" not in message and "sk-1" not in message
    assert "chat_id=7" in message
    assert fields(records[0])["bot_token"] == "********"


def test_exception_logging_keeps_the_traceback(records: Records) -> None:
    try:
        raise KeyError("boom")
    except KeyError:
        get_logger("takopi.test").exception("failed", step=2)
    assert records[0].exc_info is not None and records[0].levelno == logging.ERROR
