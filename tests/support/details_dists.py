"""Distributions with full metadata, for the details page tests and snapshots.

ROCKET has everything a published plugin's METADATA can say (URLs, people, licence fields,
extras, a Markdown README with a link and an image) and dependencies that are installed,
missing and installed at the wrong version in the same site. HOSTILE's metadata is made to
break a terminal UI: control sequences, markup, a 5 MB README.
"""

from __future__ import annotations

from support.demo_plugins import engine_code
from support.distfactory import ENGINE_GROUP, Dist

ROCKET_README = (
    """\
# Rocket engine

Runs the **rocket** agent CLI for Takopi. See the [documentation](https://rocket.example/docs)
or ![the logo](https://rocket.example/logo.png "never fetched").

## Install

```sh
pip install takopi-engine-rocket
```

## Configure

| key | meaning |
|---|---|
| `model` | the model to run |
| `timeout` | seconds per turn |

- fast start
- resumable sessions
- works offline

## Changelog

"""
    + "\n".join(f"- 1.{n}.0: fixed thing number {n}" for n in range(12, 0, -1))
    + "\n"
)

ROCKET = Dist(
    name="takopi-engine-rocket",
    version="1.4.0",
    summary="Rocket agent engine for Takopi",
    requires_python=">=3.99",
    requires=[
        "rocket-sdk>=2,<3",
        "rocket-proto>=1.0",
        "rocket-cache",
        "takopi>=0.23,<0.24",
        'rocket-win ; sys_platform == "win32"',
        'rocket-tracing>=1 ; extra == "tracing"',
    ],
    entry_points={ENGINE_GROUP: {"rocket": "rocket_engine.backend:BACKEND"}},
    files={"rocket_engine/backend.py": engine_code("rocket")},
    headers=[
        ("Home-page", "https://rocket.example"),
        ("Project-URL", "Source, https://git.example/rocket"),
        ("Project-URL", "Issues, https://git.example/rocket/issues"),
        ("Author", "Ada Lovelace"),
        ("Author-email", "ada@rocket.example"),
        ("License-Expression", "Apache-2.0"),
        ("Classifier", "License :: OSI Approved :: Apache Software License"),
        ("Provides-Extra", "tracing"),
        ("Description-Content-Type", "text/markdown"),
    ],
    description=ROCKET_README,
)

ROCKET_DEPS = (
    Dist(name="rocket-sdk", version="2.3.1"),
    Dist(name="rocket-proto", version="0.9.0"),
)

ESC = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b[31m"

HOSTILE = Dist(
    name="takopi-engine-hostile",
    version="6.6.6",
    summary=f"[bold red]LOUD[/bold red] {ESC} summary",
    requires=["[link=x]dep[/link]"],
    entry_points={ENGINE_GROUP: {"hostile": "hostile_engine.backend:BACKEND"}},
    files={"hostile_engine/backend.py": engine_code("hostile")},
    headers=[
        ("Author", f"Mallory [/] {ESC}"),
        ("Project-URL", f"Home [b]x, javascript:alert(1){ESC}"),
        ("Description-Content-Type", "text/markdown"),
    ],
    description=(
        f"# Title {ESC}\n\n[click me](javascript:alert(1)) [bold]NOTMARKUP[/bold] {ESC}\n\n"
        + ("filler paragraph with [red]brackets[/red] and more text to fill it up\n\n" * 80_000)
    )[: 5 * 1024 * 1024],
)
