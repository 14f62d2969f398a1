"""Setup field values: what the config holds for a transport's declared fields, what
each field starts with, local checks, ``KEY=VALUE`` arguments, and the secrets in play.

Pure functions over parsed config data; no plugin code runs here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from takopi_core.plugins.fields import FieldSpec, FieldValueError, check_value, parse_text
from takopi_core.secrets import Masker


def transport_table(data: Mapping[str, Any], transport_id: str) -> dict[str, Any]:
    """``[transports.<id>]`` from parsed config data (``{}`` when absent or not a table)."""
    transports = data.get("transports")
    if not isinstance(transports, dict):
        return {}
    table = transports.get(transport_id)
    return table if isinstance(table, dict) else {}


def current_values(
    data: Mapping[str, Any], transport_id: str, specs: Sequence[FieldSpec]
) -> dict[str, Any]:
    """The values the config holds now for each declared field (absent fields are left out)."""
    table = transport_table(data, transport_id)
    values: dict[str, Any] = {}
    for spec in specs:
        current: Any = table
        for part in spec.keys:
            if not isinstance(current, dict) or part not in current:
                break
            current = current[part]
        else:
            values[spec.key] = current
    return values


def initial_values(
    data: Mapping[str, Any], transport_id: str, specs: Sequence[FieldSpec]
) -> dict[str, Any]:
    """What each field starts with: the configured value, else its default, else None."""
    current = current_values(data, transport_id, specs)
    return {spec.key: current.get(spec.key, spec.default) for spec in specs}


def local_errors(specs: Sequence[FieldSpec], values: Mapping[str, Any]) -> dict[str, str]:
    """Required, type and choice problems of ``values``: ``{key: message}``."""
    errors: dict[str, str] = {}
    for spec in specs:
        problem = check_value(spec, values.get(spec.key))
        if problem:
            errors[spec.key] = problem
    return errors


def is_configured(data: Mapping[str, Any], transport_id: str, specs: Sequence[FieldSpec]) -> bool:
    """True when every required field has a valid value: configured, or its default."""
    return not local_errors(specs, initial_values(data, transport_id, specs))


def parse_assignments(
    pairs: Sequence[str], specs: Sequence[FieldSpec]
) -> tuple[dict[str, Any], list[str]]:
    """``KEY=VALUE`` arguments (``--non-interactive``) as field values, and the problems."""
    by_key = {spec.key: spec for spec in specs}
    values: dict[str, Any] = {}
    problems: list[str] = []
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(f"{pair!r}: expected KEY=VALUE")
            continue
        spec = by_key.get(key)
        if spec is None:
            known = ", ".join(by_key) or "none"
            problems.append(f"{key}: not a setup field of this transport (fields: {known})")
            continue
        try:
            values[key] = parse_text(spec, text)
        except FieldValueError as exc:
            problems.append(f"{key}: {exc}")
    return values, problems


def secret_values(
    specs: Sequence[FieldSpec], values: Mapping[str, Any], data: Mapping[str, Any] | None = None
) -> list[str]:
    """Every secret string in play: declared secret fields, and secret-named config keys."""
    found = [str(values[s.key]) for s in specs if s.secret and values.get(s.key) not in (None, "")]
    if data is not None:
        found += config_secrets(data)
    return found


def config_secrets(data: Mapping[str, Any]) -> list[str]:
    """String values under secret-named keys (``*token*``, ``*key*``...) anywhere in ``data``,
    arrays and arrays of tables included."""
    return Masker().secret_values(data)
