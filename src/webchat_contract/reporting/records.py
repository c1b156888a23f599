"""What the run did, gathered from test reports: one record per test, and the errors of the run itself.

Reports reach this module on the process that writes the reports (the xdist controller, or the only process), so
everything it needs travels on the report as plain data (``report.webchat``, set by the plugin as the report is made).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ..violations import recorded
from . import outcomes
from .outcomes import ERROR, FAILED, NOT_VERIFIED, PASSED

REPORT_ATTRIBUTE = "webchat"
CUT_OFF_PHASE = "cut off"  # a test that was running when the run stopped: pytest made no report for it
# matrix columns, in reading order; a suite module test_<name>.py is the concern <name> (with these aliases)
CONCERNS = (
    "happy path",
    "permissions",
    "authentication",
    "crud",
    "validation",
    "generated",
    "client headers",
    "official SDK",
)
CONCERN_ALIASES = {"auth": "authentication", "sdk": "official SDK"}
OTHER_CONCERN = "other"
_MODULE_NAME = re.compile(r"^test_(?P<concern>\w+)\.py$")
# pytest-xdist --dist loadgroup appends "@<group>" to the node ids of grouped tests; parameters end with "]"
_XDIST_GROUP_SUFFIX = re.compile(r"@[^\[\]@:/]+$")


def selectable_nodeid(nodeid: str) -> str:
    """The node id a person selects the test by: without pytest-xdist's ``@group`` suffix."""
    return _XDIST_GROUP_SUFFIX.sub("", nodeid)


def concern_of(nodeid: str) -> str:
    """``suites/test_happy_path.py::test_x`` -> ``happy path``; ``auth`` -> ``authentication``."""
    match = _MODULE_NAME.match(PurePosixPath(nodeid.split("::", 1)[0]).name)
    if not match:
        return OTHER_CONCERN
    name = match["concern"]
    return CONCERN_ALIASES.get(name, name.replace("_", " "))


def ordered_concerns(found: Iterable[str]) -> list[str]:
    """The matrix columns: every known concern in reading order, then any other found, alphabetically."""
    return list(CONCERNS) + sorted(set(found) - set(CONCERNS))


def first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0].strip() if stripped else ""


def report_message(report: Any) -> str:
    """The first line of what a report says went wrong or why it was skipped; empty for a pass."""
    longrepr = report.longrepr
    if report.passed or longrepr is None:
        return ""
    if isinstance(longrepr, tuple):  # a skip: (path, line, "Skipped: reason")
        return first_line(str(longrepr[2]).removeprefix("Skipped: "))
    crash = getattr(longrepr, "reprcrash", None)
    return first_line(crash.message if crash is not None else str(longrepr))


@dataclass
class Phase:
    when: str  # setup, call, teardown (or ??? for a crashed xdist worker)
    outcome: str
    message: str
    duration: float


@dataclass
class TestRecord:
    nodeid: str
    reported_as: str = ""  # the node id on its reports (and pytest-html's rows), when it differs
    requirements: list[str] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    principal: str | None = None
    rerun: str | None = None
    phases: list[Phase] = field(default_factory=list)
    violated: list[str] = field(default_factory=list)  # requirements its checks saw broken (violations.py)

    def outcome_for(self, requirement: str) -> str | None:
        """What this test says about one requirement: failed if it saw it violated; a failure that names its
        violations says nothing about the other requirements it declares; otherwise its outcome."""
        if requirement in self.violated:
            return FAILED
        if requirement not in self.requirements or (self.outcome == FAILED and self.violated):
            return None
        return self.outcome

    failures: list[dict[str, Any]] = field(default_factory=list)  # what it found broken (see failures.py)
    exchanges: int = 0  # requests it sent

    @property
    def concern(self) -> str:
        return concern_of(self.nodeid)

    @property
    def outcome(self) -> str:
        return outcomes.worst((p.outcome for p in self.phases), empty=NOT_VERIFIED)

    @property
    def decisive_phase(self) -> Phase | None:
        """The first phase with the test's outcome: where its message comes from."""
        return next((p for p in self.phases if p.outcome == self.outcome), None)

    @property
    def message(self) -> str:
        phase = self.decisive_phase
        return phase.message if phase is not None and self.outcome != PASSED else ""

    @property
    def duration(self) -> float:
        return sum(p.duration for p in self.phases)

    @property
    def row_id(self) -> str | None:
        """The id pytest-html gives the test's row in its results table: the node id for the call phase,
        ``nodeid::setup`` (or teardown) for a phase that did not pass when the test never got to its call;
        ``None`` when the test has no row (it was cut off)."""
        reported_as = self.reported_as or self.nodeid
        if any(p.when == "call" for p in self.phases):
            return reported_as
        phase = self.decisive_phase
        if phase is None or phase.when == CUT_OFF_PHASE:
            return None
        return f"{reported_as}::{phase.when}"

    def to_json(self) -> dict[str, Any]:
        data = {
            "nodeid": self.nodeid,
            "outcome": self.outcome,
            "duration": round(self.duration, 3),
            "concern": self.concern,
            "operations": self.operations,
            "principal": self.principal,
            "requirements": self.requirements,
            "violated": self.violated,
            "message": self.message,
        }
        data["exchanges"] = self.exchanges
        if self.outcome in (FAILED, ERROR) and self.rerun:
            data["rerun"] = self.rerun
        return data


@dataclass(frozen=True)
class RunError:
    """Something that kept the suite from doing its job, with its cause in one line."""

    kind: str  # exit, interrupted, internal, collection, worker, test
    cause: str
    tests: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "cause": self.cause, "tests": list(self.tests)}


class RunRecorder:
    """Collects test records from reports and the run's own errors."""

    def __init__(self) -> None:
        self._tests: dict[str, TestRecord] = {}
        self._run_errors: list[RunError] = []

    def add_report(self, report: Any) -> None:
        facts = getattr(report, REPORT_ATTRIBUTE, None) or fallback_facts(report)
        nodeid = selectable_nodeid(report.nodeid)
        record = self._tests.setdefault(nodeid, TestRecord(nodeid, reported_as=report.nodeid))
        record.requirements = facts.get("requirements") or record.requirements
        record.operations = facts.get("operations") or record.operations
        record.principal = facts.get("principal") or record.principal
        record.rerun = facts.get("rerun") or record.rerun
        record.violated = sorted({*record.violated, *facts.get("violated", [])})
        record.failures += facts.get("failures") or []
        record.exchanges = max(record.exchanges, int(facts.get("exchanges") or 0))
        record.phases.append(Phase(report.when, facts["outcome"], facts.get("message", ""), report.duration or 0.0))

    def add_cut_off(self, reported_as: str, cause: str) -> None:
        nodeid = selectable_nodeid(reported_as)
        record = self._tests.setdefault(nodeid, TestRecord(nodeid, reported_as=reported_as))
        record.phases.append(Phase(CUT_OFF_PHASE, ERROR, first_line(cause), 0.0))

    def add_run_error(self, kind: str, cause: str, tests: Iterable[str] = ()) -> None:
        error = RunError(kind, first_line(cause) or kind, tuple(tests))
        if error not in self._run_errors:
            self._run_errors.append(error)

    @property
    def tests(self) -> list[TestRecord]:
        return sorted(self._tests.values(), key=lambda t: t.nodeid)

    @property
    def run_errors(self) -> list[RunError]:
        """The run's own errors, then the tests in error grouped by cause (with a run error of the same cause)."""
        errors = list(self._run_errors)
        by_cause: dict[str, list[str]] = {}
        for test in self.tests:
            if test.outcome == ERROR:
                by_cause.setdefault(test.message or "(no message)", []).append(test.nodeid)
        for cause, ids in by_cause.items():
            same = next((n for n, error in enumerate(errors) if error.cause == cause), None)
            if same is None:
                errors.append(RunError("test", cause, tuple(ids)))
            else:
                errors[same] = RunError(errors[same].kind, cause, errors[same].tests + tuple(ids))
        return errors


def fallback_facts(report: Any) -> dict[str, Any]:
    """Facts for a report this plugin did not see being made (a crashed xdist worker's, another plugin's)."""
    properties = dict(getattr(report, "user_properties", ()) or ())
    return {
        "outcome": outcomes.phase_outcome(report.outcome, report.when, None, ()),
        "message": report_message(report),
        "requirements": str(properties.get("requirements", "")).split(),
        "operations": str(properties.get("operations", "")).split(),
        "violated": violated_requirements(getattr(report, "user_properties", ()) or ()),
    }


def violated_requirements(user_properties: Any) -> list[str]:
    return sorted({v.get("requirement", "") for v in recorded(user_properties)} - {""})
