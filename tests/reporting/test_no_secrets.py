"""No secret reaches the terminal or any file the run writes, encoded or not."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from bundles import (
    Bundle,
    unescaped,
)

from suite_runner import SuiteRun
from webchat_contract.reporting.exits import redact_report
from webchat_contract.reporting.redact import Redactor

# an Authorization value that is not redacted: the admin's access tokens are fetched during the run, so they
# cannot be listed in advance
BEARER_VALUE = re.compile(r"Bearer\s+[A-Za-z0-9._~+/=-]{16,}")
DATA_URI = re.compile(r"data:[\w/+.-]+(?:;charset=[\w-]+)?;base64,([A-Za-z0-9+/=]+)")


# --- no secrets ---------------------------------------------------------------------------------------------------


def readable_texts(bundle: Bundle) -> dict[str, str]:
    """The run's output and every file it left, with HTML entities and base64 data URIs (pytest-html's
    self-contained extras) decoded so nothing hides in them."""
    texts = {"terminal output": bundle.run.output}
    for directory in (bundle.directory, *bundle.extra_dirs):
        for path in (p for p in directory.rglob("*") if p.is_file()):
            text = path.read_text(encoding="utf-8", errors="replace")
            decoded = [base64.b64decode(m).decode("utf-8", "replace") for m in DATA_URI.findall(text)]
            texts[str(path.relative_to(directory.parent))] = "\n".join([unescaped(text), *decoded])
    return texts


def find_leaks(bundle: Bundle) -> list[str]:
    return [
        f"{name}: {what}"
        for name, text in readable_texts(bundle).items()
        for what in [f"secret #{n}" for n, s in enumerate(bundle.secrets) if s in text] + BEARER_VALUE.findall(text)
    ]


@pytest.mark.parametrize("run", ["conformant", "parallel", "not_conformant", "unreachable", "read_only"])
def test_no_secret_reaches_any_report_or_output(request, run):
    bundle: Bundle = request.getfixturevalue(run)
    assert bundle.secrets, "the target config holds no secret to look for"
    names = {Path(name).name for name in readable_texts(bundle)}
    assert {"report.html", "junit.xml", "results.json", "certificate.json"} <= names
    assert find_leaks(bundle) == []


def test_the_secret_scan_looks_inside_encoded_report_content(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    hidden = base64.b64encode(b"Authorization: Bearer fetched-token-0123456789abcdef").decode()
    (reports / "report.html").write_text(f'<a href="data:text/plain;charset=utf-8;base64,{hidden}">log</a>')
    (reports / "results.json").write_text('{"message": "configured-secret&amp;"}')
    bundle = Bundle(SuiteRun(0, "", {}, {}, {}, reports), ["configured-secret&"])
    assert sorted(find_leaks(bundle)) == [
        "reports/report.html: Bearer fetched-token-0123456789abcdef",
        "reports/results.json: secret #0",
    ]


def test_a_secret_in_a_test_report_is_redacted_before_any_output_sees_it():
    failure = "AssertionError: the target echoed s3cret-token in 'Authorization: Bearer fetched0123456789'"
    report = pytest.TestReport(
        "suites/test_x.py::test_x", ("suites/test_x.py", 1, "test_x"), {}, "failed", failure, "call",
        sections=[("Captured stdout call", "token=s3cret-token")],
    )  # fmt: skip
    redact_report(report, Redactor(["s3cret-token"]))
    assert "s3cret-token" not in report.longreprtext and "fetched0123456789" not in report.longreprtext
    assert report.sections == [("Captured stdout call", "token=[REDACTED]")]
