"""Declared setup fields: the settings a transport needs, described as data.

A transport may list the settings it needs in a ``setup_fields`` attribute::

    from takopi.api import SetupField

    class SlackBackend:
        id = "slack"
        setup_fields = (
            SetupField("bot_token", "Bot token", secret=True, validate=check_token),
            SetupField("channel", "Channel", help="e.g. #takopi"),
            SetupField("mode", "Reply mode", choices=("thread", "channel"), default="thread"),
        )

`takopi setup` and the TUI's setup wizard then ask for them (secrets masked), check each value
(type, choices, then the field's own ``validate``) and write them to ``[transports.<id>]``.
A transport that declares nothing keeps working through its own ``interactive_setup``.

Two sides, two types:

- :class:`SetupField` is what a plugin declares. Its ``validate`` is plugin code, so it only
  ever runs in a child process (:mod:`takopi_core.setup.child`) or on the run path.
- :class:`FieldSpec` is the same field as the host sees it: plain data, read from the probe's
  JSON, with ``has_validator`` instead of the function. The CLI and the TUI work with these.

Standard library only: the probe child, the CLI and the TUI all import this module.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from takopi_core.text import safe_text

FieldKind: TypeAlias = Literal["str", "int", "float", "bool"]
FIELD_KINDS: tuple[str, ...] = ("str", "int", "float", "bool")

#: A field value as it is written to TOML.
FieldValue: TypeAlias = "str | int | float | bool"

_KEY_PART = re.compile(r"^[A-Za-z0-9_-]+$")
_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})


class FieldValueError(ValueError):
    """A value that does not fit its field; ``str()`` is the message shown beside it."""


@dataclass(frozen=True, slots=True)
class SetupField:
    """One setting a transport needs, declared in its ``setup_fields`` (the plugin API).

    Attributes:
        key: where the value goes inside ``[transports.<id>]``; a dotted key such as
            ``topics.enabled`` writes into a sub-table.
        label: the short question shown to the user ("Bot token").
        help: one or two sentences on where to find the value.
        secret: mask the value on screen and in every output (tokens, passwords).
        default: the value offered when nothing is configured yet (None: no default).
        choices: the only values allowed, in the order offered (empty: any value).
        validate: checks a value, e.g. by calling the service. Called with the converted
            value, or with ``(value, values)`` when it takes two arguments, where ``values``
            holds the fields entered so far. May be sync or async. Return None (or True) when
            the value is fine, or a message saying what is wrong; raising an exception counts
            as a failure with its message. It runs in a child process with a time limit.
        kind: ``"str"``, ``"int"``, ``"float"`` or ``"bool"``: the TOML type written.
        required: whether the field must have a value before setup can finish.
    """

    key: str
    label: str
    help: str = ""
    secret: bool = False
    default: Any = None
    choices: tuple[Any, ...] = ()
    validate: Callable[..., Any] | None = None
    kind: FieldKind = "str"
    required: bool = True


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A declared field as the host sees it: plain data, no plugin code."""

    key: str
    label: str
    help: str = ""
    secret: bool = False
    default: Any = None
    choices: tuple[Any, ...] = ()
    kind: str = "str"
    required: bool = True
    has_validator: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        """The key as a path inside the transport's table (``topics.enabled`` -> 2 parts)."""
        return tuple(self.key.split("."))

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "help": self.help,
            "secret": self.secret,
            "default": self.default,
            "choices": list(self.choices),
            "kind": self.kind,
            "required": self.required,
            "has_validator": self.has_validator,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldSpec:
        return cls(
            key=str(data["key"]),
            # Written by the plugin: shown escaped wherever a front end shows it.
            label=safe_text(data.get("label") or data["key"]),
            help=safe_text(data.get("help") or ""),
            secret=bool(data.get("secret", False)),
            default=data.get("default"),
            choices=tuple(data.get("choices") or ()),
            kind=str(data.get("kind") or "str"),
            required=bool(data.get("required", True)),
            has_validator=bool(data.get("has_validator", False)),
        )


class FieldDeclarationError(ValueError):
    """A transport's ``setup_fields`` is malformed; the message names the field."""


def declared_fields(backend: object) -> tuple[SetupField, ...]:
    """The transport's ``setup_fields``, checked; ``()`` when it declares none.

    Raises FieldDeclarationError naming the offending field (by index and key).
    """
    raw = getattr(backend, "setup_fields", ())
    if raw is None:
        return ()
    if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Iterable):
        raise FieldDeclarationError(
            f"setup_fields must be a sequence of SetupField, found {type(raw).__name__}"
        )
    fields: list[SetupField] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"setup_fields[{index}]"
        if not isinstance(item, SetupField):
            raise FieldDeclarationError(
                f"{where} must be a SetupField (from takopi.api), found {type(item).__name__}"
            )
        where = f"{where} ({item.key!r})"
        _check_declaration(item, where)
        if item.key in seen:
            raise FieldDeclarationError(f"{where}: the key is declared twice")
        seen.add(item.key)
        fields.append(item)
    _check_no_prefix_clash([f.key for f in fields])
    return tuple(fields)


def _check_declaration(field: SetupField, where: str) -> None:
    if not isinstance(field.key, str) or not all(
        _KEY_PART.match(part) for part in field.key.split(".")
    ):
        raise FieldDeclarationError(
            f"{where}: key must be a bare TOML key (letters, digits, '_', '-'; dots for sub-tables)"
        )
    if not isinstance(field.label, str) or not field.label.strip():
        raise FieldDeclarationError(f"{where}: label must be a non-empty string")
    if field.kind not in FIELD_KINDS:
        raise FieldDeclarationError(
            f"{where}: kind must be one of {', '.join(FIELD_KINDS)}, found {field.kind!r}"
        )
    if field.validate is not None and not callable(field.validate):
        raise FieldDeclarationError(f"{where}: validate must be callable")
    spec = to_spec(field)
    for choice in field.choices:
        problem = type_problem(spec, choice)
        if problem:
            raise FieldDeclarationError(f"{where}: choice {choice!r} {problem}")
    if field.default is not None:
        problem = type_problem(spec, field.default) or choice_problem(spec, field.default)
        if problem:
            raise FieldDeclarationError(f"{where}: default {field.default!r} {problem}")


def _check_no_prefix_clash(keys: Sequence[str]) -> None:
    # "topics" and "topics.enabled" cannot both be written: one is a value, one a table.
    for key in keys:
        for other in keys:
            if other.startswith(key + "."):
                raise FieldDeclarationError(
                    f"setup_fields: {key!r} is a value, so {other!r} cannot be inside it"
                )


def to_spec(field: SetupField) -> FieldSpec:
    """The host's view of a declared field."""
    return FieldSpec(
        key=field.key,
        label=field.label,
        help=field.help or "",
        secret=bool(field.secret),
        default=field.default,
        choices=tuple(field.choices),
        kind=field.kind,
        required=bool(field.required),
        has_validator=field.validate is not None,
    )


def specs_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec.from_json(item) for item in items)


# --- values ----------------------------------------------------------------------------------


def type_problem(spec: FieldSpec, value: object) -> str | None:
    """What is wrong with ``value``'s type for ``spec`` (None when it fits)."""
    ok = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
    }[spec.kind]
    if ok:
        return None
    expected = {"str": "a string", "int": "an integer", "float": "a number", "bool": "true/false"}
    return f"must be {expected[spec.kind]}"


def choice_problem(spec: FieldSpec, value: object) -> str | None:
    if spec.choices and value not in spec.choices:
        return "must be one of " + ", ".join(format_value(spec, c) for c in spec.choices)
    return None


def parse_text(spec: FieldSpec, text: str) -> FieldValue | None:
    """Turn what the user typed into the field's value; None for "no value".

    Raises FieldValueError with a short message for text that does not fit the field.
    Surrounding whitespace is dropped (a pasted token often carries a newline).
    """
    stripped = text.strip()
    if not stripped:
        return None
    if spec.kind == "str":
        value: FieldValue = stripped
    elif spec.kind == "int":
        try:
            value = int(stripped.replace("_", ""), 10)
        except ValueError:
            raise FieldValueError("must be a whole number") from None
    elif spec.kind == "float":
        try:
            value = float(stripped)
        except ValueError:
            raise FieldValueError("must be a number") from None
        if not math.isfinite(value):
            raise FieldValueError("must be a finite number")
    else:
        lowered = stripped.lower()
        if lowered in _TRUE:
            value = True
        elif lowered in _FALSE:
            value = False
        else:
            raise FieldValueError("must be yes or no")
    problem = choice_problem(spec, value)
    if problem:
        raise FieldValueError(problem)
    return value


def check_value(spec: FieldSpec, value: object) -> str | None:
    """The local checks (required, type, choices): a message, or None when fine.

    The field's own validator is separate: it is plugin code and runs in a child process.
    """
    if value is None or value == "":
        return "is required" if spec.required else None
    return type_problem(spec, value) or choice_problem(spec, value)


def format_value(spec: FieldSpec, value: object, *, show_secrets: bool = True) -> str:
    """A value as shown to the user (not as TOML): ``yes``, ``42``, ``thread``."""
    from takopi_core.secrets import MASK

    if value is None:
        return ""
    if spec.secret and not show_secrets:
        return MASK
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def describe_fields(backend: object) -> dict[str, Any]:
    """The probe's report on a transport's declared fields (JSON-ready).

    ``{"setup_fields": [...]}``, or ``{"setup_fields_error": message}`` when the declaration
    is malformed: that is reported on the transport rather than failing its load, since the
    run path does not need the fields.
    """
    try:
        fields = declared_fields(backend)
    except FieldDeclarationError as exc:
        return {"setup_fields_error": str(exc)}
    except Exception as exc:  # a `setup_fields` property that raises is plugin code failing
        return {"setup_fields_error": f"reading setup_fields failed: {type(exc).__name__}: {exc}"}
    return {"setup_fields": [to_spec(field).to_json() for field in fields]}
