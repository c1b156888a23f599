"""Redaction at the exits: reports go to the terminal, JUnit and HTML, and a secret in one is replaced before any of
them sees it, whatever rewrote the report after it was made."""

from __future__ import annotations

import pytest

from .. import pytest_plugin as suite
from .records import REPORT_ATTRIBUTE
from .redact import Redactor, redact_in_place, redact_json

REDACTION_PLUGIN = "webchat-contract-redaction"  # its name, to block it (-p no:...) and show what it keeps out


def redact_report(report: pytest.TestReport, redact: Redactor) -> None:
    """Reports go to the terminal, JUnit and HTML: a secret in one is replaced before any of them sees it."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        report.longrepr = (*longrepr[:2], redact(str(longrepr[2])))
    elif longrepr is not None and redact.leaks(str(longrepr)):
        redact_in_place(longrepr, redact)
        if redact.leaks(str(longrepr)):  # something the walk did not reach: the text, redacted, is what is left
            report.longrepr = redact(str(longrepr))
    report.sections = [(title, redact(content)) for title, content in report.sections]
    report.user_properties = [(name, redact_json(value, redact)) for name, value in report.user_properties]
    facts = getattr(report, REPORT_ATTRIBUTE, None)
    if isinstance(facts, dict):
        setattr(report, REPORT_ATTRIBUTE, redact_json(facts, redact))


class RedactionAtTheExits:
    """Registered in every process: whatever rewrote a report after it was made (schemathesis rewrites a failure's
    longrepr in pytest_exception_interact), it is redacted again before the terminal, JUnit or HTML read it."""

    def __init__(self, config: pytest.Config):
        self.config = config

    @staticmethod
    def redact(report: pytest.TestReport, redactor: Redactor) -> None:
        redact_report(report, redactor)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        redact_report(report, suite.run_redactor(self.config))

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_exception_interact(self, node, call, report):
        try:
            return (yield)
        finally:
            redact_report(report, suite.run_redactor(self.config))
