"""The plain view's setup section does not depend on the order the probe pool finished in
(the pool checks plugins in parallel: `takopi tui` through a pipe printed 'telegram: ready'
before 'slack: needs setup' on some runs)."""

from __future__ import annotations

from itertools import permutations

from takopi_core.plugins.probe import LoadResult
from takopi_core.plugins.report import render_setup


def transport(plugin_id: str, ok: bool) -> LoadResult:
    issues = () if ok else (("missing bot token", ("set transports.x.bot_token",)),)
    return LoadResult(
        kind="transport",
        id=plugin_id,
        value=f"{plugin_id}.backend:BACKEND",
        distribution=f"takopi-transport-{plugin_id}",
        version="1.0",
        status="ok",
        setup_ok=ok,
        setup_issues=issues,
    )


def test_the_setup_section_reads_the_same_whatever_order_results_came_in() -> None:
    results = [transport("telegram", True), transport("slack", False), transport("acme", True)]
    texts = {render_setup(list(order)) for order in permutations(results)}
    assert len(texts) == 1
    (text,) = texts
    assert text.splitlines()[:3] == [
        "transport setup:",
        "  acme: ready",
        "  slack: needs setup (run `takopi setup slack`)",
    ]
