"""The lattice, in process: test outcomes, requirement results, the verdict, and how results name tests."""

from __future__ import annotations

import pytest

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
