"""The built-in ``codex`` engine: ``codex exec --json``, the prompt on stdin.

Invocation, as upstream builds it::

    codex <extra_args> [--profile P] [--model M] [-c model_reasoning_effort=R]
          exec --json --skip-git-repo-check --color=never [resume <thread_id>] -

``extra_args`` defaults to ``-c notify=[]``. The model and reasoning level are the per-run
ones (``/model``, ``/reasoning``); as upstream, ``[codex]`` has no model key. Resume lines are
`` `codex resume <thread_id>` ``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from takopi_core.builtins.engines.base import BuiltinEngineRunner, builtin_backend
from takopi_core.builtins.engines.codex_stream import ENGINE, CodexStream
from takopi_core.builtins.engines.options import current_run_options
from takopi_core.config.engines import CodexSettings, parse_engine_table
from takopi_core.plugins.backends import EngineConfig
from takopi_core.run.logs import get_logger
from takopi_core.run.model import ResumeToken, TakopiEvent

_logger = get_logger(__name__)

RESUME_RE = re.compile(r"(?im)^\s*`?codex\s+resume\s+(?P<token>[^`\s]+)`?\s*$")


class CodexRunner(BuiltinEngineRunner):
    """Runs ``codex exec`` once per message."""

    engine = ENGINE
    stream_class = CodexStream
    resume_re = RESUME_RE
    logger = _logger

    def __init__(self, settings: CodexSettings, *, codex_cmd: str = "codex") -> None:
        self.settings = settings
        self.codex_cmd = codex_cmd
        self.global_args = list(settings.extra_args)
        if settings.profile:
            self.global_args += ["--profile", settings.profile]
        self.session_title = settings.profile or "Codex"

    def command(self) -> str:
        return self.codex_cmd

    def build_args(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> list[str]:
        options = current_run_options()
        args = list(self.global_args)
        if options.model:
            args += ["--model", options.model]
        if options.reasoning:
            args += ["-c", f"model_reasoning_effort={options.reasoning}"]
        args += ["exec", "--json", "--skip-git-repo-check", "--color=never"]
        if resume is not None:
            args += ["resume", resume.value]
        args.append("-")  # the prompt comes on stdin
        return args

    def pipes_error_message(self) -> str:
        return "codex exec failed to open subprocess pipes"

    def process_error_events(
        self,
        rc: int,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: CodexStream,
    ) -> list[TakopiEvent]:
        message = f"codex exec failed (rc={rc})."
        return [
            state.warning(message),
            state.factory.completed_error(
                error=message, answer=state.answer, resume=found_session or resume
            ),
        ]

    def stream_end_events(
        self,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: CodexStream,
    ) -> list[TakopiEvent]:
        if found_session is None:
            return [
                state.factory.completed_error(
                    error="codex exec finished but no session_id/thread_id was captured",
                    answer=state.answer,
                    resume=resume,
                )
            ]
        # A clean exit after a thread id is a success even without turn.completed.
        return [state.factory.completed_ok(answer=state.answer, resume=found_session)]


def build_runner(config: EngineConfig, config_path: Path) -> CodexRunner:
    """A Codex runner from the ``[codex]`` table; wrong values raise ``ConfigError``."""
    settings = parse_engine_table(ENGINE, config, config_path)
    assert isinstance(settings, CodexSettings)
    return CodexRunner(settings)


BACKEND = builtin_backend(ENGINE, build_runner)
