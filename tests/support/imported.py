"""What a `takopi` invocation imports: run the CLI in a fresh child and list sys.modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_PROBE = """
import json, sys
from takopi_core.cli import main
try:
    code = main({argv!r})
except SystemExit as exc:
    code = exc.code
mods = sorted(sys.modules)
sys.stdout.flush()
sys.stderr.write("\\n@@MODULES@@" + json.dumps(mods))
"""


def modules_after(argv: list[str], site: Path) -> set[str]:
    """The modules loaded once `takopi ARGV` has run in a child with ``site`` on its path."""
    env = dict(os.environ, PYTHONPATH=str(site))
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=argv)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    marker = proc.stderr.rpartition("@@MODULES@@")[2]
    return set(json.loads(marker))
