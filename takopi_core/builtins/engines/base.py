"""What the four built-in engines share: the stream hand-off and how they are registered.

Each engine's runner says how to start its CLI (``command``, ``build_args``, ``env``, its
endings); its ``*_stream`` module turns the CLI's JSON lines into events. This base class
connects the two: a fresh stream object per run (``stream_class``), every decoded line fed to
it, and a line that is not JSON logged and dropped, as upstream does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from takopi_core.builtins.engines.tools import run_base_dir
from takopi_core.config.engines import BUILTIN_ENGINE_CLIS
from takopi_core.plugins.backends import EngineBackend, EngineConfig
from takopi_core.run.jsonl import JsonlSubprocessRunner
from takopi_core.run.model import ResumeToken, TakopiEvent
from takopi_core.run.runner import ResumeTokenMixin


class BuiltinEngineRunner(ResumeTokenMixin, JsonlSubprocessRunner):
    """A built-in engine's runner: ``JsonlSubprocessRunner`` with a stream translator."""

    #: The translator built for each run as ``stream_class(title=..., base=...)``; an engine
    #: whose stream needs more overrides ``new_state``.
    stream_class: ClassVar[Callable[..., Any] | None] = None
    #: False when the prompt goes in the arguments (after ``--``) and stdin stays empty.
    prompt_on_stdin: ClassVar[bool] = True
    session_title: str

    def stdin_payload(self, prompt: str, resume: ResumeToken | None, *, state: Any) -> bytes | None:
        if not self.prompt_on_stdin:
            return None
        return super().stdin_payload(prompt, resume, state=state)

    def new_state(self, prompt: str, resume: ResumeToken | None) -> Any:
        if self.stream_class is None:
            raise NotImplementedError(f"{type(self).__name__} sets no stream_class")
        return self.stream_class(title=self.session_title, base=run_base_dir())

    def invalid_json_events(self, *, raw: bytes, line: str, state: Any) -> list[TakopiEvent]:
        # Upstream drops a line that is not JSON with a log entry only; so do we.
        self.get_logger().warning(f"{self.engine}.invalid_line", line=line[:200])
        return []

    def translate(
        self,
        data: Any,
        *,
        state: Any,
        resume: ResumeToken | None,
        found_session: ResumeToken | None,
    ) -> list[TakopiEvent]:
        events: list[TakopiEvent] = state.feed(data, resume=resume, found_session=found_session)
        return events


def builtin_backend(
    engine: str, build_runner: Callable[[EngineConfig, Path], Any]
) -> EngineBackend:
    """The entry point's object: ``build_runner`` with the engine's CLI and install command."""
    cli = BUILTIN_ENGINE_CLIS[engine]
    return EngineBackend(
        id=engine, build_runner=build_runner, cli_cmd=cli.cli_cmd, install_cmd=cli.install_cmd
    )
