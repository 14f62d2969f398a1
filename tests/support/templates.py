"""The source text of the stub plugins the tests install: a transport, an engine, a command.

Each function returns the whole module a third-party plugin would write (it imports only
``takopi.api`` and the standard library), so a test that fails can print it and it reads as
a plugin. A test names only what it changes (a ``check_setup`` body, declared fields, a lock
token); everything else is the plain stub: no setup issues, ``interactive_setup`` returns
True, no lock token, ``build_and_run`` / ``build_runner`` raise ``NotImplementedError``.

Bodies are given unindented (or indented any way: they are dedented) and placed at the right
depth. The ``from takopi.api import ...`` line lists the API names the module uses.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Collection, Sequence

from support.distfactory import COMMAND_GROUP, ENGINE_GROUP, TRANSPORT_GROUP, Dist
from takopi_core.api import __all__ as API_NAMES

#: Entry-point group of each plugin kind.
GROUPS = {"engine": ENGINE_GROUP, "transport": TRANSPORT_GROUP, "command": COMMAND_GROUP}

#: The default ``check_setup`` body: ready, nothing to report.
NO_ISSUES = 'return SetupResult(issues=[], config_path=Path("takopi.toml"))'


def _quote(text: str) -> str:
    """``text`` as a Python string literal, in double quotes where it has none itself."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        literal = '"' + literal[1:-1].replace("\\'", "'") + '"'
    return literal


def _block(code: str, depth: int) -> str:
    """``code`` dedented, stripped of blank edges and indented ``depth`` levels."""
    return textwrap.indent(textwrap.dedent(code).strip("\n"), "    " * depth)


def _class_head(class_name: str, plugin_id: str, description: str) -> str:
    """``class NAME:`` with its ``id`` and ``description`` attributes."""
    return (
        f"class {class_name}:\n"
        f"    id = {_quote(plugin_id)}\n"
        f"    description = {_quote(description)}\n"
    )


def _method(name: str, params: str, body: str, *, is_async: bool = False) -> str:
    keyword = "async def" if is_async else "def"
    return f"    {keyword} {name}(self, {params}):\n{_block(body, 2)}\n"


def _module(imports: str, prelude: str, body: str) -> str:
    """Imports (with the takopi.api names ``prelude`` and ``body`` use), prelude, body."""
    code = f"{prelude}\n{body}"
    used = [name for name in sorted(API_NAMES) if re.search(rf"\b{name}\b", code)]
    lines = [_block(imports, 0)] if imports.strip() else []
    if used:
        lines.append(f"from takopi.api import {', '.join(used)}")
    parts = ["\n".join(lines)] if lines else []
    if prelude.strip():
        parts.append(_block(prelude, 0))
    parts.append(body.strip("\n"))
    return "\n\n\n".join(parts) + "\n"


def transport_source(
    transport_id: str,
    *,
    description: str = "test transport",
    class_name: str = "Backend",
    imports: str = "from pathlib import Path",
    prelude: str = "",
    setup_fields: Sequence[str] = (),
    check_setup: str = NO_ISSUES,
    interactive_setup: str = "return True",
    lock_token: str = "return None",
    lock_token_params: str = "*, transport_config, config_path",
    build_and_run: str = "raise NotImplementedError",
    build_and_run_params: str = "**kwargs",
    omit: Collection[str] = (),
) -> str:
    """A transport plugin module: class ``class_name`` and ``BACKEND = class_name()``.

    ``setup_fields`` are the ``SetupField(...)`` expressions of the declared fields (none:
    no ``setup_fields`` attribute); ``prelude`` is module code before the class (helpers,
    validators); ``omit`` names methods to leave out (a plugin that is not a transport).
    """
    body = _class_head(class_name, transport_id, description)
    if setup_fields:
        fields = "".join(f"{_block(field, 2)},\n" for field in setup_fields)
        body += f"    setup_fields = (\n{fields}    )\n"
    methods = [
        ("check_setup", "engine_backend, *, transport_override=None", check_setup, False),
        ("interactive_setup", "*, force", interactive_setup, True),
        ("lock_token", lock_token_params, lock_token, False),
        ("build_and_run", build_and_run_params, build_and_run, False),
    ]
    for name, params, method_body, is_async in methods:
        if name not in omit:
            body += "\n" + _method(name, params, method_body, is_async=is_async)
    body += f"\n\nBACKEND = {class_name}()"
    return _module(imports, prelude, body)


def engine_source(
    engine_id: str,
    *,
    cli_cmd: str | None = None,
    install_cmd: str | None = None,
    imports: str = "",
    prelude: str = "",
    build_runner: str = "raise NotImplementedError",
) -> str:
    """An engine plugin module: ``build_runner`` and ``BACKEND = EngineBackend(...)``.

    ``cli_cmd`` defaults to the engine id; ``install_cmd`` is left out when None.
    """
    arguments = [
        f"id={_quote(engine_id)}",
        "build_runner=build_runner",
        f"cli_cmd={_quote(cli_cmd or engine_id)}",
    ]
    if install_cmd is not None:
        arguments.append(f"install_cmd={_quote(install_cmd)}")
    body = (
        f"def build_runner(config, config_path):\n{_block(build_runner, 1)}\n\n\n"
        f"BACKEND = EngineBackend({', '.join(arguments)})"
    )
    return _module(imports, prelude, body)


def command_source(
    command_id: str,
    *,
    description: str = "test command",
    class_name: str = "Command",
    imports: str = "",
    prelude: str = "",
    handle: str = "return None",
    is_async: bool = True,
) -> str:
    """A command plugin module: class ``class_name`` with ``handle(self, ctx)`` running
    ``handle`` (async unless ``is_async`` is False) and ``BACKEND = class_name()``."""
    body = (
        _class_head(class_name, command_id, description)
        + "\n"
        + _method("handle", "ctx", handle, is_async=is_async)
        + f"\n\nBACKEND = {class_name}()"
    )
    return _module(imports, prelude, body)


def plugin_dist(
    name: str,
    kind: str,
    plugin_id: str,
    source: str,
    *,
    module: str,
    version: str = "1.0.0",
    requires: Sequence[str] = (),
    requires_python: str | None = None,
) -> Dist:
    """Distribution ``name`` with one plugin: ``kind`` ``plugin_id`` at ``module:BACKEND``.

    ``source`` is written to ``module``'s file: ``a/b.py`` for ``a.b``, ``a/__init__.py``
    for a top-level ``a``.
    """
    parts = module.split(".")
    path = "/".join(parts) + ".py" if len(parts) > 1 else f"{module}/__init__.py"
    return Dist(
        name=name,
        version=version,
        entry_points={GROUPS[kind]: {plugin_id: f"{module}:BACKEND"}},
        files={path: source},
        requires=list(requires),
        requires_python=requires_python,
    )
