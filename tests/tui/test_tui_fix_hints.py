"""The TUI says what to do about each error, and a disabled plugin's error is no failure.

Real distributions, the real probe: a plugin missing a declared dependency shows the pip
command (for the interpreter the probe ran) in the error pane and in the detail pane; a
distribution left out of ``[plugins] enabled`` with a bad id is listed but not counted in
"N failed"; its row shows where its dist-info is (defect 13: it said "unknown").
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from support.distfactory import ENGINE_GROUP, Dist, write_dists

from takopi_tui.environment import display_path
from takopi_tui.rows import Status

from .tui_support import SIZE, go_to, make_app, row, settle, static_text

PY = shlex.quote(sys.executable)

NEEDS_DEP = Dist(
    name="takopi-engine-needsdep",
    entry_points={ENGINE_GROUP: {"needsdep": "fx_needsdep.backend:BACKEND"}},
    files={"fx_needsdep/backend.py": "import fx_tui_absent_lib\n"},
    requires=["fx-tui-absent-lib>=3"],
)
BAD_ID = Dist(
    name="fx-tui-badid",
    entry_points={ENGINE_GROUP: {"Bad-Id": "fx_tui_badid.backend:BACKEND"}},
    files={"fx_tui_badid/backend.py": "BACKEND = None\n"},
)


async def test_error_pane_and_details_show_the_fix(isolated_home: Path, config_path: Path) -> None:
    site = write_dists(isolated_home / "site", NEEDS_DEP, BAD_ID)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('[plugins]\nenabled = ["takopi-engine-needsdep"]\n')
    app = make_app(site, real=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert row(app, "needsdep").status is Status.FAILED
        bad = row(app, "Bad-Id")
        assert bad.status is Status.BROKEN and not bad.enabled
        # Its dist-info folder, as for any other row (it used to say "unknown").
        assert bad.location == str(site / "fx_tui_badid-1.0.0.dist-info")
        # One failure: the disabled distribution's bad id is listed, not counted.
        assert "1 failed" in static_text(app, "#summary")

        install = f"{PY} -m pip install 'fx-tui-absent-lib>=3'"
        await go_to(pilot, "needsdep")
        assert f"fix: {install}" in static_text(app, "#error-body")
        details = static_text(app, "#detail-body")
        assert f"Fix           {install}" in details, details

        await go_to(pilot, "Bad-Id")
        details = static_text(app, "#detail-body")
        assert f"Location      {display_path(bad.location)}" in details, details
        assert f"Fix           nothing while it stays disabled; to remove it: {PY} -m pip" in (
            details
        )
        assert "disabled: not counted as a failure" in static_text(app, "#error-body")
