"""The process that writes the reports (the only one, or the xdist controller): what it learns about the run as it
goes (each test's facts, run errors, what the workers sent), kept in the ``Run`` the other parts read."""

from __future__ import annotations

from typing import Any

import pytest

from .records import REPORT_ATTRIBUTE, report_message
from .run_facts import declares_requirements
from .run_state import Run
from .worker import WORKER_OUTPUT_KEY, interruption


class Gathering:
    def __init__(self, run: Run):
        self.run = run

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.run.suite_run = self.run.suite_run or declares_requirements(session.items)

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.run.running.add(nodeid)

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.run.running.discard(nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.run.recorder.add_report(report)
        self.run.suite_run = self.run.suite_run or bool(getattr(report, REPORT_ATTRIBUTE, {}).get("requirements"))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.run.add_run_error("collection", f"cannot collect {report.nodeid}: {report_message(report)}")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        self.run.add_run_error(**interruption(excinfo), ends_run=True)

    def pytest_internalerror(self, excinfo: pytest.ExceptionInfo) -> None:
        cause = f"pytest internal error: {excinfo.typename}: {excinfo.value}"
        self.run.add_run_error("internal", cause, ends_run=True)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = (getattr(node, "workeroutput", None) or {}).get(WORKER_OUTPUT_KEY, {})
        self.run.workers[str(node.gateway.id)] = output
        self.run.suite_run = self.run.suite_run or output.get("suite_run", False)
        for run_error in output.get("run_errors", []):
            self.run.add_run_error(run_error["kind"], run_error["cause"], ends_run=True)
        if error is not None:
            self.run.add_run_error("worker", f"xdist worker {node.gateway.id} went down: {error}")
