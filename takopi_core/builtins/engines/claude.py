"""The built-in ``claude`` engine: Claude Code in print mode, the prompt after ``--``.

Invocation, as upstream builds it::

    claude -p --output-format stream-json --verbose [--resume ID] [--model M]
           [--allowedTools A,B] [--dangerously-skip-permissions]
           [--effort R --settings {"alwaysThinkingEnabled":true}] -- <prompt>

Nothing goes to stdin. ``ANTHROPIC_API_KEY`` is removed from the child's environment unless
``[claude] use_api_billing = true`` (so the logged-in subscription is used). Resume lines are
`` `claude --resume <id>` ``; ``claude -r <id>`` is recognised too.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from takopi_core.builtins.engines.base import BuiltinEngineRunner, builtin_backend
from takopi_core.builtins.engines.claude_stream import ENGINE, ClaudeStream
from takopi_core.builtins.engines.options import current_run_options
from takopi_core.config.engines import ClaudeSettings, parse_engine_table
from takopi_core.plugins.backends import EngineConfig
from takopi_core.run.logs import get_logger
from takopi_core.run.model import ResumeToken, TakopiEvent

_logger = get_logger(__name__)

RESUME_RE = re.compile(r"(?im)^\s*`?claude\s+(?:--resume|-r)\s+(?P<token>[^`\s]+)`?\s*$")
THINKING_SETTINGS = '{"alwaysThinkingEnabled":true}'


class ClaudeRunner(BuiltinEngineRunner):
    """Runs ``claude -p`` once per message."""

    engine = ENGINE
    prompt_on_stdin = False
    stream_class = ClaudeStream
    resume_re = RESUME_RE
    logger = _logger

    def __init__(self, settings: ClaudeSettings, *, claude_cmd: str = "claude") -> None:
        self.settings = settings
        self.claude_cmd = claude_cmd
        self.session_title = settings.model or "claude"

    def format_resume(self, token: ResumeToken) -> str:
        if token.engine != ENGINE:
            raise RuntimeError(f"resume token is for engine {token.engine!r}")
        return f"`claude --resume {token.value}`"

    def command(self) -> str:
        return self.claude_cmd

    def build_args(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> list[str]:
        options = current_run_options()
        args = ["-p", "--output-format", "stream-json", "--verbose"]
        if resume is not None:
            args += ["--resume", resume.value]
        model = options.model or self.settings.model
        if model:
            args += ["--model", model]
        tools = ",".join(tool for tool in self.settings.allowed_tools if tool)
        if tools:
            args += ["--allowedTools", tools]
        if self.settings.dangerously_skip_permissions:
            args.append("--dangerously-skip-permissions")
        if options.reasoning:
            args += ["--effort", options.reasoning, "--settings", THINKING_SETTINGS]
        # After `--` a prompt starting with "-" is not read as a flag.
        return [*args, "--", prompt]

    def env(self, *, state: Any) -> dict[str, str] | None:
        if self.settings.use_api_billing:
            return None
        env = dict(os.environ)
        env.pop("ANTHROPIC_API_KEY", None)
        return env

    def process_error_events(
        self,
        rc: int,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: ClaudeStream,
    ) -> list[TakopiEvent]:
        message = f"claude failed (rc={rc})."
        return [
            self.note_event(message, state=state),
            state.factory.completed_error(error=message, resume=found_session or resume),
        ]

    def stream_end_events(
        self,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: ClaudeStream,
    ) -> list[TakopiEvent]:
        if found_session is None:
            return [
                state.factory.completed_error(
                    error="claude finished but no session_id was captured", resume=resume
                )
            ]
        return [
            state.factory.completed_error(
                error="claude finished without a result event",
                answer=state.last_text or "",
                resume=found_session,
            )
        ]


def build_runner(config: EngineConfig, config_path: Path) -> ClaudeRunner:
    """A Claude runner from the ``[claude]`` table; wrong values raise ``ConfigError``."""
    settings = parse_engine_table(ENGINE, config, config_path)
    assert isinstance(settings, ClaudeSettings)
    # A PATH lookup finds `claude.cmd` on Windows, which the bare name would not start.
    return ClaudeRunner(settings, claude_cmd=shutil.which("claude") or "claude")


BACKEND = builtin_backend(ENGINE, build_runner)
