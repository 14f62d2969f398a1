"""What the setup wizard says: its messages built from check results, without widgets.

Each function returns the text for one of the wizard's notes (and, where the note is
coloured, its level: ``""``, ``"success"``, ``"warning"`` or ``"error"``). Text from
plugins and the config goes through :func:`takopi_core.plugins.fields.mask` or
:func:`takopi_core.setup.flow.describe_issues` with the secrets to hide; the wizard shows
the result as :class:`textual.content.Content`, never as markup.
"""

from __future__ import annotations

from pathlib import Path

from takopi_core.config.toml import display_path
from takopi_core.errors import ConfigError
from takopi_core.secrets import mask_text
from takopi_core.setup.child import ValidatorRunError
from takopi_core.setup.flow import TransportChoice, describe_issues, start_command


def worker_error(error: BaseException | None) -> str:
    """What a failed plugin call says: expected failures their own message, else its type."""
    # Anything but a config or validator error is the machinery breaking: named by its
    # type, and the app carries on.
    if isinstance(error, ConfigError | ValidatorRunError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def issues_report(choice: TransportChoice, secrets: list[str]) -> tuple[str, str]:
    """Step 2: the transport's status and setup issues, and the note's level."""
    lines = [f"{choice.id} ({choice.entry.dist_label}): {choice.status}", ""]
    if choice.setup_ok is None:
        lines.append("Its setup was not checked: no engine is installed to check it with.")
    elif not choice.issues:
        lines.append("No setup issues.")
    lines += describe_issues(choice.issues, secrets)
    if choice.fields_error:
        lines += ["", f"Its declared settings cannot be used: {choice.fields_error}"]
    level = "" if choice.setup_ok is not False else "warning"
    return "\n".join(lines), level


def default_note(transport_id: str, current: object) -> str:
    """Step 4: which transport is the default now (``current`` is the config's value)."""
    if current == transport_id:
        return f"{transport_id} is already the default transport."
    if isinstance(current, str):
        return f"Now the default: {current}."
    return "No default transport is set yet (takopi run uses terminal)."


def setup_ended(status: int) -> str:
    """How the transport's own setup ended, from its exit status."""
    return "finished" if status == 0 else f"ended with status {status}"


def own_setup_report(checked: TransportChoice, status: int, secrets: list[str]) -> tuple[str, str]:
    """Step 3: the transport's state after its own setup ran, and the note's level."""
    lines = [f"Its setup {setup_ended(status)}. {checked.id} is now: {checked.status}."]
    lines += describe_issues(checked.issues, secrets)
    return "\n".join(lines), "success" if checked.setup_ok else "warning"


def saved_head(config_path: Path, note: str | None) -> str:
    """Step 6: the first line(s) after takopi.toml was written (``note``: what save said)."""
    return f"Saved {display_path(config_path)}." + (f"\n{note}." if note else "")


def result_report(
    head: str, checked: TransportChoice, secrets: list[str], default_transport: object = None
) -> tuple[str, str]:
    """Step 6: what the check after writing found (masked), and the note's level.

    ``default_transport`` is the config's ``transport`` after the write: the way to start
    the transport names it unless it is the default."""
    lines = [head, ""]
    level = "success"
    if checked.load_error:
        lines.append(f"{checked.id} failed to load: {checked.load_error}")
        level = "error"
    elif checked.setup_ok is None:
        lines.append(f"{checked.id}: not checked (no engine is installed to check it with).")
        level = "warning"
    elif checked.setup_ok:
        command = start_command(checked.id, default_transport)
        lines.append(f"✓ {checked.id} is ready. Start it with `{command}`.")
    else:
        lines.append(f"{checked.id} still needs setup:")
        lines += describe_issues(checked.issues, secrets)
        level = "warning"
    return mask_text("\n".join(lines), secrets), level
