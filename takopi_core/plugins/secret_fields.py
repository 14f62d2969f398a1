"""Which config values are secret because a transport says so: its ``SetupField(secret=True)``.

A declared secret field is secret whatever its key is called (a ``webhook_url``), so masking
needs the plugin's declaration. That is plugin code: on the CLI and TUI paths it is read in
the probe's child (:attr:`LoadResult.setup_fields`), the way ``takopi setup`` and the wizard
learn the fields; on the run path the transport is loaded in-process and its
``setup_fields`` are read directly. Both end in a :class:`~takopi_core.secrets.Masker`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from takopi_core.ids import TRANSPORT
from takopi_core.secrets import KeyPath, Masker

if TYPE_CHECKING:  # the TUI builds maskers before its first paint: no probe module yet
    from takopi_core.plugins.fields import FieldSpec
    from takopi_core.plugins.probe import LoadResult

#: `config show` and friends wait at most this long per transport for its declaration.
DECLARATION_TIMEOUT = 5.0


def field_paths(transport_id: str, specs: Iterable[FieldSpec]) -> list[KeyPath]:
    """The config key paths of ``transport_id``'s declared secret fields."""
    return [("transports", transport_id, *spec.keys) for spec in specs if spec.secret]


def declared_secret_paths(results: Iterable[LoadResult]) -> list[KeyPath]:
    """The declared secret fields of every transport in ``results`` (probe results)."""
    paths: list[KeyPath] = []
    for result in results:
        if result.kind == TRANSPORT:
            paths += field_paths(result.id, result.setup_fields)
    return paths


def masker_from_results(data: Mapping[str, Any] | None, results: Iterable[LoadResult]) -> Masker:
    """The masker of config ``data`` when the probe has already run over its transports."""
    return Masker.for_config(data, declared_secret_paths(results))


def backend_secret_paths(transport_id: str, backend: object) -> list[KeyPath]:
    """The declared secret fields of a transport loaded in this process (the run path)."""
    from takopi_core.plugins.fields import FieldDeclarationError, declared_fields, to_spec

    try:
        fields = declared_fields(backend)
    except FieldDeclarationError:
        return []
    except Exception:  # a `setup_fields` property that raises: nothing declared to go by
        return []
    return field_paths(transport_id, (to_spec(field) for field in fields))


def config_masker(
    data: Mapping[str, Any] | None,
    config_path: Path,
    *,
    search_path: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = DECLARATION_TIMEOUT,
    known: Iterable[KeyPath] = (),
    skip: Iterable[str] = (),
) -> Masker:
    """The masker of config ``data``, asking the transports for their declared fields.

    Only transports with a ``[transports.<id>]`` table holding a string not already masked
    by its key name are asked (in the probe's child, without ``check_setup``, about 1 s), so
    a config with none costs nothing: a table of a secret-named token and numbers (a chat
    id) is shown at once. A secret is a string; a number declared secret is masked where
    a plugin asks for it (setup, doctor, the TUI), not here. A transport that fails to
    load declares nothing. ``known`` are secret paths already known (a transport loaded
    here), ``skip`` the transports they cover.
    """
    masker = Masker.for_config(data, known)
    candidates = _tables_to_ask(data or {}, masker) - set(skip)
    if not candidates:
        return masker
    from takopi_core.config.toml import enabled_list
    from takopi_core.errors import ConfigError
    from takopi_core.plugins.discovery import discover
    from takopi_core.plugins.probe import DEFAULT_TIMEOUT, Probe

    try:
        enabled = enabled_list(dict(data or {}), config_path)
    except ConfigError:
        enabled = []
    found = discover(enabled, kinds=(TRANSPORT,), path=list(search_path) if search_path else None)
    # Disabled transports too: a secret stays one when its plugin is switched off.
    entries = [e for e in found.entries if e.id in candidates]
    if not entries:
        return masker
    probe = Probe(entries, timeout=min(timeout, DEFAULT_TIMEOUT), env=env)
    return Masker.for_config(data, [*masker.paths, *declared_secret_paths(probe.results())])


def _tables_to_ask(data: Mapping[str, Any], masker: Masker) -> set[str]:
    transports = data.get("transports")
    if not isinstance(transports, Mapping):
        return set()
    from takopi_core.secrets import leaves

    return {
        str(transport_id)
        for transport_id, table in transports.items()
        if isinstance(table, Mapping)
        and any(
            isinstance(value, str) and value and not masker.is_secret(keys)
            for keys, value in leaves(table, ("transports", str(transport_id)))
        )
    }
