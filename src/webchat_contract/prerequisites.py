"""Prerequisites: what a test needs from the target before it can check anything (a deployment to act on, the
settings as found, a readable list). When the target cannot give it, that is one verdict: the first test that
needed it fails on the requirement the target broke, with the exchange; every later test that needs it is
"not verified: needs <what>, which failed in <test>" instead of failing again for the same cause.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TypeVar

import pytest

from .reporting.outcomes import NOT_VERIFIED_PREFIX as NOT_VERIFIED
from .violations import ContractViolation

T = TypeVar("T")

_failed: dict[str, str] = {}  # what -> the test it failed in (per process)
_lock = threading.Lock()


def not_verified(reason: str) -> str:
    """The one spelling of a "not verified" skip reason."""
    return f"{NOT_VERIFIED}{reason}"


def needs(what: str, failed_in: str) -> str:
    return not_verified(f"needs {what}, which failed in {failed_in}")


def current_test() -> str:
    """The node id of the test running now (pytest sets PYTEST_CURRENT_TEST: ``nodeid (phase)``)."""
    return os.environ.get("PYTEST_CURRENT_TEST", "an earlier test").rsplit(" (", 1)[0]


def require(what: str, produce: Callable[[], T]) -> T:
    """``produce()``'s result; if it finds the target in violation, the current test fails on those violations
    and the prerequisite is remembered as failed; if it failed before, the test is skipped as not verified."""
    with _lock:
        failed_in = _failed.get(what)
    if failed_in is not None:
        pytest.skip(needs(what, failed_in))
    try:
        return produce()
    except ContractViolation:
        with _lock:
            _failed.setdefault(what, current_test())
        raise


def reset() -> None:
    """Forget failed prerequisites (a new session in the same process)."""
    with _lock:
        _failed.clear()
