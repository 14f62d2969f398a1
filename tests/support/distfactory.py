"""Lay out real installed distributions (``*.dist-info`` + modules) in a folder.

The folder then works as a ``sys.path`` entry: ``importlib.metadata`` finds the
distributions and the entry points resolve to the modules written beside them. Tests put it
on ``PYTHONPATH`` of a child process, or pass it as ``path=`` to discovery.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ENGINE_GROUP = "takopi.engine_backends"
TRANSPORT_GROUP = "takopi.transport_backends"
COMMAND_GROUP = "takopi.command_backends"


@dataclass
class Dist:
    """A distribution to write: name, version, entry points, module files, requirements."""

    name: str | None
    version: str = "1.0.0"
    entry_points: dict[str, dict[str, str]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    requires: list[str] = field(default_factory=list)
    requires_python: str | None = None
    summary: str | None = None
    #: More metadata lines, written as they are after Requires-Dist (``("License", "MIT")``).
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: The README: the message body after the headers (Metadata-Version 2.1 style).
    description: str | None = None


def write_dist(site: Path, dist: Dist) -> Path:
    """Write ``dist`` into ``site`` and return its ``.dist-info`` folder."""
    site.mkdir(parents=True, exist_ok=True)
    folder_name = (dist.name or "nameless").replace("-", "_")
    info = site / f"{folder_name}-{dist.version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    lines = ["Metadata-Version: 2.1"]
    if dist.name is not None:
        lines.append(f"Name: {dist.name}")
    lines.append(f"Version: {dist.version}")
    if dist.summary:
        lines.append(f"Summary: {dist.summary}")
    if dist.requires_python:
        lines.append(f"Requires-Python: {dist.requires_python}")
    lines.extend(f"Requires-Dist: {req}" for req in dist.requires)
    lines.extend(f"{key}: {value}" for key, value in dist.headers)
    body = "" if dist.description is None else "\n" + dist.description
    (info / "METADATA").write_text("\n".join(lines) + "\n" + body, encoding="utf-8")
    ep_lines: list[str] = []
    for group, eps in dist.entry_points.items():
        ep_lines.append(f"[{group}]")
        ep_lines.extend(f"{name} = {value}" for name, value in eps.items())
        ep_lines.append("")
    (info / "entry_points.txt").write_text("\n".join(ep_lines), encoding="utf-8")
    record = [f"{info.name}/METADATA,,", f"{info.name}/entry_points.txt,,"]
    for rel, code in dist.files.items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(code).lstrip(), encoding="utf-8")
        record.append(f"{rel},,")
        # Every folder on the way is a package, so dotted entry-point values resolve.
        parent = target.parent
        while parent != site:
            init = parent / "__init__.py"
            if not init.exists():
                init.write_text("", encoding="utf-8")
            parent = parent.parent
    (info / "RECORD").write_text("\n".join(record) + "\n", encoding="utf-8")
    return info


def write_dists(site: Path, *dists: Dist) -> Path:
    for dist in dists:
        write_dist(site, dist)
    return site


# --- the plugin guide's three examples, verbatim in shape -----------------------------------

GUIDE_ENGINE = Dist(
    name="takopi-engine-myengine",
    version="0.3.0",
    entry_points={ENGINE_GROUP: {"myengine": "myengine.backend:BACKEND"}},
    files={
        "myengine/backend.py": """
            from __future__ import annotations

            from pathlib import Path

            from takopi.api import EngineBackend, EngineConfig, Runner


            def build_runner(config: EngineConfig, config_path: Path) -> Runner:
                _ = config_path
                raise NotImplementedError


            BACKEND = EngineBackend(
                id="myengine",
                build_runner=build_runner,
                cli_cmd="myengine",
                install_cmd="pip install myengine",
            )
        """,
    },
)

GUIDE_TRANSPORT = Dist(
    name="takopi-transport-mytransport",
    version="0.2.0",
    entry_points={TRANSPORT_GROUP: {"mytransport": "mytransport.backend:BACKEND"}},
    files={
        "mytransport/backend.py": """
            from __future__ import annotations

            from pathlib import Path

            from takopi.api import (
                EngineBackend,
                SetupResult,
                TransportBackend,
                TransportRuntime,
            )


            class MyTransportBackend:
                id = "mytransport"
                description = "MyTransport bot"

                def check_setup(
                    self, engine_backend: EngineBackend, *, transport_override: str | None = None
                ) -> SetupResult:
                    _ = engine_backend, transport_override
                    return SetupResult(issues=[], config_path=Path("takopi.toml"))

                def interactive_setup(self, *, force: bool) -> bool:
                    _ = force
                    return True

                def lock_token(
                    self, *, transport_config: dict[str, object], config_path: Path
                ) -> str | None:
                    _ = transport_config, config_path
                    return None

                def build_and_run(
                    self,
                    *,
                    transport_config: dict[str, object],
                    config_path: Path,
                    runtime: TransportRuntime,
                    final_notify: bool,
                    default_engine_override: str | None,
                ) -> None:
                    _ = (
                        transport_config,
                        config_path,
                        runtime,
                        final_notify,
                        default_engine_override,
                    )
                    raise NotImplementedError


            BACKEND = MyTransportBackend()
        """,
    },
)

GUIDE_COMMAND = Dist(
    name="takopi-command-multi",
    version="0.1.0",
    entry_points={COMMAND_GROUP: {"multi": "mycommand.backend:BACKEND"}},
    files={
        "mycommand/backend.py": """
            from __future__ import annotations

            from takopi.api import CommandContext, CommandResult, RunRequest


            class MultiCommand:
                id = "multi"
                description = "run the prompt on every engine"

                async def handle(self, ctx: CommandContext) -> CommandResult | None:
                    prompt = ctx.args_text.strip()
                    if not prompt:
                        return CommandResult(text="usage: /multi <prompt>")
                    requests = [
                        RunRequest(prompt=prompt, engine=engine)
                        for engine in ctx.runtime.available_engine_ids()
                    ]
                    results = await ctx.executor.run_many(
                        requests,
                        mode="capture",
                        parallel=True,
                    )
                    blocks = []
                    for result in results:
                        text = result.message.text if result.message else "no output"
                        blocks.append(f"## {result.engine}\\n{text}")
                    return CommandResult(text="\\n\\n".join(blocks))


            BACKEND = MultiCommand()
        """,
    },
)

GUIDE_EXAMPLES = (GUIDE_ENGINE, GUIDE_TRANSPORT, GUIDE_COMMAND)
