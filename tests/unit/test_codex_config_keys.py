"""``[codex]`` reads the keys upstream Takopi 0.23.4 reads and no others.

Upstream's ``takopi/runners/codex.py`` ``build_runner`` reads ``mode``, ``extra_args`` and
``profile``; the model comes only from a chat's or topic's ``/model`` override. A ``model``
key in ``[codex]`` is therefore reported by ``takopi doctor`` as unknown, and the runner
does not turn it into ``--model``.
"""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import InProcessCli

from takopi_core.builtins.engines.codex import build_runner
from takopi_core.builtins.engines.options import run_options
from takopi_core.config.engines import BUILTIN_ENGINE_KEYS
from takopi_core.plugins.discovery import Discovery, PluginEntry
from takopi_core.run.options import EngineRunOptions
from takopi_core.setup.doctor_config import unknown_keys


def test_codex_reads_upstreams_keys_only() -> None:
    assert BUILTIN_ENGINE_KEYS["codex"] == {"extra_args", "profile", "mode"}


def test_codex_model_key_is_unknown() -> None:
    entries = [PluginEntry("engine", "codex", "m:B", "takopi-tui", "0.1", True, True)]
    data = {"codex": {"profile": "work", "model": "o3", "mode": "exec"}}
    assert unknown_keys(data, Discovery(entries)) == ["codex.model"]


def test_codex_model_key_does_not_reach_the_arguments(tmp_path: Path) -> None:
    runner = build_runner({"model": "o3", "profile": "work"}, tmp_path / "takopi.toml")
    args = runner.build_args("hi", None, state=None)
    assert "--model" not in args
    assert args[:4] == ["-c", "notify=[]", "--profile", "work"]
    # The per-run model (from /model) still does, as upstream passes it.
    with run_options(EngineRunOptions(model="gpt-x")):
        args = runner.build_args("hi", None, state=None)
    assert args[args.index("--model") + 1] == "gpt-x"


def test_doctor_reports_codex_model_as_unknown(takopi: InProcessCli, config_path: Path) -> None:
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('[codex]\nprofile = "work"\nmodel = "o3"\n', encoding="utf-8")
    result = takopi("doctor", "--json")
    checks = {check["name"]: check for check in json.loads(result.stdout)["checks"]}
    assert checks["unknown keys"]["details"] == ["codex.model"], checks["unknown keys"]
