"""The report sections above pytest-html's summary (verdict, causes, run errors, run facts, compliance matrix, trend,
requirements) and the cells and extras it adds to pytest-html's results table, rendered from the Jinja2 templates in
``templates/`` with autoescape on. Each section is a function of the results (as written to results.json).

Clicking a matrix cell or a requirement's test count opens the list of its tests (a panel shown while it is the
page's :target, no script), and each test there links to its row in pytest-html's results table.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import jinja2
import jinja2.ext

from .history import Point, Trend
from .outcomes import CONFORMANT, ERROR, FAILED, NONE, NOT_CONFORMANT, NOT_VERIFIED, PASSED
from .records import TestRecord, ordered_concerns

MAX_ERRORS_SHOWN = 10
MAX_TESTS_PER_ERROR = 3
CHART_WIDTH, CHART_HEIGHT = 320, 86
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 30, 10, 8, 20  # room for the axis labels
VERDICT_COLOURS = {CONFORMANT: "#1b7f3a", NOT_CONFORMANT: "#c62828"}
INCOMPLETE_COLOUR = "#c77700"


@dataclass
class ReportView:
    results: Mapping[str, Any]
    tests: Mapping[str, TestRecord]  # nodeid -> record
    trend: Trend | None = None

    def row_id(self, nodeid: str) -> str | None:
        """The id of the test's row in pytest-html's results table, if it has one."""
        test = self.tests.get(nodeid)
        return test.row_id if test is not None else None


# --- what the templates see -----------------------------------------------------------------------------------------


class LayoutOnly(jinja2.ext.Extension):
    """Templates are laid out for reading: a line break and the indentation after it are not written to the page
    (a space a page needs at a line's start is written ``{{ " " }}``). Values are never touched: only the source."""

    LAYOUT = re.compile(r"\n[ \t]*")

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return self.LAYOUT.sub("", source)


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def outcome_class(outcome: str) -> str:
    return f"wcc-o wcc-o--{slug(outcome) or 'none'}"


def readable_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return iso


def concern_label(concern: str) -> str:
    return "CRUD" if concern == "crud" else concern


def cell_anchor(operation: str, concern: str) -> str:
    return f"wcc-cell-{slug(operation)}-{slug(concern)}"


def requirement_anchor(requirement: str) -> str:
    return f"wcc-req-{slug(requirement)}"


def count_line(counts: Mapping[str, int]) -> str:
    total = sum(counts.values())
    if not total:
        return "none ran"
    return f"{total}: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)


def held(permissions: Iterable[str]) -> str:
    """A principal's permissions by their last part (``webchat:deployment:view`` -> ``view``)."""
    return " ".join(p.rsplit(":", 1)[-1] for p in permissions) or "no permission"


def http_message(headers: Mapping[str, Any] | None, body: Any) -> str:
    """A request or response as text: its headers, then its body after a blank line."""
    text = "\n".join(f"{name}: {value}" for name, value in (headers or {}).items())
    return text + ("\n\n" + str(body) if body is not None else "")


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=[LayoutOnly],
    )
    env.filters.update(
        slug=slug, readable_time=readable_time, concern_label=concern_label, anchor=lambda s: quote(s, safe="")
    )
    env.globals.update(
        outcome_class=outcome_class,
        cell_anchor=cell_anchor,
        requirement_anchor=requirement_anchor,
        count_line=count_line,
        held=held,
        http_message=http_message,
        PASSED=PASSED,
        FAILED=FAILED,
        NOT_VERIFIED=NOT_VERIFIED,
        NONE=NONE,
    )
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def macro(template: str, name: str) -> Any:
    return getattr(environment().get_template(template).module, name)


# --- the sections -------------------------------------------------------------------------------------------------


def report_title(verdict: str | None) -> str:
    return f"WebChat contract: {verdict}" if verdict else "WebChat contract"


def summary_blocks(view: ReportView) -> list[str]:
    """Everything above pytest-html's own summary line, in reading order."""
    results, trend = view.results, view.trend
    failed = len({nodeid for cause in results.get("causes") or [] for nodeid in cause["tests"]})
    concerns = ordered_concerns(concern for row in results["matrix"].values() for concern in row)
    blocks = [
        render("verdict.html.j2", results=results, reason=verdict_reason(results)),
        render("causes.html.j2", results=results, view=view, failed=failed),
        render("run_errors.html.j2", results=results, view=view, max_errors=MAX_ERRORS_SHOWN,
               max_tests=MAX_TESTS_PER_ERROR),
        render("next_step.html.j2", results=results),
        render("facts.html.j2", run=results["run"], summary=results["summary"]),
        render("matrix.html.j2", results=results, concerns=concerns),
    ]  # fmt: skip
    if trend is not None:
        chart = trend_chart(trend.points, len(results["requirements"]))
        blocks.append(render("trend.html.j2", trend=trend, chart=chart))
    since = trend.failing_since if trend else {}
    blocks.append(render("requirements.html.j2", results=results, failing_since=since))
    blocks.append(render("panels.html.j2", results=results, view=view))
    return [block for block in blocks if block]


def verdict_reason(results: Mapping[str, Any]) -> str:
    counts = results["summary"]["requirements"]
    total = sum(counts.values())
    tests = sum(results["summary"]["tests"].values())
    if results["verdict"] == CONFORMANT:
        optional = [r for r in results["requirements"] if r["result"] != PASSED]
        unverified = "; ".join(f"{r['id']} not verified (install webchat-contract[{r['extra']}])" for r in optional)
        return f"all {total - len(optional)} requirements passed ({tests} tests)" + (
            f"; {unverified}" if optional else ""
        )
    if results["verdict"] == NOT_CONFORMANT:
        failed = [r["id"] for r in results["requirements"] if r["result"] == FAILED]
        return f"{len(failed)} of {total} requirements failed: {', '.join(failed)}"
    parts = [f"{counts[o]} {'are' if counts[o] > 1 else 'is'} {o}" for o in (ERROR, NOT_VERIFIED) if counts[o]]
    if parts:
        reason = f"no requirement failed, but of {total} requirements {' and '.join(parts)}"
    else:
        reason = "every requirement passed, but the run had errors"
    return reason + ("; the run ended early" if not results["run"].get("complete", True) else "")


def trend_chart(points: list[Point], total: int) -> dict[str, Any]:
    """Where the chart of passed requirements per run (the last runs, this one rightmost) puts its lines and dots."""
    top = max([total, *(p.total for p in points)]) or 1
    left, right = CHART_LEFT, CHART_WIDTH - CHART_RIGHT
    upper, lower = CHART_TOP, CHART_HEIGHT - CHART_BOTTOM
    step = (right - left) / (len(points) - 1) if len(points) > 1 else 0
    start = left if len(points) > 1 else (left + right) / 2
    dots = [
        {
            "x": round(start + index * step, 1),
            "y": round(lower - (lower - upper) * point.passed / top, 1),
            "colour": VERDICT_COLOURS.get(point.verdict, INCOMPLETE_COLOUR),
            "point": point,
        }
        for index, point in enumerate(points)
    ]
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT, "left": left, "right": right, "upper": upper,
            "lower": lower, "top": top, "dots": dots}  # fmt: skip


# --- pytest-html's results table ----------------------------------------------------------------------------------


def contract_header() -> str:
    return str(macro("table.html.j2", "contract_header")())


def contract_cell(outcome: str) -> str:
    return str(macro("table.html.j2", "contract_cell")(outcome))


def requirements_header() -> str:
    return str(macro("table.html.j2", "requirements_header")())


def requirements_cell(requirements: Iterable[str]) -> str:
    return str(macro("table.html.j2", "requirements_cell")(list(requirements)))


def failure_extra(rerun: str, exchanges: str | None, failures: Iterable[Mapping[str, Any]] = ()) -> str:
    """Above the log of a failed or errored test: what it found broken with the exchange that shows it, the command
    that reruns it, and every request it sent."""
    return render("failure.html.j2", rerun=rerun, exchanges=exchanges, failures=list(failures))
