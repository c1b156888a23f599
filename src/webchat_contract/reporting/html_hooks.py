"""pytest-html: the stylesheet, the verdict as the title, the report sections above its summary, the Contract and
Requirements columns of its results table, and each failed test's findings above its log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from . import html, selection
from .outcomes import phase_outcome
from .records import REPORT_ATTRIBUTE
from .run_state import Run

CSS_PATH = Path(__file__).with_name("report.css")


def configure(config: pytest.Config) -> None:
    """Add the stylesheet and, for a partial run, move the report beside its bundle (under partial/)."""
    if config.getoption("htmlpath", None):
        config.option.css = [*config.getoption("css", []), str(CSS_PATH)]
        if selection.narrowed_by(config):
            config.option.htmlpath = str(selection.partial_path(Path(config.option.htmlpath)))


def attach_failure_extra(report: pytest.TestReport, rerun: str, transcript: str | None, failures: list) -> None:
    from pytest_html import extras

    extra = html.failure_extra(rerun, transcript, failures)
    report.extras = [*getattr(report, "extras", []), extras.html(extra)]


class HtmlReport:
    def __init__(self, run: Run):
        self.run = run

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        self.run.html_report = report
        report.title = html.report_title(None)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str], session) -> None:
        if self.run.results is None:
            return
        tests = {test.nodeid: test for test in self.run.recorder.tests}
        prefix.extend(html.summary_blocks(html.ReportView(self.run.results, tests, self.run.trend)))

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(1, html.contract_header())
        cells.insert(3, html.requirements_header())

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        facts = getattr(report, REPORT_ATTRIBUTE, None) or {}
        outcome = facts.get("outcome") or phase_outcome(report.outcome, getattr(report, "when", "collect"), None, ())
        cells.insert(1, html.contract_cell(outcome))
        cells.insert(3, html.requirements_cell(facts.get("requirements", [])))
