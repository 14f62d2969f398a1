"""The plain view of `takopi tui` names the commands behind i, U and x, and they exist."""

from __future__ import annotations

from pathlib import Path

from support.cli import InProcessCli
from support.demo_plugins import ACME
from support.distfactory import write_dists


def test_plain_view_lists_install_update_remove(
    isolated_home: Path, config_path: Path, takopi: InProcessCli
):
    site = write_dists(isolated_home / "site", ACME)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text("# everything enabled\n")
    done = takopi("tui", "--plain", site=site)
    lines = done.stdout.splitlines()
    for command, key in (
        ("takopi plugins catalogue [QUERY]", "(i)"),
        ("takopi plugins install NAME", "(i)"),
        ("takopi plugins update [NAME]", "(U)"),
        ("takopi plugins remove NAME", "(x)"),
    ):
        line = next((line for line in lines if line.strip().startswith(command)), "")
        assert line.endswith(key), (command, done.stdout)
        # ...and the subcommand is real: its --help works.
        name = command.split()[2]
        assert takopi("plugins", name, "--help").returncode == 0
