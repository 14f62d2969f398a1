"""`takopi doctor [--json] [--fix]`: check the config, the transport, engines, plugins and
the instance lock, and say what to do about each problem.

The checks run from :mod:`takopi_core.setup.doctor`; this module prints them. Exit status: 0 when no
check is an error, 1 otherwise, 2 when the command itself is misused. Secrets found in the
config are masked in every line unless ``--show-secrets`` is given.

Standard library only at top level: this module is imported to build `takopi --help`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from takopi_core.setup.doctor import DoctorReport
    from takopi_core.setup.doctor_check import Check

_MARKS = {"ok": "ok", "warning": "warning", "error": "error"}
_WIDTH = max(len(m) for m in _MARKS.values())
_INDENT = " " * (2 + _WIDTH + 2 + 2)  # under the check's name, two further in


def register(subparsers: argparse._SubParsersAction) -> None:
    from takopi_core.cli import add_config_option, summary

    parser = subparsers.add_parser(
        "doctor",
        help=summary("doctor"),
        description="Check that the config parses and has the right types, list unknown "
        "keys, check file modes (0600 file, 0700 folder) and secrets, run the chosen "
        "transport's check_setup, look for each engine's CLI on PATH, report plugin load "
        "errors and the state of the instance lock. Exit 1 when any check is an error.",
    )
    add_config_option(parser)
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.add_argument(
        "--fix",
        action="store_true",
        help="repair what is safe to repair: file modes, stale lock files",
    )
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        help="show tokens, keys and passwords as they are (masked by default)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time limit for loading each plugin (default 10)",
    )
    parser.set_defaults(handler=run_doctor_command)


def run_doctor_command(args: argparse.Namespace) -> int:
    from takopi_core.cli import EXIT_OK, EXIT_PROBLEMS
    from takopi_core.config.toml import resolve_config_path
    from takopi_core.plugins.probe import DEFAULT_TIMEOUT
    from takopi_core.setup.doctor import run_doctor

    config_path = resolve_config_path(args.config)
    report = run_doctor(
        config_path,
        fix=args.fix,
        timeout=args.timeout if args.timeout is not None else DEFAULT_TIMEOUT,
    )
    secrets = [] if args.show_secrets else report.secrets
    if args.json:
        import json

        json.dump(_masked(report.to_json(), secrets), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_report(report, sys.stdout, secrets=secrets)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def print_report(report: DoctorReport, out: TextIO, *, secrets: list[str]) -> None:
    """The plain-text report: one line per check, details and the action under it."""
    from takopi_core.config.toml import display_path
    from takopi_core.secrets import mask_text as mask

    out.write(f"takopi doctor: {display_path(report.config_path)}\n")
    for check in report.checks:
        out.write(mask(_line(check), secrets) + "\n")
        for detail in check.details:
            out.write(mask(f"{_INDENT}{detail}", secrets) + "\n")
        if check.action and check.status != "ok":
            out.write(mask(f"{_INDENT}→ {check.action}", secrets) + "\n")
    errors, warnings = len(report.errors), len(report.warnings)
    if not errors and not warnings:
        out.write("all checks passed\n")
    else:
        out.write(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}\n")


def _line(check: Check) -> str:
    fixed = " (fixed)" if check.fixed else ""
    return f"  {_MARKS[check.status]:<{_WIDTH}}  {check.name}: {check.summary}{fixed}"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _masked(value: Any, secrets: list[str]) -> Any:
    from takopi_core.secrets import Masker

    return Masker(values=tuple(secrets)).data(value)
