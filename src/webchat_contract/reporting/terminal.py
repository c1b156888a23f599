"""The verdict on the terminal, after pytest's own summary: the causes of a failing run one line each with the
request that shows it, within a bound, instead of a traceback per test."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest

from . import html
from .outcomes import CONFORMANT, NOT_CONFORMANT
from .results import partial_line

if TYPE_CHECKING:
    from .run_state import Run

MAX_CAUSES_SHOWN = 12  # two lines each: with the verdict and the pointers, about 40 lines in all
MIN_LINE = 160  # characters of a summary line, at least (CI logs are wide)
# the exit statuses after which pytest calls pytest_terminal_summary (pytest.exit's are often others)
TERMINAL_SUMMARY_EXIT_CODES = {int(code) for code in pytest.ExitCode} - {int(pytest.ExitCode.INTERNAL_ERROR)}


class TerminalSummary:
    def __init__(self, run: Run):
        self.run = run

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # around pytest's own summary, which prints the tracebacks
    def pytest_terminal_summary(self, terminalreporter: Any) -> Any:
        config = self.run.config
        if self.run.results is not None and wants_causes_only(config):
            # the causes below say what failed, one line each; a traceback per test is for those who ask (--tb, -v)
            config.option.tbstyle = "no"
            terminalreporter.reportchars = terminalreporter.reportchars.replace("f", "").replace("E", "")
        try:
            return (yield)
        finally:
            show(self.run, terminalreporter)


def wants_causes_only(config: pytest.Config) -> bool:
    """Whether the terminal shows the causes instead of a traceback per test: unless --tb or -v asked otherwise."""
    return config.option.tbstyle == "auto" and config.get_verbosity() <= 0


def show(run: Run, terminalreporter: Any) -> None:
    results = run.results
    if results is None or terminalreporter is None:
        return
    verdict = results["verdict"]
    colour = {CONFORMANT: {"green": True}, NOT_CONFORMANT: {"red": True}}.get(verdict, {"yellow": True})
    terminalreporter.write_sep("=", f"webchat-contract: {verdict}", bold=True, **colour)
    terminalreporter.write_line(html.verdict_reason(results))
    if results.get("partial"):
        terminalreporter.write_line(partial_line(results["partial"]), yellow=True)
    width = max(getattr(terminalreporter, "_tw", None) and terminalreporter._tw.fullwidth or 0, MIN_LINE)
    for line in cause_lines(results, width) + baseline_lines(results):
        terminalreporter.write_line(line)
    for run_error in results["run_errors"][: html.MAX_ERRORS_SHOWN]:
        terminalreporter.write_line(f"run error ({run_error['kind']}): {run_error['cause']}")
    terminalreporter.write_line(f"what to do next: {results['next_step']}")
    if run.write_error:
        terminalreporter.write_line(f"webchat-contract: {run.write_error}", red=True)
    else:
        terminalreporter.write_line("results: " + ", ".join(str(path) for path in run.written))


def cause_lines(results: Mapping[str, Any], width: int) -> list[str]:
    causes = results.get("causes") or []
    if not causes:
        return []
    failed = len({nodeid for cause in causes for nodeid in cause["tests"]})
    lines = [f"{len(causes)} distinct cause{'s' if len(causes) != 1 else ''} ({failed} failed tests):"]
    for cause in causes[:MAX_CAUSES_SHOWN]:
        status = f"[{cause['baseline']}] " if cause.get("baseline") else ""
        count = f" ({cause['count']} tests)" if cause["count"] > 1 else ""
        lines.append(_fit(f"  {status}{cause.get('headline') or cause['message']}{count}", width))
        where = f"{cause['requirement']} on {cause['operation']}" if cause["operation"] else cause["requirement"]
        exchange = cause.get("exchange")
        if exchange:
            who = f" as {exchange['principal']}" if exchange.get("principal") else ""
            shown = f"{exchange['method']} {exchange['url']}{who} -> {exchange['status']}"
        else:
            shown = f"in {cause['tests'][0]}" if cause.get("tests") else ""
        lines.append(_fit(f"      {where}: {shown}", width))
    if len(causes) > MAX_CAUSES_SHOWN:
        lines.append(f"  ... and {len(causes) - MAX_CAUSES_SHOWN} more causes in the report")
    lines.append("each cause's exchange, curl command and tests: report.html; tracebacks: rerun with --tb=short")
    return lines


def _fit(line: str, width: int) -> str:
    line = " ".join(line.split()) if "\n" in line else line
    return line if len(line) <= width else line[: width - 1] + "…"


def baseline_lines(results: Mapping[str, Any]) -> list[str]:
    compared = results.get("baseline")
    if not compared:
        return []
    line = (
        f"baseline {compared['file']}: {len(compared['new'])} new, {len(compared['known'])} known, "
        f"{len(compared['fixed'])} not seen"
    )
    if compared["new"]:
        line += " (the run fails on the new ones)"
    lines = [line]
    lines += [f"  not seen, remove from the baseline if fixed: {f['fingerprint']} {f.get('message', '')}"[:200]
              for f in compared["fixed"][:5]]  # fmt: skip
    return lines
