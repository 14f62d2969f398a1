"""`takopi.config_watch.watch_config`: editing takopi.toml while a run is live reloads it.

A transport plugin (a real dist-info) written like the published Discord and Slack transports
runs ``watch_config`` beside its loop under `takopi run`. The test edits the config file
while it runs: a broken edit is skipped (the runtime keeps the last good config), the next
good one replaces the default engine, the plugin tables and the enabled commands in place,
on the very runtime object the transport holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support.distfactory import TRANSPORT_GROUP, Dist, write_dists
from support.run_dists import command_dist, fake_engine, path_with, write_fake_cli
from support.templates import transport_source

WATCHER = Dist(
    name="takopi-transport-watcher",
    entry_points={TRANSPORT_GROUP: {"watcher": "fake_watcher.backend:BACKEND"}},
    files={
        "fake_watcher/backend.py": transport_source(
            "watcher",
            imports="""
                import json
                from pathlib import Path

                import anyio
                from takopi.commands import list_command_ids
                from takopi.config_watch import ConfigReload, watch_config as watch_config_changes
            """,
            build_and_run_params=(
                "*, transport_config, config_path, runtime, final_notify, default_engine_override"
            ),
            build_and_run="""
                out = Path(transport_config["out_file"])

                def seen(event):
                    record = {
                        "event": event,
                        "default": runtime.default_engine,
                        "demo": runtime.plugin_config("demo"),
                        "commands": sorted(list_command_ids(allowlist=runtime.allowlist)),
                    }
                    with out.open("a") as handle:
                        handle.write(json.dumps(record) + "\\n")

                async def main():
                    applied = anyio.Event()

                    async def on_reload(reload: ConfigReload):
                        assert reload.config_path == config_path
                        seen("reload")
                        applied.set()

                    async with anyio.create_task_group() as tg:
                        tg.start_soon(lambda: watch_config_changes(
                            config_path=config_path, runtime=runtime,
                            default_engine_override=default_engine_override,
                            on_reload=on_reload, poll_interval_s=0.1,
                        ))
                        seen("start")
                        Path(transport_config["ready_file"]).write_text("ready")
                        with anyio.fail_after(30):
                            await applied.wait()
                        tg.cancel_scope.cancel()

                anyio.run(main)
            """,
        )
    },
)

CONFIG = """\
default_engine = "{engine}"
watch_config = true

[plugins]
enabled = [{enabled}]

[plugins.demo]
level = {level}

[transports.watcher]
ready_file = "{ready}"
out_file = "{out}"
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX child processes")
def test_editing_the_config_while_running_reloads_the_runtime(
    site: Path, tmp_path: Path, config_path: Path
) -> None:
    write_dists(
        site,
        WATCHER,
        fake_engine("alpha"),
        fake_engine("beta"),
        command_dist("hello", "return None", dist_name="takopi-cmd-hello"),
    )
    bin_dir = tmp_path / "bin"
    write_fake_cli(bin_dir, "alpha")
    write_fake_cli(bin_dir, "beta")
    ready, out = tmp_path / "ready", tmp_path / "out.jsonl"
    dists = '"takopi-transport-watcher", "takopi-engine-alpha", "takopi-engine-beta"'

    def config(engine: str, level: int, enabled: str) -> str:
        return CONFIG.format(engine=engine, level=level, enabled=enabled, ready=ready, out=out)

    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(config("alpha", 1, dists), encoding="utf-8")
    env = {
        **os.environ,
        "PATH": path_with(bin_dir),
        "PYTHONPATH": str(site),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "takopi_core", "run", "--transport", "watcher"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    err_lines: list[str] = []
    skipped = threading.Event()

    def read_stderr() -> None:
        assert child.stderr is not None
        for line in child.stderr:
            err_lines.append(line)
            if "config.reload.failed" in line:
                skipped.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert child.poll() is None, "".join(err_lines)
            assert time.monotonic() < deadline, "the transport never started"
            time.sleep(0.05)
        config_path.write_text("default_engine = [broken\n", encoding="utf-8")
        # The good edit goes in only once the broken one was seen and skipped.
        assert skipped.wait(30), "".join(err_lines)
        config_path.write_text(config("beta", 2, dists + ', "takopi-cmd-hello"'), encoding="utf-8")
        child.wait(timeout=40)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        reader.join(timeout=10)
    stderr = "".join(err_lines)
    assert child.returncode == 0, stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["event"] for r in records] == ["start", "reload"], records
    start, reload = records
    assert (start["default"], start["demo"], start["commands"]) == ("alpha", {"level": 1}, [])
    assert (reload["default"], reload["demo"]) == ("beta", {"level": 2})
    assert reload["commands"] == ["hello"]
    assert "config.reload.failed" in stderr, stderr
