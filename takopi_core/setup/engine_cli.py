"""An engine CLI's version, as ``takopi doctor`` shows it (``codex --version``...)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from takopi_core.text import safe_text

VERSION_TIMEOUT_S = 5.0
VERSION_MAX_CHARS = 120


def cli_version(
    executable: str, args: Sequence[str] = ("--version",), *, timeout: float = VERSION_TIMEOUT_S
) -> str | None:
    """The first line the CLI prints for ``args`` (stdout, else stderr), or None when it
    fails, hangs past ``timeout`` or prints nothing. The text is the CLI's: control
    characters are escaped and it is cut to one short line."""
    try:
        done = subprocess.run(
            [executable, *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    for stream in (done.stdout, done.stderr):
        for line in stream.decode("utf-8", errors="replace").splitlines():
            if line.strip():
                return safe_text(line.strip()[:VERSION_MAX_CHARS])
    return None
