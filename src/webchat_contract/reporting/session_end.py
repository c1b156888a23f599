"""At the end of the session, in the process that writes the reports: the verdict decided, the baseline applied to
the exit status, results.json, certificate.json and the history written; then the verdict handed to pytest-html's
title, JUnit, and the terminal when pytest shows no summary of its own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .. import pytest_plugin as suite
from . import baseline, history, html, junit, terminal
from .options import BASELINE_OPTION, HISTORY_OPTION
from .outcomes import ERROR
from .redact import redact_json
from .results import build_results, write_bundle
from .run_facts import COMPLETE_EXIT_CODES, run_metadata
from .run_state import Run

DEFAULT_REPORTS_DIR = "reports"


class SessionEnd:
    def __init__(self, run: Run):
        self.run = run
        config = run.config
        self.baseline_file = config.getoption(BASELINE_OPTION, None)
        try:
            self.known = baseline.load(Path(self.baseline_file)) if self.baseline_file else None
        except baseline.BaselineError as error:
            raise pytest.UsageError(f"--baseline: {error}") from None

    @pytest.hookimpl(tryfirst=True)  # before pytest-html and JUnit write their files
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        run, config = self.run, self.run.config
        if config.option.collectonly or not run.suite_run:
            return
        self._note_early_stop(session, int(exitstatus))
        self._note_cut_off_tests()
        results = build_results(run_metadata(run, exitstatus), run.recorder.tests, run.recorder.run_errors)
        if self.known is not None:
            results["baseline"] = baseline.compare(results["causes"], self.known, str(self.baseline_file))
        run.results = redact_json(results, suite.run_redactor(config))
        if self.known is not None and self._only_known_failures(int(exitstatus)):
            session.exitstatus = pytest.ExitCode.OK
        history_dir = config.getoption(HISTORY_OPTION, None)
        try:
            if history_dir:
                self._update_history(Path(history_dir))
            run.written = list(write_bundle(reports_dir(config), run.results))
        except OSError as error:
            run.write_error = f"cannot write the results: {error}"
        if run.html_report is not None:
            run.html_report.title = html.report_title(run.results["verdict"])
        junit.add_run_error_case(config, run.results["run_errors"])
        if int(exitstatus) not in terminal.TERMINAL_SUMMARY_EXIT_CODES:
            # pytest shows no terminal summary after pytest.exit; the verdict and its cause still belong there
            terminal.show(run, config.pluginmanager.get_plugin("terminalreporter"))

    def _only_known_failures(self, exitstatus: int) -> bool:
        """A run whose every failure is a known cause passes the gate (errors and new causes still fail it)."""
        results = self.run.results
        return (
            exitstatus == int(pytest.ExitCode.TESTS_FAILED)
            and not results["baseline"][baseline.NEW]
            and not results["run_errors"]
            and results["summary"]["tests"][ERROR] == 0
        )

    def _note_early_stop(self, session: pytest.Session, exitstatus: int) -> None:
        for reason in (session.shouldfail, session.shouldstop):
            if reason:
                self.run.add_run_error("stopped", f"the run stopped early: {reason}", ends_run=True)
        if exitstatus not in COMPLETE_EXIT_CODES and not self.run.interrupted:
            self.run.add_run_error("stopped", f"the run ended early (pytest exit status {exitstatus})", ends_run=True)

    def _note_cut_off_tests(self) -> None:
        """A test the run stopped in (pytest.exit, Ctrl-C, a crash) has no report: it is in error, for that cause."""
        recorder = self.run.recorder
        ending = [e.cause for e in recorder.run_errors if e.kind in ("exit", "interrupted")]
        for nodeid in sorted(self.run.running):
            recorder.add_cut_off(nodeid, ending[0] if ending else "the run stopped during this test")

    def _update_history(self, directory: Path) -> None:
        record = history.history_record(self.run.results)
        self.run.trend = history.trend(history.load(directory), record)
        self.run.results["trend"] = self.run.trend.to_json()
        history.append(directory, record)


def reports_dir(config: pytest.Config) -> Path:
    """Next to the HTML report, else ``reports/`` (both relative to where pytest was started)."""
    html_path = config.getoption("htmlpath", None)
    base = Path(config.invocation_params.dir)
    if html_path:
        return (base / Path(os.path.expandvars(html_path)).expanduser()).parent
    return base / DEFAULT_REPORTS_DIR
