"""The built-in ``pi`` engine: the Pi coding agent in print mode, the prompt as the last argument.

Invocation, as upstream builds it::

    pi <extra_args> --print --mode json [--provider P] [--model M] [--thinking R]
       --session <session> <prompt>

A new run gets a fresh session file under ``$PI_CODING_AGENT_DIR`` (default
``~/.pi/agent``) ``/sessions/--<run dir>--/<time>_<uuid>.jsonl``; a resumed run passes the
token. A prompt starting with "-" gets a leading space so Pi does not read it as a flag.
``NO_COLOR=1`` and ``CI=1`` are set unless already set. Resume lines are
`` `pi --session <id>` `` (quoted when the token has spaces).
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from takopi_core.builtins.engines.base import BuiltinEngineRunner, builtin_backend
from takopi_core.builtins.engines.options import current_run_options
from takopi_core.builtins.engines.pi_stream import ENGINE, PiStream
from takopi_core.builtins.engines.tools import run_base_dir
from takopi_core.config.engines import PiSettings, parse_engine_table
from takopi_core.plugins.backends import EngineConfig
from takopi_core.run.logs import get_logger
from takopi_core.run.model import ResumeToken, TakopiEvent

_logger = get_logger(__name__)

RESUME_RE = re.compile(r"(?im)^\s*`?pi\s+--session\s+(?P<token>.+?)`?\s*$")


def session_dir(run_dir: Path) -> Path:
    """Where Pi keeps the sessions of ``run_dir`` (the folder name Pi itself derives)."""
    configured = os.environ.get("PI_CODING_AGENT_DIR")
    base = Path(configured).expanduser() if configured else Path.home() / ".pi" / "agent"
    flat = str(run_dir).lstrip("/\\").translate(str.maketrans("/\\:", "---"))
    return base / "sessions" / f"--{flat}--"


class PiRunner(BuiltinEngineRunner):
    """Runs ``pi --print`` once per message."""

    engine = ENGINE
    prompt_on_stdin = False
    resume_re = RESUME_RE
    logger = _logger

    def __init__(self, settings: PiSettings, *, pi_cmd: str = "pi") -> None:
        self.settings = settings
        self.pi_cmd = pi_cmd
        self.session_title = "pi"

    # -- resume lines -------------------------------------------------------------------------

    def format_resume(self, token: ResumeToken) -> str:
        if token.engine != ENGINE:
            raise RuntimeError(f"resume token is for engine {token.engine!r}")
        value = token.value
        if any(ch.isspace() for ch in value) or '"' in value:
            value = '"' + value.replace('"', '\\"') + '"'
        return f"`pi --session {value}`"

    def extract_resume(self, text: str | None) -> ResumeToken | None:
        """The last ``pi --session X`` line's token, without surrounding quotes."""
        found: str | None = None
        for match in RESUME_RE.finditer(text or ""):
            token = match.group("token").strip()
            if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
                token = token[1:-1]
            if token:
                found = token
        return ResumeToken(ENGINE, found) if found else None

    # -- the process ----------------------------------------------------------------------------

    def command(self) -> str:
        return self.pi_cmd

    def build_args(self, prompt: str, resume: ResumeToken | None, *, state: PiStream) -> list[str]:
        options = current_run_options()
        args = [*self.settings.extra_args, "--print", "--mode", "json"]
        if self.settings.provider:
            args += ["--provider", self.settings.provider]
        model = options.model or self.settings.model
        if model:
            args += ["--model", model]
        if options.reasoning:
            args += ["--thinking", options.reasoning]
        args += ["--session", state.token.value]
        return [*args, f" {prompt}" if prompt.startswith("-") else prompt]

    def env(self, *, state: Any) -> dict[str, str] | None:
        env = dict(os.environ)
        env.setdefault("NO_COLOR", "1")
        env.setdefault("CI", "1")
        return env

    def new_state(self, prompt: str, resume: ResumeToken | None) -> PiStream:
        base = run_base_dir()
        meta: dict[str, Any] = {"cwd": str(base)}
        if self.settings.model:
            meta["model"] = self.settings.model
        if self.settings.provider:
            meta["provider"] = self.settings.provider
        if resume is not None:
            return PiStream(resume, promote=False, title=self.session_title, meta=meta, base=base)
        token = ResumeToken(ENGINE, str(self._new_session_file(base)))
        return PiStream(token, promote=True, title=self.session_title, meta=meta, base=base)

    def _new_session_file(self, base: Path) -> Path:
        folder = session_dir(base)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).isoformat().replace(":", "-").replace(".", "-")
        return folder / f"{stamp}_{uuid.uuid4().hex}.jsonl"

    def process_error_events(
        self,
        rc: int,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: PiStream,
    ) -> list[TakopiEvent]:
        message = f"pi failed (rc={rc})."
        return [
            self.note_event(message, state=state),
            state.factory.completed_error(
                error=message,
                answer=state.answer,
                resume=found_session or resume or state.token,
                usage=state.usage,
            ),
        ]

    def stream_end_events(
        self,
        *,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
        state: PiStream,
    ) -> list[TakopiEvent]:
        return [
            state.factory.completed_error(
                error="pi finished without an agent_end event",
                answer=state.answer,
                resume=found_session or resume or state.token,
                usage=state.usage,
            )
        ]


def build_runner(config: EngineConfig, config_path: Path) -> PiRunner:
    """A Pi runner from the ``[pi]`` table; wrong values raise ``ConfigError``."""
    settings = parse_engine_table(ENGINE, config, config_path)
    assert isinstance(settings, PiSettings)
    return PiRunner(settings)


BACKEND = builtin_backend(ENGINE, build_runner)
