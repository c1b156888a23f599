"""What report.html and the terminal show of a run: each failure with its exchanges and rerun command, each cause
once with the request that shows it, how hard each requirement was tried; the first screen in a browser."""

from __future__ import annotations

import html
import shutil
import struct

import pytest
from bundles import (
    FAULT,
    FAULT_REQUIREMENT,
    unescaped,
)
from render_report import CHROMIUM, first_screen, render

from suite_runner import ROOT
from webchat_contract import spec
from webchat_contract.reporting import html as report_html
from webchat_contract.reporting.outcomes import (
    FAILED,
    NOT_VERIFIED,
    PASSED,
)


def test_each_failure_shows_its_exchanges_and_the_command_that_reruns_it(not_conformant):
    report = unescaped(not_conformant.html)
    for test in (t for t in not_conformant.results["tests"] if t["outcome"] == FAILED):
        command = test["rerun"]
        assert command.startswith(f"pytest '{test['nodeid']}' ") and command.endswith(" -p no:randomly")
        assert f"--reference-fault={FAULT}" in command
        assert command in report
    assert "webchat exchanges" in report and "replay the last request" not in report  # it was the cleanup
    assert "$WEBCHAT_TOKEN_" in report  # the curl of the request that failed


def test_a_failing_run_names_its_cause_once_with_the_request_that_shows_it(not_conformant):
    results = not_conformant.results
    failing = sorted(t["nodeid"] for t in results["tests"] if t["outcome"] == FAILED)
    [cause] = results["causes"]
    assert (cause["requirement"], cause["operation"]) == (FAULT_REQUIREMENT, "getWebchatSettings")
    assert sorted(cause["tests"]) == failing and cause["count"] == len(failing) > 1
    exchange = cause["exchange"]
    assert (exchange["method"], exchange["status"]) == ("GET", 200)
    assert exchange["url"].endswith(spec.operation("getWebchatSettings").path)
    principal = exchange["principal"]
    assert f'"Authorization: Bearer $WEBCHAT_TOKEN_{principal.upper().replace("-", "_")}"' in exchange["curl"]
    assert exchange["url"] in exchange["curl"] and "[Filtered]" not in exchange["curl"]
    # the terminal: the cause in a few lines, no traceback per test
    output = not_conformant.run.output
    summary = output[output.index("webchat-contract: NOT CONFORMANT") :].splitlines()
    assert len(output.splitlines()) <= 45, output
    assert any("expected 403" in line and f"({len(failing)} tests)" in line for line in summary), summary
    assert any(f"GET {exchange['url']} as {principal} -> 200" in line for line in summary), summary
    assert "Traceback" not in output and "= FAILURES =" not in output
    report = html.unescape(not_conformant.html)
    assert 'id="wcc-causes"' in report and exchange["curl"] in report


def test_each_requirement_says_how_hard_it_was_tried(conformant):
    report = html.unescape(conformant.html)
    for requirement in conformant.results["requirements"]:
        if requirement.get("extra") and requirement["result"] == NOT_VERIFIED:
            continue  # an optional extra that is not installed here
        evidence = requirement["evidence"]
        assert evidence["tests"] == requirement["counts"][PASSED] > 0, requirement["id"]
        assert evidence["exchanges"] >= evidence["tests"], requirement["id"]
        assert f"{evidence['tests']} passed tests, {evidence['exchanges']} requests" in report, requirement["id"]


# --- in a browser -------------------------------------------------------------------------------------------------


SCREENSHOTS = ROOT / "reports" / "screenshots"  # kept for CI to upload with the reports


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed")
def test_the_first_screen_of_a_failing_report_shows_the_verdict_every_cause_and_the_exchange(not_conformant, tmp_path):
    report = tmp_path / "report.html"
    shutil.copy(not_conformant.directory / "report.html", report)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot = SCREENSHOTS / "not-conformant-1280x800.png"
    screenshot.unlink(missing_ok=True)
    assert render(report, screenshot) == []
    width, height = struct.unpack(">II", screenshot.read_bytes()[16:24])  # the PNG header's IHDR chunk
    assert (width, height) == (1280, 800)
    seen = first_screen(report)
    assert seen["scroll_width"] <= seen["width"] == 1280, "the report scrolls sideways at 1280 px"
    assert seen["verdict"] and seen["exchange"], seen
    assert seen["causes"] == [True] * len(not_conformant.results["causes"]), seen


# --- the templates, in process --------------------------------------------------------------------------------------

HOSTILE = "<script>alert('x')</script>&"


def test_every_value_a_template_writes_is_escaped():
    failure = {"requirement": "WC-X", "message": HOSTILE, "reproduction": HOSTILE,
               "exchange": {"method": "GET", "url": HOSTILE, "status": 200, "curl": HOSTILE,
                            "request_headers": {"X-Echo": HOSTILE}, "response_body": HOSTILE}}  # fmt: skip
    written = report_html.failure_extra(HOSTILE, HOSTILE, [failure])
    assert "<script>" not in written
    # the message, reproduction, url, request, response, curl, rerun command and transcript
    assert written.count("&lt;script&gt;alert(") == 8
    assert written.count("&lt;/script&gt;&amp;") == 8


def test_a_templates_layout_stays_out_of_the_page_and_a_values_line_breaks_stay_in():
    transcript = "GET /a\nAuthorization: Bearer $WEBCHAT_TOKEN_ADMIN\n\nanswered 200"
    written = report_html.failure_extra("pytest 't::x'", transcript)
    assert written == (
        '<div class="wcc-rerun">Rerun this test: <code>pytest &#39;t::x&#39;</code></div>'
        f'<pre class="wcc-exchanges">{transcript}</pre>'
    )
