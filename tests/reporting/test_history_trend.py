"""``--history``: the nightly trend, what newly fails, what was fixed, since when."""

from __future__ import annotations

from typing import Any

from bundles import (
    FAULT_REQUIREMENT,
)

from webchat_contract.reporting import history
from webchat_contract.reporting.outcomes import (
    CONFORMANT,
    FAILED,
    NOT_CONFORMANT,
    PASSED,
)

# --- the nightly trend --------------------------------------------------------------------------------------------


def test_history_shows_what_newly_fails_and_since_when(not_conformant, history_dir):
    trend = not_conformant.results["trend"]
    assert len(list(history_dir.glob("*.json"))) == 2
    assert trend["previous_run"] is not None
    assert trend["newly_failing"] == [FAULT_REQUIREMENT] and trend["fixed"] == []
    assert trend["failing_since"] == {FAULT_REQUIREMENT: not_conformant.results["run"]["finished_at"]}
    assert [p["verdict"] for p in trend["passed_requirements"]] == [CONFORMANT, NOT_CONFORMANT]
    assert "newly failing" in not_conformant.html and "<svg" in not_conformant.html


def _record(day: int, **results: str) -> dict[str, Any]:
    requirements = {"WC-A": PASSED, "WC-B": PASSED, **results}
    failing = FAILED in requirements.values()
    return {
        "finished_at": f"2026-11-{day:02d}T03:00:00+00:00",
        "verdict": NOT_CONFORMANT if failing else CONFORMANT,
        "requirements": requirements,
        "failing_tests": [f"t::{rid}" for rid, got in requirements.items() if got == FAILED],
    }


def test_trend_tells_fixed_from_newly_failing_and_dates_the_failing_streak():
    earlier = [_record(1, **{"WC-B": FAILED}), _record(2, **{"WC-A": FAILED, "WC-B": FAILED})]
    trend = history.trend(earlier, _record(3, **{"WC-A": FAILED}))
    assert trend.newly_failing == [] and trend.fixed == ["WC-B"]
    assert trend.failing_since == {"WC-A": "2026-11-02T03:00:00+00:00"}
    assert trend.fixed_tests == ["t::WC-B"]
    assert [p.passed for p in trend.points] == [1, 0, 1]


def test_the_trend_chart_keeps_the_last_30_runs():
    runs = [_record(1 + n % 28) for n in range(40)]
    assert len(history.trend(runs[:-1], runs[-1]).points) == history.CHART_RUNS
