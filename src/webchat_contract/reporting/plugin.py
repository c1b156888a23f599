"""pytest plugin of the reporting layer: the verdict of a run, in the HTML report, results.json, certificate.json,
the terminal, and the nightly history.

Split by where pytest runs things. Every process (the only one, or each xdist worker) classifies each test phase
as it is reported, and puts the facts on the report (``report.webchat``, plain data that crosses xdist); the
process that writes the reports (the only one, or the xdist controller) gathers them and decides the verdict.
"""

from __future__ import annotations

import os
import platform
import shlex
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from .. import __version__, spec
from .. import pytest_plugin as suite
from . import baseline, history, html, junit, selection, terminal
from .failures import failures_of
from .outcomes import CONFORMANT, ERROR, FAILED, NOT_CONFORMANT, phase_outcome
from .records import REPORT_ATTRIBUTE, RunRecorder, report_message, selectable_nodeid, violated_requirements
from .redact import Redactor, redact_in_place, redact_json
from .results import build_results, partial_line, write_bundle

CSS_PATH = Path(__file__).with_name("report.css")
DEFAULT_REPORTS_DIR = "reports"
WORKER_OUTPUT_KEY = "webchat_contract_reporting"
HISTORY_OPTION = "webchat_history"
BASELINE_OPTION = "webchat_baseline"
# the exit statuses after which pytest calls pytest_terminal_summary (pytest.exit's are often others)
TERMINAL_SUMMARY_EXIT_CODES = {int(code) for code in pytest.ExitCode} - {int(pytest.ExitCode.INTERNAL_ERROR)}
COMPLETE_EXIT_CODES = {int(pytest.ExitCode.OK), int(pytest.ExitCode.TESTS_FAILED)}
MIN_LINE = 160  # characters of a summary line, at least (CI logs are wide)
REDACTION_PLUGIN = "webchat-contract-redaction"
EXCHANGES_SECTION = "webchat exchanges"  # the report section the suite plugin adds to a failed test


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("webchat-contract", "WebChat contract suite")
    group.addoption(
        "--history",
        dest=HISTORY_OPTION,
        metavar="DIR",
        default=None,
        help="append this run's results to DIR (one JSON file per run) and show in the report what newly fails, "
        "what was fixed and the trend over the last runs; keep one DIR per target",
    )
    group.addoption(
        "--baseline",
        dest=BASELINE_OPTION,
        metavar="FILE",
        default=None,
        help="known causes to accept for now (YAML, written by: webchat-contract baseline DIR > FILE): the exit "
        "status fails only on causes not in FILE; the verdict and certificate are unchanged",
    )


@pytest.hookimpl(tryfirst=True)  # before pytest-html reads its --css option
def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(RedactionAtTheExits(config), REDACTION_PLUGIN)
    if hasattr(config, "workerinput"):
        config.pluginmanager.register(WorkerSide(config), "webchat-contract-reporting-worker")
        return
    config.pluginmanager.register(ReportingSession(config), "webchat-contract-reporting")
    if config.getoption("htmlpath", None):
        config.option.css = [*config.getoption("css", []), str(CSS_PATH)]
        if selection.narrowed_by(config):  # a partial run's report goes with its bundle, under partial/
            config.option.htmlpath = str(selection.partial_path(Path(config.option.htmlpath)))


# --- every process: facts about each test phase, on its report ----------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outside the suite plugin's wrapper, which adds the exchanges
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    redact = redactor_for(item)
    redaction = item.config.pluginmanager.get_plugin(REDACTION_PLUGIN)
    if redaction is not None:  # always, unless blocked (-p no:...) to show what it keeps out
        redaction.redact(report, redact)
    exception = call.excinfo.value if call.excinfo is not None else None
    outcome = phase_outcome(report.outcome, report.when, exception, suite.RUN_ERRORS)
    rerun = rerun_command(item) if outcome in (FAILED, ERROR) else None
    target = suite.target_of(item)
    facts = {
        "outcome": outcome,
        "message": report_message(report),
        "requirements": suite.requirements_of(item),
        "violated": violated_requirements(item.user_properties),
        "operations": suite.operations_of(item),
        "principal": suite.principal_of(item),
        "rerun": rerun,
        "exchanges": getattr(getattr(target, "transcript", None), "sent", 0),
    }
    if outcome == FAILED:
        facts["failures"] = failures_of(item, exception, facts["message"], redact, target)
    setattr(report, REPORT_ATTRIBUTE, facts)
    if rerun:
        from pytest_html import extras

        transcript = next((text for title, text in report.sections if title == EXCHANGES_SECTION), None)
        extra = html.failure_extra(rerun, transcript, facts.get("failures", []))
        report.extras = [*getattr(report, "extras", []), extras.html(extra)]
    return report


def wants_causes_only(config: pytest.Config) -> bool:
    """Whether the terminal shows the causes instead of a traceback per test: unless --tb or -v asked otherwise."""
    return config.option.tbstyle == "auto" and config.get_verbosity() <= 0


def redactor_for(item: pytest.Item) -> Redactor:
    """Every secret the configuration holds, and the tokens the test's target handed out."""
    target = suite.target_of(item)
    return target.redactor if target is not None else suite.run_redactor(item.config)


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


def rerun_command(item: pytest.Item) -> str:
    """The command that runs this one test again, against the same target, with the same examples."""
    config = item.config
    parts = ["pytest", "'" + selectable_nodeid(item.nodeid).replace("'", "'\"'\"'") + "'"]
    target_config = config.getoption("target_config", None)
    if target_config:
        parts.append(f"--target-config={shlex.quote(str(target_config))}")
    parts += [f"--reference-fault={shlex.quote(fault)}" for fault in config.getoption("reference_fault", [])]
    parts += [f"--reference-misbehave={shlex.quote(m)}" for m in config.getoption("reference_misbehave", [])]
    profile = config.getoption("hypothesis_profile", None)
    if profile:
        parts.append(f"--hypothesis-profile={shlex.quote(profile)}")
    seed = hypothesis_seed(config)
    if seed is not None:
        parts.append(f"--hypothesis-seed={shlex.quote(str(seed))}")
    return " ".join([*parts, "-p", "no:randomly"])


def hypothesis_seed(config: pytest.Config) -> int | str | None:
    """The seed this process's examples were drawn with (the suite plugin picks one for randomized profiles)."""
    chosen = config.stash.get(suite.SEED_KEY, None)
    return chosen if chosen is not None else config.getoption("hypothesis_seed", None)


def declares_requirements(items: list[pytest.Item]) -> bool:
    """Whether this is a run of the contract suite (the project's own tests declare no requirement)."""
    return any(suite.requirements_of(item) for item in items)


# --- an xdist worker: what only it knows goes to the controller at its end ----------------------------------------


class WorkerSide:
    def __init__(self, config: pytest.Config):
        self.config = config
        self.run_errors: list[dict[str, str]] = []
        self.suite_run = False

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.suite_run = declares_requirements(session.items)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        self.run_errors.append(interruption(excinfo))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        active = self.config.stash.get(suite.ACTIVE_CONFIG_KEY, None)
        self.config.workeroutput[WORKER_OUTPUT_KEY] = {
            "run_errors": self.run_errors,
            "base_url": active.base_url if active is not None else None,
            "seed": hypothesis_seed(self.config),
            "suite_run": self.suite_run,
        }


def interruption(excinfo: pytest.ExceptionInfo) -> dict[str, str]:
    """pytest.exit (the suite's way to stop when the target cannot be used) or Ctrl-C, as a run error."""
    if isinstance(excinfo.value, pytest.exit.Exception):
        return {"kind": "exit", "cause": str(excinfo.value.msg)}
    return {"kind": "interrupted", "cause": f"the run was interrupted ({excinfo.typename})"}


# --- the reporting process: the verdict and every artefact --------------------------------------------------------


class ReportingSession:
    def __init__(self, config: pytest.Config):
        self.config = config
        self.recorder = RunRecorder()
        self.started = datetime.now(UTC)
        self.clock = time.monotonic()
        self.workers: dict[str, dict[str, Any]] = {}
        self.suite_run = False
        self.interrupted = False
        self.running: set[str] = set()  # tests started and not finished
        self.results: dict[str, Any] | None = None
        self.trend: history.Trend | None = None
        self.written: list[Path] = []
        self.write_error: str | None = None
        self.html_report: Any = None  # pytest-html's report data, to give it the verdict as its title
        self.baseline_file = config.getoption(BASELINE_OPTION, None)
        try:
            self.known = baseline.load(Path(self.baseline_file)) if self.baseline_file else None
        except baseline.BaselineError as error:
            raise pytest.UsageError(f"--baseline: {error}") from None

    # gathering

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.suite_run = self.suite_run or declares_requirements(session.items)

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.running.add(nodeid)

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.running.discard(nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.recorder.add_report(report)
        self.suite_run = self.suite_run or bool(getattr(report, REPORT_ATTRIBUTE, {}).get("requirements"))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.add_run_error("collection", f"cannot collect {report.nodeid}: {report_message(report)}")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        self.add_run_error(**interruption(excinfo), ends_run=True)

    def pytest_internalerror(self, excinfo: pytest.ExceptionInfo) -> None:
        self.add_run_error("internal", f"pytest internal error: {excinfo.typename}: {excinfo.value}", ends_run=True)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = (getattr(node, "workeroutput", None) or {}).get(WORKER_OUTPUT_KEY, {})
        self.workers[str(node.gateway.id)] = output
        self.suite_run = self.suite_run or output.get("suite_run", False)
        for run_error in output.get("run_errors", []):
            self.add_run_error(run_error["kind"], run_error["cause"], ends_run=True)
        if error is not None:
            self.add_run_error("worker", f"xdist worker {node.gateway.id} went down: {error}")

    def add_run_error(self, kind: str, cause: str, ends_run: bool = False) -> None:
        self.recorder.add_run_error(kind, suite.run_redactor(self.config)(cause))
        self.interrupted = self.interrupted or ends_run

    # deciding and writing

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.config.option.collectonly or not self.suite_run:
            return
        self._note_early_stop(session, int(exitstatus))
        self._note_cut_off_tests()
        metadata = self.run_metadata(exitstatus)
        results = build_results(metadata, self.recorder.tests, self.recorder.run_errors)
        if self.known is not None:
            results["baseline"] = baseline.compare(results["causes"], self.known, str(self.baseline_file))
        self.results = redact_json(results, suite.run_redactor(self.config))
        if self.known is not None and self._only_known_failures(int(exitstatus)):
            session.exitstatus = pytest.ExitCode.OK
        history_dir = self.config.getoption(HISTORY_OPTION, None)
        try:
            if history_dir:
                self._update_history(Path(history_dir))
            self.written = list(write_bundle(self.reports_dir(), self.results))
        except OSError as error:
            self.write_error = f"cannot write the results: {error}"
        if self.html_report is not None:
            self.html_report.title = html.report_title(self.results["verdict"])
        junit.add_run_error_case(self.config, self.results["run_errors"])
        if int(exitstatus) not in TERMINAL_SUMMARY_EXIT_CODES:
            # pytest shows no terminal summary after pytest.exit; the verdict and its cause still belong there
            self.show(self.config.pluginmanager.get_plugin("terminalreporter"))

    def _only_known_failures(self, exitstatus: int) -> bool:
        """A run whose every failure is a known cause passes the gate (errors and new causes still fail it)."""
        results = self.results
        return (
            exitstatus == int(pytest.ExitCode.TESTS_FAILED)
            and not results["baseline"][baseline.NEW]
            and not results["run_errors"]
            and results["summary"]["tests"][ERROR] == 0
        )

    def _note_early_stop(self, session: pytest.Session, exitstatus: int) -> None:
        for reason in (session.shouldfail, session.shouldstop):
            if reason:
                self.add_run_error("stopped", f"the run stopped early: {reason}", ends_run=True)
        if exitstatus not in COMPLETE_EXIT_CODES and not self.interrupted:
            self.add_run_error("stopped", f"the run ended early (pytest exit status {exitstatus})", ends_run=True)

    def _note_cut_off_tests(self) -> None:
        """A test the run stopped in (pytest.exit, Ctrl-C, a crash) has no report: it is in error, for that cause."""
        ending = [e.cause for e in self.recorder.run_errors if e.kind in ("exit", "interrupted")]
        for nodeid in sorted(self.running):
            self.recorder.add_cut_off(nodeid, ending[0] if ending else "the run stopped during this test")

    def _update_history(self, directory: Path) -> None:
        record = history.history_record(self.results)
        self.trend = history.trend(history.load(directory), record)
        self.results["trend"] = self.trend.to_json()
        history.append(directory, record)

    def reports_dir(self) -> Path:
        """Next to the HTML report, else ``reports/`` (both relative to where pytest was started)."""
        html_path = self.config.getoption("htmlpath", None)
        base = Path(self.config.invocation_params.dir)
        if html_path:
            return (base / Path(os.path.expandvars(html_path)).expanduser()).parent
        return base / DEFAULT_REPORTS_DIR

    def run_metadata(self, exitstatus: int) -> dict[str, Any]:
        finished = datetime.now(UTC)
        return {
            "suite_version": __version__,
            "schemas_hash": spec.schemas_hash(),
            "target": self.target_facts(),
            "principals": self.principals(),
            "hypothesis": {"profile": self.hypothesis_profile(), "seed": self.run_seed()},
            "started_at": self.started.isoformat(timespec="seconds"),
            "finished_at": finished.isoformat(timespec="seconds"),
            "duration_seconds": round(time.monotonic() - self.clock, 2),
            "workers": len(self.workers),
            "exit_status": int(exitstatus),
            "complete": int(exitstatus) in COMPLETE_EXIT_CODES and not self.interrupted,
            "python": platform.python_version(),
            "narrowed_by": selection.narrowed_by(self.config),
        }

    def target_facts(self) -> dict[str, Any]:
        configured = self.config.stash.get(suite.CONFIG_KEY, None)
        if configured is not None:
            base_url, destructive = configured.base_url, configured.destructive
        else:
            active = self.config.stash.get(suite.ACTIVE_CONFIG_KEY, None)
            urls = {active.base_url} if active is not None else set()
            urls |= {w["base_url"] for w in self.workers.values() if w.get("base_url")}
            base_url, destructive = ", ".join(sorted(urls)) or None, True
        return {
            "base_url": base_url,
            "embedded": configured is None,
            "config": str(configured.source) if configured is not None else None,
            "reference_faults": list(self.config.getoption("reference_fault", [])),
            "destructive": destructive,
        }

    def principals(self) -> dict[str, list[str]]:
        order = {permission: n for n, permission in enumerate(spec.permissions())}
        layout = suite.principal_layout(self.config)
        return {name: sorted(held, key=lambda p: order.get(p, len(order))) for name, held in layout.items()}

    def hypothesis_profile(self) -> str:
        return self.config.getoption("hypothesis_profile", None) or hypothesis_settings.get_current_profile_name()

    def run_seed(self) -> int | str | None:
        """The seed every process used, if they agree (workers of a randomized run each pick their own)."""
        seeds = {w.get("seed") for w in self.workers.values()} if self.workers else {hypothesis_seed(self.config)}
        return seeds.pop() if len(seeds) == 1 else None

    # showing

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # around pytest's own summary, which prints the tracebacks
    def pytest_terminal_summary(self, terminalreporter: Any) -> Any:
        if self.results is not None and wants_causes_only(self.config):
            # the causes below say what failed, one line each; a traceback per test is for those who ask (--tb, -v)
            self.config.option.tbstyle = "no"
            terminalreporter.reportchars = terminalreporter.reportchars.replace("f", "").replace("E", "")
        try:
            return (yield)
        finally:
            self.show(terminalreporter)

    def show(self, terminalreporter: Any) -> None:
        if self.results is None or terminalreporter is None:
            return
        verdict = self.results["verdict"]
        colour = {CONFORMANT: {"green": True}, NOT_CONFORMANT: {"red": True}}.get(verdict, {"yellow": True})
        terminalreporter.write_sep("=", f"webchat-contract: {verdict}", bold=True, **colour)
        terminalreporter.write_line(html.verdict_reason(self.results))
        if self.results.get("partial"):
            terminalreporter.write_line(partial_line(self.results["partial"]), yellow=True)
        width = max(getattr(terminalreporter, "_tw", None) and terminalreporter._tw.fullwidth or 0, MIN_LINE)
        for line in terminal.cause_lines(self.results, width) + terminal.baseline_lines(self.results):
            terminalreporter.write_line(line)
        for run_error in self.results["run_errors"][: html.MAX_ERRORS_SHOWN]:
            terminalreporter.write_line(f"run error ({run_error['kind']}): {run_error['cause']}")
        terminalreporter.write_line(f"what to do next: {self.results['next_step']}")
        if self.write_error:
            terminalreporter.write_line(f"webchat-contract: {self.write_error}", red=True)
        else:
            terminalreporter.write_line("results: " + ", ".join(str(path) for path in self.written))

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        self.html_report = report
        report.title = html.report_title(None)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str], session) -> None:
        if self.results is None:
            return
        tests = {test.nodeid: test for test in self.recorder.tests}
        prefix.extend(html.summary_blocks(html.ReportView(self.results, tests, self.trend)))

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
