"""The outcome lattice: what a test, a requirement and a whole run come to.

A test is ``passed``, ``failed`` (the target broke the contract), ``error`` (the suite could not do its job) or
``not verified`` (skipped). Outcomes combine by severity, the worst winning: failed > error > not verified > passed.
A requirement takes the combined outcome of its tests (``not verified`` when none of them ran); the run's verdict
is NOT CONFORMANT when a requirement failed, INCOMPLETE when one is in error or not verified or the run itself did
not finish, CONFORMANT otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable

PASSED = "passed"
FAILED = "failed"
ERROR = "error"
NOT_VERIFIED = "not verified"
NOT_VERIFIED_PREFIX = f"{NOT_VERIFIED}: "  # how a skip reason says the test could not check anything
NONE = "(none)"  # a matrix cell no test covers

OUTCOMES = (PASSED, FAILED, ERROR, NOT_VERIFIED)
SEVERITY = {PASSED: 0, NOT_VERIFIED: 1, ERROR: 2, FAILED: 3}

CONFORMANT = "CONFORMANT"
NOT_CONFORMANT = "NOT CONFORMANT"
INCOMPLETE = "INCOMPLETE"


def worst(outcomes: Iterable[str], empty: str = NONE) -> str:
    """The most severe of ``outcomes``; ``empty`` when there are none."""
    found = list(outcomes)
    return max(found, key=SEVERITY.__getitem__) if found else empty


def requirement_result(test_outcomes: Iterable[str]) -> str:
    """A requirement is as good as the worst of its tests; with no test that ran, it is not verified."""
    return worst(test_outcomes, empty=NOT_VERIFIED)


def verdict(requirement_results: Iterable[str], run_complete: bool) -> str:
    results = set(requirement_results)
    if FAILED in results:
        return NOT_CONFORMANT
    if results - {PASSED} or not run_complete:
        return INCOMPLETE
    return CONFORMANT


def phase_outcome(outcome: str, when: str, exception: BaseException | None, run_errors: tuple[type, ...]) -> str:
    """The lattice outcome of one phase report (pytest's ``outcome`` and ``when``, the exception it raised)."""
    if outcome == "passed":
        return PASSED
    if outcome == "skipped":
        return NOT_VERIFIED
    if when == "call" and exception is not None and is_contract_failure(exception, run_errors):
        return FAILED
    return ERROR


def is_contract_failure(exception: BaseException, run_errors: tuple[type, ...]) -> bool:
    """An assertion about the target (exception groups of them included, as hypothesis and schemathesis raise);
    anything else in a test, and any of ``run_errors`` anywhere in it, means the suite could not do its job."""
    found = list(leaves(exception))
    if any(isinstance(leaf, run_errors) for leaf in found):
        return False
    return all(isinstance(leaf, AssertionError) for leaf in found)


def leaves(exception: BaseException) -> Iterable[BaseException]:
    """The exceptions an exception group holds, however nested (the exception itself when it is no group)."""
    if isinstance(exception, BaseExceptionGroup):
        for inner in exception.exceptions:
            yield from leaves(inner)
    else:
        yield exception
