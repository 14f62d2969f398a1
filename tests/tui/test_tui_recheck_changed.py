"""After a reload only what changed is checked again; `l` still checks everything.

Real distributions and the real probe (issue 14, point 2): each plugin's module appends a
mark to a counter file every time a checker imports it, so the files say which plugins
were probed, and how often.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from support.demo_plugins import engine_code
from support.distfactory import ENGINE_GROUP, Dist, write_dists

from takopi_tui.probing import ProbeRequest, real_probe
from takopi_tui.rows import Status, count_rows

from .tui_support import SIZE, make_app, notifications, row, settle, wait_for


def _counting(name: str, counts: Path, *, broken: bool = False) -> Dist:
    """An engine distribution whose module records each import in ``counts/<id>``."""
    code = (
        f"with open({str(counts / name)!r}, 'a') as _f:\n    _f.write('x')\n"
        + ("raise RuntimeError('broken on purpose')\n" if broken else "")
        + engine_code(name)
    )
    return Dist(
        name=f"takopi-engine-{name}",
        entry_points={ENGINE_GROUP: {name: f"{name}_engine:BACKEND"}},
        files={f"{name}_engine.py": code},
    )


def _imports(counts: Path, name: str) -> int:
    path = counts / name
    return len(path.read_text()) if path.exists() else 0


def _later(path: Path) -> None:
    stamp = time.time() + 2
    os.utime(path, (stamp, stamp))


def _logging_probe(log: list[list[str]]):
    def factory(request: ProbeRequest):
        log.append(sorted(entry.id for entry in request.entries))
        return real_probe(request)

    return factory


async def test_a_saved_module_rechecks_that_plugin_only(tmp_path: Path, config_path: Path):
    site, counts = tmp_path / "site", tmp_path / "counts"
    counts.mkdir()
    write_dists(site, _counting("alpha", counts), _counting("beta", counts, broken=True))
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('[plugins]\nenabled = ["takopi-engine-alpha", "takopi-engine-beta"]\n')
    requests: list[list[str]] = []
    app = make_app(site, probe_factory=_logging_probe(requests), watch_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert (_imports(counts, "alpha"), _imports(counts, "beta")) == (1, 1)
        assert row(app, "beta").status is Status.FAILED
        failed_before = count_rows(app.plugins_screen.rows).failed
        # The author saves alpha's module: the watcher reloads, and only alpha is probed.
        module = site / "alpha_engine.py"
        module.write_text(module.read_text() + "\n# saved again\n")
        _later(module)
        seen_beta: set[Status] = set()
        seen_failed: set[int] = set()

        def alpha_checked_again() -> bool:
            seen_beta.add(row(app, "beta").status)
            seen_failed.add(count_rows(app.plugins_screen.rows).failed)
            return _imports(counts, "alpha") == 2 and row(app, "alpha").status is Status.OK

        await wait_for(pilot, alpha_checked_again, what="alpha checked again")
        await settle(pilot)
        assert _imports(counts, "beta") == 1  # beta's checker never ran again
        assert requests[-1] == ["alpha"]
        # beta's row kept its result all along: the failure count did not flicker.
        assert seen_beta == {Status.FAILED}
        assert seen_failed == {failed_before}
        assert any("installed plugins changed" in n for n in notifications(app))
        # `l` checks everything again.
        await pilot.press("l")
        await settle(pilot)
        assert (_imports(counts, "alpha"), _imports(counts, "beta")) == (3, 2)
        assert requests[-1] == ["alpha", "beta"]


async def test_enabling_a_plugin_in_the_config_checks_just_it(tmp_path: Path, config_path: Path):
    site, counts = tmp_path / "site", tmp_path / "counts"
    counts.mkdir()
    write_dists(site, _counting("alpha", counts), _counting("beta", counts))
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text('[plugins]\nenabled = ["takopi-engine-alpha"]\n')
    requests: list[list[str]] = []
    app = make_app(site, probe_factory=_logging_probe(requests), watch_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert row(app, "beta").status is Status.DISABLED
        assert (_imports(counts, "alpha"), _imports(counts, "beta")) == (1, 0)
        config_path.write_text(
            '[plugins]\nenabled = ["takopi-engine-alpha", "takopi-engine-beta"]\n'
        )
        _later(config_path)
        await wait_for(pilot, lambda: row(app, "beta").status is Status.OK, what="beta ok")
        await settle(pilot)
        assert requests[-1] == ["beta"]
        assert (_imports(counts, "alpha"), _imports(counts, "beta")) == (1, 1)
        assert row(app, "alpha").status is Status.OK


async def test_saving_an_enabled_plugin_checks_just_it(demo_site: Path, demo_config: Path):
    from takopi_tui.screens.dialogs import DiffDialog

    from .tui_support import go_to, scripted

    calls: list[ProbeRequest] = []
    app = make_app(demo_site, probe_factory=scripted(log=calls))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = {entry.id for entry in calls[-1].entries}
        assert "discord" not in first and "acme" in first
        await go_to(pilot, "discord")
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffDialog), what="diff dialog")
        await pilot.press("y")
        await wait_for(pilot, lambda: row(app, "discord").status is Status.OK, what="discord ok")
        await settle(pilot)
        assert [entry.id for entry in calls[-1].entries] == ["discord"]
        assert row(app, "acme").status is Status.OK  # kept, not checked again
        assert len(calls) == 2
