"""HTML fragments for the pytest-html report: verdict, run facts, compliance matrix, requirements, run errors,
trend. Each function takes the results (as written to results.json) and returns a string of HTML.

Clicking a matrix cell or a requirement's test count opens the list of its tests (a panel shown while it is the
page's :target, no script), and each test there links to its row in pytest-html's results table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import quote

from .history import Point, Trend
from .outcomes import CONFORMANT, ERROR, FAILED, NONE, NOT_CONFORMANT, NOT_VERIFIED, PASSED
from .records import TestRecord, ordered_concerns

MAX_ERRORS_SHOWN = 10
MAX_TESTS_PER_ERROR = 3


@dataclass
class ReportView:
    results: Mapping[str, Any]
    tests: Mapping[str, TestRecord]  # nodeid -> record
    trend: Trend | None = None


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def outcome_class(outcome: str) -> str:
    return f"wcc-o wcc-o--{slug(outcome) or 'none'}"


def outcome_badge(outcome: str) -> str:
    return f'<span class="{outcome_class(outcome)}">{escape(outcome)}</span>'


def report_title(verdict: str | None) -> str:
    return f"WebChat contract: {verdict}" if verdict else "WebChat contract"


def summary_blocks(view: ReportView) -> list[str]:
    """Everything above pytest-html's own summary line, in reading order."""
    results = view.results
    blocks = [verdict_banner(results), causes_block(results, view.tests), run_errors_block(results, view.tests)]
    blocks.append(next_step_line(results))
    blocks += [facts_block(results["run"], results["summary"]), matrix_block(results)]
    if view.trend is not None:
        blocks.append(trend_block(view.trend, len(results["requirements"])))
    blocks.append(requirements_block(results, view.trend))
    blocks.append(panels_of_tests(view))
    return [block for block in blocks if block]


# --- verdict ------------------------------------------------------------------------------------------------------


def verdict_banner(results: Mapping[str, Any]) -> str:
    verdict = results["verdict"]
    return (
        f'<div class="wcc-verdict wcc-verdict--{slug(verdict)}" id="wcc-verdict">'
        f'<span class="wcc-verdict__word">{escape(verdict)}</span>'
        f'<span class="wcc-verdict__why">{escape(verdict_reason(results))}</span></div>'
    )


def next_step_line(results: Mapping[str, Any]) -> str:
    return f'<p class="wcc-next"><b>What to do next:</b> {escape(results["next_step"])}</p>'


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


def run_errors_block(results: Mapping[str, Any], tests: Mapping[str, TestRecord]) -> str:
    errors = results["run_errors"]
    if not errors:
        return ""
    items = "".join(_run_error_item(error, tests) for error in errors[:MAX_ERRORS_SHOWN])
    more = len(errors) - MAX_ERRORS_SHOWN
    more_item = f"<li>… and {more} more causes (see the results table)</li>" if more > 0 else ""
    return (
        '<div class="wcc-run-errors" id="wcc-run-errors"><h3>Run errors: the suite could not do its whole job</h3>'
        f"<ul>{items}{more_item}</ul></div>"
    )


def _run_error_item(error: Mapping[str, Any], tests: Mapping[str, TestRecord]) -> str:
    names = error["tests"]
    shown = names[:MAX_TESTS_PER_ERROR]
    links = ", ".join(_test_link(n, tests[n].row_id if n in tests else None) for n in shown)
    if len(names) > MAX_TESTS_PER_ERROR:
        links += f", … ({len(names)} tests)"
    where = f' <span class="wcc-muted">in {links}</span>' if names else ""
    return f'<li><span class="wcc-kind">{escape(error["kind"])}</span> {escape(error["cause"])}{where}</li>'


# --- run facts ----------------------------------------------------------------------------------------------------


def facts_block(run: Mapping[str, Any], summary: Mapping[str, Any]) -> str:
    target = run["target"]
    about_target = " (embedded reference target)" if target["embedded"] else ""
    if target["reference_faults"]:
        about_target += f" with faults {', '.join(target['reference_faults'])}"
    if target.get("destructive") is False:
        about_target += ", read-only (destructive = false)"
    hypothesis = run["hypothesis"]
    seed = f", seed {hypothesis['seed']}" if hypothesis["seed"] is not None else ""
    facts = [
        ("Target", f"<code>{escape(target['base_url'] or '(never reached)')}</code>{escape(about_target)}"),
        ("Suite", f"webchat-contract {escape(run['suite_version'])}"),
        ("Schemas", f'<code title="sha256 {escape(run["schemas_hash"])}">{escape(run["schemas_hash"][:16])}…</code>'),
        ("Hypothesis", f"profile {escape(str(hypothesis['profile']))}{escape(seed)}"),
        ("Date", escape(_readable_time(run["finished_at"]))),
        ("Duration", f"{run['duration_seconds']:.1f} s" + (f" on {run['workers']} workers" if run["workers"] else "")),
        ("Tests", escape(_count_line(summary["tests"]))),
    ]
    items = "".join(f'<span class="wcc-fact"><b>{name}</b> {value}</span>' for name, value in facts)
    principals = f'<span class="wcc-fact wcc-fact--wide"><b>Principals</b> {principals_list(run["principals"])}</span>'
    return f'<div class="wcc-facts" id="wcc-facts">{items}{principals}</div>'


def principals_list(principals: Mapping[str, list[str]]) -> str:
    items = []
    for name, permissions in principals.items():
        held = " ".join(p.rsplit(":", 1)[-1] for p in permissions) or "no permission"
        items.append(f'<li title="{escape(", ".join(permissions))}">{escape(name)} <i>({escape(held)})</i></li>')
    return f'<ul class="wcc-principals">{" ".join(items)}</ul>'


def _readable_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return iso


def _count_line(counts: Mapping[str, int]) -> str:
    total = sum(counts.values())
    if not total:
        return "none ran"
    return f"{total}: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)


# --- compliance matrix --------------------------------------------------------------------------------------------


def matrix_block(results: Mapping[str, Any]) -> str:
    matrix = results["matrix"]
    concerns = ordered_concerns(concern for row in matrix.values() for concern in row)
    head = "".join(f'<th scope="col">{escape(_concern_label(c))}</th>' for c in concerns)
    rows = "".join(
        f'<tr><th scope="row"><code>{escape(op)}</code></th>'
        + "".join(_matrix_cell(op, c, row.get(c)) for c in concerns)
        + "</tr>"
        for op, row in matrix.items()
    )
    return (
        '<div class="wcc-matrix-wrap"><h3>Compliance matrix <span class="wcc-muted">(operation × concern; '
        "click a cell for its tests)</span></h3>"
        f'<table class="wcc-matrix" id="wcc-matrix"><thead><tr><th>operation</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _concern_label(concern: str) -> str:
    return "CRUD" if concern == "crud" else concern


def _matrix_cell(operation: str, concern: str, cell: Mapping[str, Any] | None) -> str:
    if not cell or not cell["tests"]:
        return f'<td class="{outcome_class(NONE)}">{NONE}</td>'
    result, count = cell["result"], len(cell["tests"])
    label = f"{result} · {count}"
    if result != PASSED:
        label = f"{result} · {cell['counts'][result]}/{count}"
    return (
        f'<td class="{outcome_class(result)}"><a href="#{cell_anchor(operation, concern)}" '
        f'title="{count} tests of {escape(concern)} on {escape(operation)}">{escape(label)}</a></td>'
    )


def cell_anchor(operation: str, concern: str) -> str:
    return f"wcc-cell-{slug(operation)}-{slug(concern)}"


def requirement_anchor(requirement: str) -> str:
    return f"wcc-req-{slug(requirement)}"


# --- requirements -------------------------------------------------------------------------------------------------


def requirements_block(results: Mapping[str, Any], trend: Trend | None) -> str:
    since = trend.failing_since if trend else {}
    rows = "".join(_requirement_row(r, since.get(r["id"])) for r in results["requirements"])
    return (
        '<div class="wcc-requirements-wrap"><h3>Requirements</h3>'
        '<table class="wcc-requirements" id="wcc-requirements"><thead><tr><th>id</th><th>concern</th>'
        "<th>requirement</th><th>tests</th><th>tried by</th><th>result</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def _requirement_row(requirement: Mapping[str, Any], failing_since: str | None) -> str:
    count = len(requirement["tests"])
    tests = f'<a href="#{requirement_anchor(requirement["id"])}">{count}</a>' if count else "0"
    since = f'<br><span class="wcc-muted">since {escape(_readable_time(failing_since))}</span>' if failing_since else ""
    return (
        f'<tr id="wcc-row-{slug(requirement["id"])}"><td><code>{escape(requirement["id"])}</code></td>'
        f"<td>{escape(requirement['concern'])}</td><td>{escape(requirement['text'])}</td>"
        f'<td class="wcc-num">{tests}</td><td class="wcc-muted">{escape(_evidence(requirement))}</td>'
        f'<td class="{outcome_class(requirement["result"])}">'
        f"{escape(requirement['result'])}{since}</td></tr>"
    )


def _evidence(requirement: Mapping[str, Any]) -> str:
    """How hard a requirement was tried: its passed tests and the requests they sent."""
    evidence = requirement.get("evidence") or {}
    if not evidence.get("tests"):
        return "-"
    return f"{evidence['tests']} passed tests, {evidence.get('exchanges', 0)} requests"


# --- panels listing the tests of a matrix cell or requirement -----------------------------------------------------


def panels_of_tests(view: ReportView) -> str:
    panels = []
    for operation, row in view.results["matrix"].items():
        for concern, cell in row.items():
            if cell["tests"]:
                title = f"{operation} × {_concern_label(concern)}"
                panels.append(_panel(cell_anchor(operation, concern), title, cell["tests"], view.tests))
    for requirement in view.results["requirements"]:
        if requirement["tests"]:
            title = f"{requirement['id']}: {requirement['text']}"
            panels.append(_panel(requirement_anchor(requirement["id"]), title, requirement["tests"], view.tests))
    return f'<div class="wcc-panels">{"".join(panels)}</div>'


def _panel(anchor: str, title: str, nodeids: Iterable[str], tests: Mapping[str, TestRecord]) -> str:
    items = []
    for nodeid in nodeids:
        test = tests.get(nodeid)
        outcome = test.outcome if test else NOT_VERIFIED
        message = f' <span class="wcc-muted">{escape(test.message)}</span>' if test and test.message else ""
        row_id = test.row_id if test else None
        items.append(f"<li>{outcome_badge(outcome)} {_test_link(nodeid, row_id)}{message}</li>")
    return (
        f'<section class="wcc-panel" id="{anchor}"><a class="wcc-close" href="#wcc-matrix">close</a>'
        f"<h3>{escape(title)}</h3><ul>{''.join(items)}</ul></section>"
    )


def _test_link(nodeid: str, row_id: str | None) -> str:
    """The test's name, linking to its row of the results table if it has one."""
    if row_id is None:
        return f"<code>{escape(nodeid)}</code>"
    return f'<a href="#{quote(row_id, safe="")}"><code>{escape(nodeid)}</code></a>'


# --- trend --------------------------------------------------------------------------------------------------------


def trend_block(trend: Trend, total: int) -> str:
    if trend.previous_date is None:
        changes = "<p>First run in this history: nothing to compare with yet.</p>"
    else:
        changes = (
            f"<p>Since the previous run ({escape(_readable_time(trend.previous_date))}): "
            f"{_id_list('newly failing', trend.newly_failing, FAILED)}; {_id_list('fixed', trend.fixed, PASSED)}"
            f"{_tests_changed(trend)}.</p>"
            f"<p>Causes: {_id_list('new', trend.new_causes, FAILED)}; "
            f"{_id_list('gone', list(trend.fixed_causes), PASSED)}.</p>"
        )
    since = "".join(
        f"<li><code>{escape(rid)}</code> failing since {escape(_readable_time(date))}</li>"
        for rid, date in trend.failing_since.items()
    )
    since_list = f'<ul class="wcc-since">{since}</ul>' if since else ""
    return (
        '<div class="wcc-trend" id="wcc-trend"><h3>Trend <span class="wcc-muted">(against the earlier runs in '
        'the history)</span></h3><div class="wcc-trend__body">'
        f"<div>{changes}{since_list}</div>{trend_chart(trend.points, total)}</div></div>"
    )


def _id_list(label: str, ids: list[str], outcome: str) -> str:
    if not ids:
        return f"{label}: none"
    return f"{label}: " + ", ".join(f'<span class="{outcome_class(outcome)}">{escape(i)}</span>' for i in ids)


def _tests_changed(trend: Trend) -> str:
    if not (trend.newly_failing_tests or trend.fixed_tests):
        return ""
    return f" ({len(trend.newly_failing_tests)} tests newly failing, {len(trend.fixed_tests)} fixed)"


CHART_WIDTH, CHART_HEIGHT = 320, 86
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 30, 10, 8, 20  # room for the axis labels
VERDICT_COLOURS = {CONFORMANT: "#1b7f3a", NOT_CONFORMANT: "#c62828"}
INCOMPLETE_COLOUR = "#c77700"


def trend_chart(points: list[Point], total: int) -> str:
    """Passed requirements per run (the last runs, this one rightmost), as an inline SVG."""
    top = max([total, *(p.total for p in points)]) or 1
    left, right = CHART_LEFT, CHART_WIDTH - CHART_RIGHT
    upper, lower = CHART_TOP, CHART_HEIGHT - CHART_BOTTOM
    step = (right - left) / (len(points) - 1) if len(points) > 1 else 0
    start = left if len(points) > 1 else (left + right) / 2

    def xy(index: int, point: Point) -> tuple[float, float]:
        return round(start + index * step, 1), round(lower - (lower - upper) * point.passed / top, 1)

    coordinates = [xy(i, p) for i, p in enumerate(points)]
    line = " ".join(f"{x},{y}" for x, y in coordinates)
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="3.5" fill="{VERDICT_COLOURS.get(p.verdict, INCOMPLETE_COLOUR)}">'
        f"<title>{escape(_readable_time(p.date))}: {p.passed}/{p.total} passed, {escape(p.verdict)}</title></circle>"
        for (x, y), p in zip(coordinates, points, strict=True)
    )
    return (
        f'<svg class="wcc-chart" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" viewBox="0 0 {CHART_WIDTH} '
        f'{CHART_HEIGHT}" role="img" aria-label="passed requirements over the last {len(points)} runs">'
        f'<line x1="{left}" y1="{upper}" x2="{right}" y2="{upper}" class="grid"/>'
        f'<line x1="{left}" y1="{lower}" x2="{right}" y2="{lower}" class="grid"/>'
        f'<text x="{left - 4}" y="{upper + 4}" text-anchor="end">{top}</text>'
        f'<text x="{left - 4}" y="{lower + 4}" text-anchor="end">0</text>'
        f'<text x="{left}" y="{CHART_HEIGHT - 4}">passed requirements, last {len(points)} runs</text>'
        f'<text x="{right}" y="{CHART_HEIGHT - 4}" text-anchor="end">this run</text>'
        f'<polyline points="{line}" fill="none" stroke="#777" stroke-width="1.5"/>{dots}</svg>'
    )


# --- pytest-html results table ------------------------------------------------------------------------------------


def contract_header() -> str:
    return '<th class="sortable" data-column-type="contract">Contract</th>'


def contract_cell(outcome: str) -> str:
    return f'<td class="col-contract {outcome_class(outcome)}">{escape(outcome)}</td>'


def requirements_header() -> str:
    return "<th>Requirements</th>"


def requirements_cell(requirements: Iterable[str]) -> str:
    return f'<td class="col-requirements">{escape(" ".join(requirements))}</td>'


def failure_extra(rerun: str, exchanges: str | None, failures: Iterable[Mapping[str, Any]] = ()) -> str:
    """Above the log of a failed or errored test: what it found broken with the exchange that shows it, the command
    that reruns it, and every request it sent."""
    found = "".join(failure_block(failure) for failure in failures)
    shown = f'<pre class="wcc-exchanges">{escape(exchanges)}</pre>' if exchanges else ""
    return f'{found}<div class="wcc-rerun">Rerun this test: <code>{escape(rerun)}</code></div>{shown}'


def failure_block(failure: Mapping[str, Any]) -> str:
    where = " ".join(x for x in (failure.get("requirement"), failure.get("operation")) if x)
    reproduction = failure.get("reproduction")
    return (
        f'<div class="wcc-failure"><p class="wcc-failure__message"><b>{escape(where)}</b> '
        f"{escape(str(failure.get('message', '')))}</p>"
        + (exchange_block(failure["exchange"]) if failure.get("exchange") else "")
        + (f'<pre class="wcc-repro">{escape(reproduction)}</pre>' if reproduction else "")
        + "</div>"
    )


# --- causes -------------------------------------------------------------------------------------------------------


def causes_block(results: Mapping[str, Any], tests: Mapping[str, TestRecord]) -> str:
    """One row per distinct cause, right under the verdict; the first cause's exchange shown open."""
    causes = results.get("causes") or []
    if not causes:
        return baseline_line(results)
    failed = len({nodeid for cause in causes for nodeid in cause["tests"]})
    rows = "".join(_cause_row(n, cause, tests) for n, cause in enumerate(causes))
    return (
        f'<div class="wcc-causes" id="wcc-causes"><h3>{len(causes)} distinct cause{"s" if len(causes) != 1 else ""} '
        f'<span class="wcc-muted">({failed} failed tests; each row opens to its exchange and its tests)</span></h3>'
        '<table class="wcc-causes__table"><colgroup><col class="wcc-c1"><col class="wcc-c2"><col><col class="wcc-c4">'
        "</colgroup><thead><tr><th>requirement</th><th>operation</th><th>what the target did</th><th>tests</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>{baseline_line(results)}</div>"
    )


def baseline_line(results: Mapping[str, Any]) -> str:
    """New, known and no longer seen causes against the --baseline file."""
    compared = results.get("baseline")
    if not compared:
        return ""
    gone = "".join(
        f"<li><code>{escape(entry['fingerprint'])}</code> {escape(str(entry.get('requirement', '')))}: "
        f"{escape(str(entry.get('message', '')))}</li>"
        for entry in compared["fixed"]
    )
    gone = f"<ul>{gone}</ul>" if gone else ""
    return (
        f'<div class="wcc-baseline" id="wcc-baseline">Baseline <code>{escape(compared["file"])}</code>: '
        f"{len(compared['new'])} new, {len(compared['known'])} known, {len(compared['fixed'])} not seen in this run"
        + (" (fixed? remove them from the baseline)" if compared["fixed"] else "")
        + f"{gone}</div>"
    )


def _cause_row(index: int, cause: Mapping[str, Any], tests: Mapping[str, TestRecord]) -> str:
    status = cause.get("baseline")
    badge = f' <span class="wcc-b wcc-b--{slug(status)}">{escape(status)}</span>' if status else ""
    details = ""
    if cause.get("exchange") or cause.get("reproduction"):
        opened = " open" if index == 0 else ""
        inner = exchange_block(cause["exchange"]) if cause.get("exchange") else ""
        if cause.get("reproduction"):
            inner += f'<pre class="wcc-repro">{escape(cause["reproduction"])}</pre>'
        details = f"<details{opened}><summary>the exchange that shows it</summary>{inner}</details>"
    names = cause["tests"]
    links = "".join(f"<li>{_test_link(n, tests[n].row_id if n in tests else None)}</li>" for n in names)
    return (
        f'<tr id="wcc-cause-{escape(cause["fingerprint"])}"><td><code>{escape(cause["requirement"])}</code>{badge}</td>'
        f"<td><code>{escape(cause['operation'] or '-')}</code></td>"
        f'<td><div class="wcc-cause__message">{escape(cause.get("headline") or cause["message"])}</div>{details}</td>'
        f"<td><details><summary>{len(names)} test{'s' if len(names) != 1 else ''}</summary><ul>{links}</ul>"
        "</details></td></tr>"
    )


def exchange_block(exchange: Mapping[str, Any]) -> str:
    """The request and its response, bodies included, and the curl command that sends the request again."""
    who = f" as {exchange['principal']}" if exchange.get("principal") else ""
    request = "\n".join(f"{k}: {v}" for k, v in (exchange.get("request_headers") or {}).items())
    if exchange.get("request_body") is not None:
        request += "\n\n" + str(exchange["request_body"])
    response = "\n".join(f"{k}: {v}" for k, v in (exchange.get("response_headers") or {}).items())
    if exchange.get("response_body") is not None:
        response += "\n\n" + str(exchange["response_body"])
    status = exchange.get("status")
    curl = f'<pre class="wcc-curl">{escape(exchange["curl"])}</pre>' if exchange.get("curl") else ""
    return (
        '<div class="wcc-exchange"><div class="wcc-exchange__half">'
        f"<b>{escape(str(exchange.get('method', '')))} {escape(str(exchange.get('url', '')))}{escape(who)}</b>"
        f"<pre>{escape(request)}</pre></div>"
        f'<div class="wcc-exchange__half"><b>answered {escape(str(status) if status is not None else "nothing")}</b>'
        f"<pre>{escape(response)}</pre></div></div>{curl}"
    )
