"""The reporting layer: verdicts, the HTML report, results.json and certificate.json, verify, the nightly trend,
and that no secret reaches any of them.

The suite runs as a subprocess, as a user runs it (suite_runner.run_suite); each run is a module fixture shared
by the tests that read it: a conformant target (serially, then with ``-n 2``), a faulty one, an unreachable one,
and one that does not allow writes.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from render_report import CHROMIUM, first_screen, render

from suite_runner import ROOT, SuiteRun, run_suite
from webchat_contract import cli, config, spec
from webchat_contract.reference.principals import permission_sets
from webchat_contract.reference.server import EmbeddedTarget
from webchat_contract.reporting import history
from webchat_contract.reporting.exits import redact_report
from webchat_contract.reporting.outcomes import (
    CONFORMANT,
    ERROR,
    FAILED,
    INCOMPLETE,
    NOT_CONFORMANT,
    NOT_VERIFIED,
    PASSED,
    is_contract_failure,
    requirement_result,
    verdict,
)
from webchat_contract.reporting.records import selectable_nodeid
from webchat_contract.reporting.redact import Redactor

FAULT = "skip-permission-check:getWebchatSettings"
FAULT_REQUIREMENT = "WC-AUTH-403"
# an Authorization value that is not redacted: the admin's access tokens are fetched during the run, so they
# cannot be listed in advance
BEARER_VALUE = re.compile(r"Bearer\s+[A-Za-z0-9._~+/=-]{16,}")
DATA_URI = re.compile(r"data:[\w/+.-]+(?:;charset=[\w-]+)?;base64,([A-Za-z0-9+/=]+)")


@dataclass
class Bundle:
    """One run of the suite and what it left in its reports directory."""

    run: SuiteRun
    secrets: list[str]
    extra_dirs: tuple[Path, ...] = ()

    @property
    def directory(self) -> Path:
        return self.run.reports

    @property
    def results(self) -> dict[str, Any]:
        return json.loads((self.directory / "results.json").read_text())

    @property
    def certificate(self) -> dict[str, Any]:
        return json.loads((self.directory / "certificate.json").read_text())

    @property
    def html(self) -> str:
        return (self.directory / "report.html").read_text()

    def requirement_results(self) -> dict[str, str]:
        return {r["id"]: r["result"] for r in self.results["requirements"]}

    def test_outcomes(self) -> dict[str, str]:
        return {t["nodeid"]: t["outcome"] for t in self.results["tests"]}

    def matrix_results(self) -> dict[tuple[str, str], str]:
        matrix = self.results["matrix"]
        return {(op, concern): cell["result"] for op, row in matrix.items() for concern, cell in row.items()}


def config_secrets(config_text: str) -> list[str]:
    """The tokens and client secrets of a target config."""
    principals = tomllib.loads(config_text)["principals"].values()
    return [p[key] for p in principals for key in ("token", "client_secret") if key in p]


def closed_port() -> int:
    """A port on which nothing listens (just released by this process)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unescaped(report: str) -> str:
    """pytest-html keeps its rows as HTML inside an HTML-escaped attribute: unescape both levels."""
    return html.unescape(html.unescape(report))


def verify(directory: Path, capsys) -> tuple[int, list[str]]:
    code = cli.main(["verify", str(directory)])
    return code, capsys.readouterr().out.splitlines()


# --- the runs -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A clean reference target of this module's own, reached through a target config like any other server."""
    with EmbeddedTarget(tmp_path_factory.mktemp("reference")) as target:
        yield target


@pytest.fixture(scope="module")
def history_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("history")


def run_against(reference, base: Path, *args: str, config_text: str | None = None) -> Bundle:
    config = base / "target.toml"
    config.write_text(config_text or reference.config_path.read_text())
    run = run_suite(base / "reports", f"--target-config={config}", *args)
    return Bundle(run, config_secrets(config.read_text()))


@pytest.fixture(scope="module")
def conformant(reference, tmp_path_factory, history_dir) -> Bundle:
    return run_against(reference, tmp_path_factory.mktemp("conformant"), f"--history={history_dir}")


def run_embedded(base: Path, *args: str, faults: tuple[str, ...] = ()) -> Bundle:
    """A run against the suite's own embedded target(s); their configs (and secrets) stay under --basetemp."""
    run = run_suite(base / "reports", f"--basetemp={base / 'tmp'}", *args, faults=faults)
    configs = list((base / "tmp").rglob("reference-target[0-9]*/target.toml"))
    return Bundle(run, [s for config in configs for s in config_secrets(config.read_text())])


@pytest.fixture(scope="module")
def parallel(reference, tmp_path_factory, conformant) -> Bundle:
    return run_against(reference, tmp_path_factory.mktemp("parallel"), "-n", "2")


@pytest.fixture(scope="module")
def not_conformant(tmp_path_factory, conformant, history_dir) -> Bundle:
    bundle = run_embedded(tmp_path_factory.mktemp("not-conformant"), f"--history={history_dir}", faults=(FAULT,))
    bundle.extra_dirs = (history_dir,)
    return bundle


UNREACHABLE = f"127.0.0.1:{closed_port()}"


@pytest.fixture(scope="module")
def unreachable(reference, tmp_path_factory) -> Bundle:
    text = reference.config_path.read_text().replace(reference.base_url, f"http://{UNREACHABLE}")
    return run_against(reference, tmp_path_factory.mktemp("unreachable"), config_text=text)


@pytest.fixture(scope="module")
def read_only(reference, tmp_path_factory) -> Bundle:
    text = reference.config_path.read_text().replace("destructive = true", "destructive = false")
    return run_against(reference, tmp_path_factory.mktemp("read-only"), config_text=text)


COLLECTOR_PLUGIN = """
import json, os
from webchat_contract.plugin import requirements_of


def pytest_collection_finish(session):
    items = {
        item.nodeid: [requirements_of(item), item.get_closest_marker("destructive") is not None]
        for item in session.items
    }
    with open(os.environ["WCC_COLLECTED"], "w") as out:
        json.dump(items, out)
"""


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> dict[str, tuple[list[str], bool]]:
    """The suite's tests as pytest collects them (in a process of their own, as suite modules share names with
    the project's tests): node id -> (requirement ids, destructive)."""
    base = tmp_path_factory.mktemp("collected")
    (base / "wcc_collector.py").write_text(COLLECTOR_PLUGIN)
    env = {**os.environ, "PYTHONPATH": str(base), "WCC_COLLECTED": str(base / "collected.json")}
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts=", "-p", "wcc_collector"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return {nodeid: tuple(facts) for nodeid, facts in json.loads((base / "collected.json").read_text()).items()}


# --- verdicts -----------------------------------------------------------------------------------------------------


def test_a_conformant_target_is_conformant_everywhere(conformant):
    assert conformant.run.returncode == 0, conformant.run.output
    assert conformant.results["verdict"] == conformant.certificate["verdict"] == CONFORMANT
    assert set(conformant.requirement_results()) == set(spec.requirements())
    assert set(conformant.requirement_results().values()) == {PASSED}
    assert "<title" in conformant.html and "WebChat contract: CONFORMANT" in conformant.html
    assert 'class="wcc-verdict wcc-verdict--conformant"' in conformant.html
    assert "webchat-contract: CONFORMANT" in conformant.run.output
    assert conformant.certificate["schemas_hash"] == spec.schemas_hash()


def test_verify_accepts_the_bundle_of_a_conformant_run(conformant, capsys):
    code, lines = verify(conformant.directory, capsys)
    assert code == 0, lines
    assert lines[-1].endswith("valid bundle, CONFORMANT")


def _change_a_result(results: dict, certificate: dict) -> None:
    results["tests"][0]["outcome"] = FAILED


def _certify_other_schemas(results: dict, certificate: dict) -> None:
    certificate["schemas_hash"] = "0" * 64


def _drop_a_requirement(results: dict, certificate: dict) -> None:
    del certificate["requirements"]["WC-VAL-BODY"]


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (_change_a_result, "results_sha256 does not match"),
        (_certify_other_schemas, "is not the current contract's"),
        (_drop_a_requirement, "requirement WC-VAL-BODY is missing"),
    ],
)
def test_verify_rejects_an_altered_bundle(conformant, tmp_path, capsys, tamper, problem):
    results, certificate = conformant.results, conformant.certificate
    tamper(results, certificate)
    (tmp_path / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (tmp_path / "certificate.json").write_text(json.dumps(certificate, indent=2) + "\n")
    code, lines = verify(tmp_path, capsys)
    assert code == 1
    assert any(problem in line for line in lines), lines
    assert "REJECTED" in lines[-1]


def test_a_contract_violation_makes_the_target_not_conformant(not_conformant, capsys):
    run, results = not_conformant.run, not_conformant.results
    assert run.returncode == 1, run.output
    assert results["verdict"] == not_conformant.certificate["verdict"] == NOT_CONFORMANT
    failed = {rid for rid, result in not_conformant.requirement_results().items() if result != PASSED}
    assert failed == {FAULT_REQUIREMENT}
    assert not_conformant.matrix_results()[("getWebchatSettings", "permissions")] == FAILED
    failing_tests = [t for t in results["tests"] if t["outcome"] == FAILED]
    assert failing_tests and all("getWebchatSettings" in t["nodeid"] for t in failing_tests)
    code, lines = verify(not_conformant.directory, capsys)
    assert code == 1
    assert any(FAULT_REQUIREMENT in line for line in lines[:-1]), lines


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


@pytest.fixture(scope="module")
def known_yaml(not_conformant, tmp_path_factory) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "webchat_contract", "baseline", str(not_conformant.directory)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    path = tmp_path_factory.mktemp("baseline") / "known.yaml"
    path.write_text(done.stdout)
    return path


def test_a_known_cause_passes_the_gate_but_never_the_certificate(known_yaml, tmp_path, capsys):
    bundle = run_embedded(tmp_path, f"--baseline={known_yaml}", faults=(FAULT,))
    assert bundle.run.returncode == 0, bundle.run.output
    assert bundle.results["verdict"] == bundle.certificate["verdict"] == NOT_CONFORMANT
    compared = bundle.results["baseline"]
    assert compared["new"] == [] and compared["fixed"] == [] and len(compared["known"]) == 1
    assert "0 new, 1 known" in bundle.run.output
    assert verify(bundle.directory, capsys)[0] == 1


def test_a_new_cause_fails_the_gate_and_a_known_one_not_seen_is_offered_for_removal(known_yaml, tmp_path):
    bundle = run_embedded(tmp_path, f"--baseline={known_yaml}", "--tb=short", faults=("put-not-persisted",))
    assert bundle.run.returncode == 1, bundle.run.output
    compared = bundle.results["baseline"]
    assert compared["new"] and not compared["known"]
    assert [entry["requirement"] for entry in compared["fixed"]] == [FAULT_REQUIREMENT]
    assert "remove from the baseline if fixed" in bundle.run.output
    assert "= FAILURES =" in bundle.run.output  # --tb asks for the tracebacks: they are shown


def test_an_unreachable_target_leaves_the_run_incomplete_with_its_cause(unreachable, capsys):
    run, results = unreachable.run, unreachable.results
    assert run.returncode != 0
    assert results["verdict"] == unreachable.certificate["verdict"] == INCOMPLETE
    assert set(unreachable.requirement_results().values()) == {NOT_VERIFIED}
    assert not results["run"]["complete"]
    causes = [error["cause"] for error in results["run_errors"]]
    assert any(UNREACHABLE in cause and "unreachable" in cause for cause in causes), causes
    # the test the run stopped in is in error, for that cause
    assert [(t["outcome"], t["message"]) for t in results["tests"]] == [(ERROR, causes[0])]
    assert "Run errors" in unreachable.html and causes[0] in html.unescape(unreachable.html)
    assert "webchat-contract: INCOMPLETE" in run.output
    assert verify(unreachable.directory, capsys)[0] == 1


def test_a_target_that_allows_no_writes_leaves_destructive_tests_not_verified(read_only, collected, capsys):
    assert read_only.run.returncode == 0, read_only.run.output
    assert read_only.results["verdict"] == INCOMPLETE
    tests = {t["nodeid"]: t for t in read_only.results["tests"]}
    assert set(tests) == set(collected)
    for nodeid, (_, destructive) in collected.items():
        expected = NOT_VERIFIED if destructive else PASSED
        assert tests[nodeid]["outcome"] == expected, nodeid
        if destructive:
            assert "destructive = false" in tests[nodeid]["message"]
    results = read_only.requirement_results()
    assert results["WC-DEP-CREATE"] == NOT_VERIFIED and FAILED not in results.values()
    assert verify(read_only.directory, capsys)[0] == 1


SUITE_PLUGINS = 'pytest_plugins = ["webchat_contract.plugin", "webchat_contract.reporting.plugin"]\n'
LATTICE_MODULE = """
import pytest
from webchat_contract.client import TargetError


@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")


@pytest.mark.requirement("WC-AUTH-401", "WC-RESP-SUCCESS")
def test_passes():
    pass


@pytest.mark.requirement("WC-AUTH-401", "WC-AUTH-403")
def test_breaks_the_contract():
    assert 200 == 403, "expected 403"


@pytest.mark.requirement("WC-AUTH-403", "WC-AUTH-ALLOWED")
def test_cannot_reach_the_target():
    raise TargetError("GET /x: cannot connect")


@pytest.mark.requirement("WC-AUTH-ORDER")
def test_has_a_bug():
    {}["id"]


@pytest.mark.requirement("WC-AUTH-NO-EFFECT")
def test_cannot_be_set_up(broken):
    pass


@pytest.mark.requirement("WC-RESP-SUCCESS")
def test_is_not_verified():
    pytest.skip("not verified: no principal lacks it")
"""


def test_each_test_and_requirement_gets_its_place_in_the_lattice(tmp_path):
    (tmp_path / "test_lattice.py").write_text(LATTICE_MODULE)
    (tmp_path / "conftest.py").write_text(SUITE_PLUGINS)
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--html={reports / 'report.html'}"]
    done = subprocess.run([*command, "test_lattice.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    results = json.loads((reports / "results.json").read_text())
    tests = {t["nodeid"].partition("::")[2]: t["outcome"] for t in results["tests"]}
    assert tests == {
        "test_passes": PASSED,
        "test_breaks_the_contract": FAILED,
        "test_cannot_reach_the_target": ERROR,
        "test_has_a_bug": ERROR,
        "test_cannot_be_set_up": ERROR,
        "test_is_not_verified": NOT_VERIFIED,
    }, done.stdout
    requirements = {r["id"]: r["result"] for r in results["requirements"]}
    assert requirements["WC-AUTH-401"] == requirements["WC-AUTH-403"] == FAILED
    assert {requirements[rid] for rid in ("WC-AUTH-ALLOWED", "WC-AUTH-ORDER", "WC-AUTH-NO-EFFECT")} == {ERROR}
    assert requirements["WC-RESP-SUCCESS"] == requirements["WC-DEP-LIST"] == NOT_VERIFIED
    assert results["verdict"] == NOT_CONFORMANT
    causes = [e["cause"] for e in results["run_errors"]]
    assert any("TargetError: GET /x: cannot connect" in c for c in causes) and any("fixture broke" in c for c in causes)


def test_a_parallel_run_gives_the_same_verdict_and_results(conformant, parallel):
    assert parallel.run.returncode == 0, parallel.run.output
    assert parallel.results["run"]["workers"] == 2
    assert parallel.results["verdict"] == conformant.results["verdict"]
    assert parallel.requirement_results() == conformant.requirement_results()
    assert parallel.test_outcomes() == conformant.test_outcomes()
    assert parallel.matrix_results() == conformant.matrix_results()


# --- the suite's requirement catalog ------------------------------------------------------------------------------


def test_every_requirement_has_a_test_and_no_test_names_an_unknown_id(collected):
    catalog = set(spec.requirements())
    declared = {rid for requirements, _ in collected.values() for rid in requirements}
    assert catalog - declared == set(), "requirements without a test"
    assert declared - catalog == set(), "tests naming unknown requirements"
    assert [nodeid for nodeid, (requirements, _) in collected.items() if not requirements] == []


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


# --- the nightly trend --------------------------------------------------------------------------------------------


def test_history_shows_what_newly_fails_and_since_when(not_conformant, history_dir):
    trend = not_conformant.results["trend"]
    assert len(list(history_dir.glob("*.json"))) == 2
    assert trend["previous_run"] is not None
    assert trend["newly_failing"] == [FAULT_REQUIREMENT] and trend["fixed"] == []
    assert trend["failing_since"] == {FAULT_REQUIREMENT: not_conformant.results["run"]["finished_at"]}
    assert [p["verdict"] for p in trend["passed_requirements"]] == [CONFORMANT, NOT_CONFORMANT]
    assert "newly failing" in not_conformant.html and "<svg" in not_conformant.html


def _record(day: int, **results: str) -> dict[str, Any]:
    requirements = {"WC-A": PASSED, "WC-B": PASSED, **results}
    failing = FAILED in requirements.values()
    return {
        "finished_at": f"2026-11-{day:02d}T03:00:00+00:00",
        "verdict": NOT_CONFORMANT if failing else CONFORMANT,
        "requirements": requirements,
        "failing_tests": [f"t::{rid}" for rid, got in requirements.items() if got == FAILED],
    }


def test_trend_tells_fixed_from_newly_failing_and_dates_the_failing_streak():
    earlier = [_record(1, **{"WC-B": FAILED}), _record(2, **{"WC-A": FAILED, "WC-B": FAILED})]
    trend = history.trend(earlier, _record(3, **{"WC-A": FAILED}))
    assert trend.newly_failing == [] and trend.fixed == ["WC-B"]
    assert trend.failing_since == {"WC-A": "2026-11-02T03:00:00+00:00"}
    assert trend.fixed_tests == ["t::WC-B"]
    assert [p.passed for p in trend.points] == [1, 0, 1]


def test_the_trend_chart_keeps_the_last_30_runs():
    runs = [_record(1 + n % 28) for n in range(40)]
    assert len(history.trend(runs[:-1], runs[-1]).points) == history.CHART_RUNS


# --- the lattice --------------------------------------------------------------------------------------------------


class Unreachable(Exception):
    pass


@pytest.mark.parametrize(
    ("exception", "contract_failure"),
    [
        (AssertionError("expected 403"), True),
        (ExceptionGroup("checks", [AssertionError("a"), AssertionError("b")]), True),
        (ExceptionGroup("checks", [AssertionError("a"), Unreachable("down")]), False),
        (Unreachable("down"), False),
        (KeyError("id"), False),
    ],
)
def test_only_assertions_about_the_target_are_contract_failures(exception, contract_failure):
    assert is_contract_failure(exception, (Unreachable,)) is contract_failure


@pytest.mark.parametrize(
    ("tests", "expected"),
    [
        ([PASSED, NOT_VERIFIED, ERROR, FAILED], FAILED),
        ([PASSED, NOT_VERIFIED, ERROR], ERROR),
        ([PASSED, NOT_VERIFIED], NOT_VERIFIED),
        ([], NOT_VERIFIED),
        ([PASSED, PASSED], PASSED),
    ],
)
def test_a_requirement_is_as_good_as_its_worst_test(tests, expected):
    assert requirement_result(tests) == expected


def test_the_verdict_needs_every_requirement_passed_and_a_complete_run():
    assert verdict([PASSED, FAILED, ERROR], run_complete=False) == NOT_CONFORMANT
    assert verdict([PASSED, NOT_VERIFIED], run_complete=True) == INCOMPLETE
    assert verdict([PASSED, PASSED], run_complete=False) == INCOMPLETE
    assert verdict([PASSED, PASSED], run_complete=True) == CONFORMANT


@pytest.mark.parametrize(
    ("reported", "selectable"),
    [
        ("suites/test_crud.py::test_settings_lifecycle@settings", "suites/test_crud.py::test_settings_lifecycle"),
        ("suites/test_auth.py::test_x[putWebchatSettings]@settings", "suites/test_auth.py::test_x[putWebchatSettings]"),
        ("suites/test_auth.py::test_x[a@b]", "suites/test_auth.py::test_x[a@b]"),
    ],
)  # fmt: skip
def test_results_name_tests_as_they_are_selected_without_the_xdist_group_suffix(reported, selectable):
    assert selectable_nodeid(reported) == selectable


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


# --- examples -----------------------------------------------------------------------------------------------------

EXAMPLES = ROOT / "examples"


def test_the_example_target_configs_load(monkeypatch):
    mock_tokens = [f"MOCK_{principal.upper().replace('-', '_')}_TOKEN" for principal in permission_sets()]
    for name in ("GENESYS_CLOUD_CLIENT_ID", "GENESYS_CLOUD_CLIENT_SECRET", *mock_tokens):
        monkeypatch.setenv(name, f"value-of-{name}")
    staging = config.load(EXAMPLES / "staging.toml")
    assert staging.base_url == "https://api.usw2.pure.cloud" and staging.destructive
    assert staging.principals["admin"].client_id == "value-of-GENESYS_CLOUD_CLIENT_ID"
    assert staging.principals["admin"].client_secret == "value-of-GENESYS_CLOUD_CLIENT_SECRET"
    mock = config.load(EXAMPLES / "local-mock.toml")
    assert mock.is_loopback
    assert {name: p.permissions for name, p in mock.principals.items()} == {
        name: frozenset(held) for name, held in permission_sets().items()
    }


def test_the_example_workflow_gates_pushes_and_runs_the_nightly_per_seed():
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    gate, nightly = workflow["jobs"]["gate"], workflow["jobs"]["nightly"]
    assert "push" in workflow[True] and "schedule" in workflow[True]  # YAML 1.1 reads the key `on` as true
    assert len(nightly["strategy"]["matrix"]["seed"]) > 1
    assert any("tox -e nightly" in step.get("run", "") for step in nightly["steps"])
    for job in (gate, nightly):
        uploads = [step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact")]
        assert uploads and uploads[0]["with"]["path"] == "reports/" and uploads[0]["if"] == "always()"
