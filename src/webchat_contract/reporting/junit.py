"""A run that ends before its tests could (target unreachable, credentials refused, Ctrl-C) still leaves a JUnit
file a CI gate reads as failed: one error test case naming the cause, instead of zero test cases."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from _pytest.junitxml import xml_key
from _pytest.reports import TestReport

RUN_CASE = "webchat-contract::run"
# the run errors that end a run: pytest.exit (the suite's way to stop when the target cannot be used), Ctrl-C, a crash
ENDING_KINDS = ("exit", "interrupted", "internal")


def add_run_error_case(config: Any, run_errors: Iterable[dict[str, Any]]) -> None:
    """Add the case to the JUnit file about to be written (``--junitxml``), if a run error ended the run."""
    logxml = config.stash.get(xml_key, None)
    causes = [error["cause"] for error in run_errors if error.get("kind") in ENDING_KINDS]
    if logxml is None or not causes:
        return
    message = "the run could not finish: " + "; ".join(causes)
    location = (RUN_CASE.split("::")[0], None, "run")
    for when, outcome, longrepr in (("setup", "failed", message), ("teardown", "passed", None)):
        report = TestReport(RUN_CASE, location, {}, outcome, longrepr, when, user_properties=[])
        logxml.pytest_runtest_logreport(report)
