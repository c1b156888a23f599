"""The verdict of a run in results.json, the certificate, the exit status and the terminal: conformant, not
conformant, incomplete; each test and requirement in its place of the lattice; the same with ``-n 2``."""

from __future__ import annotations

import html
import json
import subprocess
import sys

from bundles import (
    FAULT_REQUIREMENT,
    UNREACHABLE,
    verify,
)

from webchat_contract import spec
from webchat_contract.reporting.outcomes import (
    CONFORMANT,
    ERROR,
    FAILED,
    INCOMPLETE,
    NOT_CONFORMANT,
    NOT_VERIFIED,
    PASSED,
)


def test_a_conformant_target_is_conformant_everywhere(conformant):
    assert conformant.run.returncode == 0, conformant.run.output
    assert conformant.results["verdict"] == conformant.certificate["verdict"] == CONFORMANT
    assert set(conformant.requirement_results()) == set(spec.requirements())
    assert set(conformant.requirement_results().values()) == {PASSED}
    assert "<title" in conformant.html and "WebChat contract: CONFORMANT" in conformant.html
    assert 'class="wcc-verdict wcc-verdict--conformant"' in conformant.html
    assert "webchat-contract: CONFORMANT" in conformant.run.output
    assert conformant.certificate["schemas_hash"] == spec.schemas_hash()


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
