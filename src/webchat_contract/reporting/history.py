"""The nightly trend: each run leaves a compact record in a history directory (``--history DIR``); the report
compares the run with the ones before it.

One JSON file per run, named by its finishing time, so a directory restored from CI artifacts of several jobs
merges by copying. Files that do not parse are left alone and ignored.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .files import to_json_bytes, write_atomically
from .outcomes import FAILED, PASSED

HISTORY_FORMAT = "webchat-contract-history/1"
CHART_RUNS = 30


def history_record(results: Mapping[str, Any]) -> dict[str, Any]:
    """What a later run needs to know about this one."""
    run = results["run"]
    return {
        "format": HISTORY_FORMAT,
        "started_at": run["started_at"],
        "finished_at": run["finished_at"],
        "target": run["target"]["base_url"],
        "schemas_hash": run["schemas_hash"],
        "hypothesis": run["hypothesis"],
        "verdict": results["verdict"],
        "requirements": {r["id"]: r["result"] for r in results["requirements"]},
        "failing_tests": sorted(t["nodeid"] for t in results["tests"] if t["outcome"] == FAILED),
        "causes": {c["fingerprint"]: c.get("headline") or c["message"] for c in results.get("causes", [])},
    }


def load(directory: Path) -> list[dict[str, Any]]:
    """The runs recorded in ``directory``, oldest first."""
    runs = []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("format") == HISTORY_FORMAT:
            runs.append(record)
    return sorted(runs, key=lambda r: str(r.get("finished_at", "")))


def append(directory: Path, record: Mapping[str, Any]) -> Path:
    stamp = datetime.fromisoformat(record["finished_at"]).strftime("%Y%m%dT%H%M%SZ")
    # the random part keeps two runs finishing in the same second (parallel CI jobs) apart
    return write_atomically(directory / f"{stamp}-{secrets.token_hex(3)}.json", to_json_bytes(record))


@dataclass
class Point:
    date: str
    passed: int
    total: int
    verdict: str


@dataclass
class Trend:
    previous_date: str | None = None
    newly_failing: list[str] = field(default_factory=list)  # requirement ids
    fixed: list[str] = field(default_factory=list)
    failing_since: dict[str, str] = field(default_factory=dict)  # requirement id -> date its failing began
    newly_failing_tests: list[str] = field(default_factory=list)
    fixed_tests: list[str] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)  # the last CHART_RUNS runs, this one last
    new_causes: list[str] = field(default_factory=list)  # fingerprints
    fixed_causes: dict[str, str] = field(default_factory=dict)  # fingerprint -> its message, when last seen
    cause_since: dict[str, str] = field(default_factory=dict)  # fingerprint -> date its streak began

    def to_json(self) -> dict[str, Any]:
        return {
            "previous_run": self.previous_date,
            "newly_failing": self.newly_failing,
            "fixed": self.fixed,
            "failing_since": self.failing_since,
            "newly_failing_tests": self.newly_failing_tests,
            "fixed_tests": self.fixed_tests,
            "passed_requirements": [p.__dict__ for p in self.points],
            "new_causes": self.new_causes,
            "fixed_causes": self.fixed_causes,
            "cause_since": self.cause_since,
        }


def trend(earlier: list[dict[str, Any]], current: Mapping[str, Any]) -> Trend:
    """This run (a history record) against the ``earlier`` ones (oldest first)."""
    runs = [*earlier, current]
    result = Trend(points=[_point(run) for run in runs[-CHART_RUNS:]])
    failing_now = _with_result(current, FAILED)
    result.failing_since = {rid: _failing_since(rid, runs) for rid in sorted(failing_now)}
    causes_now = current.get("causes", {})
    result.cause_since = {f: _cause_since(f, runs) for f in sorted(causes_now)}
    if not earlier:
        return result
    previous = earlier[-1]
    result.previous_date = previous.get("finished_at")
    failing_before = _with_result(previous, FAILED)
    result.newly_failing = sorted(failing_now - failing_before)
    result.fixed = sorted(failing_before & _with_result(current, PASSED))
    tests_now, tests_before = set(current["failing_tests"]), set(previous.get("failing_tests", []))
    result.newly_failing_tests = sorted(tests_now - tests_before)
    result.fixed_tests = sorted(tests_before - tests_now)
    causes_before = previous.get("causes", {})
    result.new_causes = sorted(set(causes_now) - set(causes_before))
    result.fixed_causes = {f: m for f, m in sorted(causes_before.items()) if f not in causes_now}
    return result


def _cause_since(fingerprint: str, runs: list[Mapping[str, Any]]) -> str:
    """The finishing date of the first run of the unbroken streak of runs with this cause, ending with the last."""
    since = runs[-1]["finished_at"]
    for run in reversed(runs):
        if fingerprint not in run.get("causes", {}):
            break
        since = run["finished_at"]
    return since


def _with_result(run: Mapping[str, Any], result: str) -> set[str]:
    return {rid for rid, got in run.get("requirements", {}).items() if got == result}


def _failing_since(requirement: str, runs: list[Mapping[str, Any]]) -> str:
    """The finishing date of the first run of the unbroken streak of failures that ends with the last run."""
    since = runs[-1]["finished_at"]
    for run in reversed(runs):
        if run.get("requirements", {}).get(requirement) != FAILED:
            break
        since = run["finished_at"]
    return since


def _point(run: Mapping[str, Any]) -> Point:
    results = run.get("requirements", {})
    passed = sum(1 for got in results.values() if got == PASSED)
    return Point(str(run.get("finished_at", "")), passed, len(results), str(run.get("verdict", "")))
