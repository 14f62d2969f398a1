"""The built-in ``opencode`` engine: ``opencode run --format json``, the prompt after ``--``.

Invocation, as upstream builds it::

    opencode run --format json [--session ses_ID] [--model M] -- <prompt>

A prompt of digits only gets a trailing "." (OpenCode would take it for a number).
Nothing goes to stdin. Resume lines are `` `opencode --session ses_ID` ``; ``opencode run
--session``, ``opencode -s`` and ``opencode run -s`` are recognised too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from takopi_core.builtins.engines.base import BuiltinEngineRunner, builtin_backend
from takopi_core.builtins.engines.opencode_stream import ENGINE, OpenCodeStream
from takopi_core.builtins.engines.options import current_run_options
from takopi_core.config.engines import OpenCodeSettings, parse_engine_table
from takopi_core.plugins.backends import EngineConfig
from takopi_core.run.logs import get_logger
from takopi_core.run.model import ResumeToken, TakopiEvent

_logger = get_logger(__name__)

RESUME_RE = re.compile(
    r"(?im)^\s*`?opencode(?:\s+run)?\s+(?:--session|-s)\s+(?P<token>ses_[A-Za-z0-9]+)`?\s*$"
)
_DIGITS = re.compile(r"[0-9]+")


class OpenCodeRunner(BuiltinEngineRunner):
    """Runs ``opencode run`` once per message."""

    engine = ENGINE
    prompt_on_stdin = False
    stream_class = OpenCodeStream
    resume_re = RESUME_RE
    logger = _logger

    def __init__(self, settings: OpenCodeSettings, *, opencode_cmd: str = "opencode") -> None:
        self.settings = settings
        self.opencode_cmd = opencode_cmd
        self.session_title = settings.model or "opencode"

    def format_resume(self, token: ResumeToken) -> str:
        if token.engine != ENGINE:
            raise RuntimeError(f"resume token is for engine {token.engine!r}")
        return f"`opencode --session {token.value}`"

    def command(self) -> str:
        return self.opencode_cmd

    def build_args(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> list[str]:
        args = ["run", "--format", "json"]
        if resume is not None:
            args += ["--session", resume.value]
        model = current_run_options().model or self.settings.model
        if model:
            args += ["--model", model]
        if _DIGITS.fullmatch(prompt):
            prompt += "."
        return [*args, "--", prompt]

    def process_error_events(
        self,
        rc: int,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: OpenCodeStream,
    ) -> list[TakopiEvent]:
        message = f"opencode failed (rc={rc})."
        return [
            self.note_event(message, state=state),
            state.factory.completed_error(
                error=message, answer=state.answer, resume=found_session or resume
            ),
        ]

    def stream_end_events(
        self,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: OpenCodeStream,
    ) -> list[TakopiEvent]:
        factory = state.factory
        if found_session is None:
            return [
                factory.completed_error(
                    error="opencode finished but no session_id was captured",
                    answer=state.answer,
                    resume=resume,
                )
            ]
        if state.saw_step_finish:
            return [factory.completed_ok(answer=state.answer, resume=found_session)]
        return [
            factory.completed_error(
                error="opencode finished without a result event",
                answer=state.answer,
                resume=found_session,
            )
        ]


def build_runner(config: EngineConfig, config_path: Path) -> OpenCodeRunner:
    """An OpenCode runner from the ``[opencode]`` table; wrong values raise ``ConfigError``."""
    settings = parse_engine_table(ENGINE, config, config_path)
    assert isinstance(settings, OpenCodeSettings)
    return OpenCodeRunner(settings)


BACKEND = builtin_backend(ENGINE, build_runner)
