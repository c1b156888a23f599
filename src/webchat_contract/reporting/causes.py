"""Distinct causes: the failures of a run grouped by what the target did wrong, not by the tests that saw it.

A cause is a requirement, an operation and a message with what changes from one example to the next (ids, numbers,
generated values, quoted bodies) replaced by placeholders; its fingerprint names it across runs (for baselines and
the nightly history). The failures come from the "violation" properties checks record on a test; a failed test
that carries none falls back to its declared requirements and its failure message.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

VIOLATION_PROPERTY = "violation"
MAX_VIOLATIONS_PER_TEST = 20
MAX_MESSAGE = 500
FINGERPRINT_LENGTH = 12

_QUOTED_ANSWER = re.compile(r"( answered \d{3}):? .*$")
HEADLINE = 240
# in this order: a placeholder is never itself rewritten by a later rule
_NORMALISERS = [
    # what a check quotes of the response after "answered NNN: " is an example, not the cause
    (_QUOTED_ANSWER, r"\1"),
    (re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"), "<id>"),
    (re.compile(r"\bwcc-[0-9a-f]{8}-"), "<prefix>-"),
    (re.compile(r"https?://[^/\s'\"]+"), "<origin>"),
    # a quoted value cut short by an excerpt ("'xxxx... (5002 characters)")
    (re.compile(r"'[^']*?\.\.\.(?: \(\d+ characters(?: in all)?\))?"), "<value>"),
    (re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""), "<value>"),
    (re.compile(r"\[[^\[\]]*\]|\{[^{}]*\}"), "<value>"),
    (re.compile(r"\b(?:True|False|None|true|false|null)\b"), "<value>"),
    # which field a generated body differs in is an example too: "field name sent" ~ "field flow.id sent"
    (re.compile(r"\bfield [\w.\[\]-]+"), "field <field>"),
    (re.compile(r"\b(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{16,}\b"), "<id>"),
    # numbers, but not an HTTP status: "answered 500" and "answered 400" are different causes
    (re.compile(r"(?<![\w<])(?![1-5]\d\d\b)\d+(?:\.\d+)?(?![\w>])"), "<n>"),
    (re.compile(r"\s+"), " "),
]


def headline(message: str) -> str:
    """The message without the response excerpt a check quotes after "answered NNN" (the exchange shows it)."""
    text = _QUOTED_ANSWER.sub(r"\1", " ".join(message.split()))
    return text if len(text) <= HEADLINE else text[:HEADLINE] + "…"


def normalise(message: str) -> str:
    """The message without what varies between examples of one cause."""
    text = message.strip()
    for pattern, placeholder in _NORMALISERS:
        text = pattern.sub(placeholder, text)
    return text.strip()


def fingerprint(requirement: str, operation: str, message: str) -> str:
    key = "\n".join((requirement, operation, normalise(message)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


def violations_of(user_properties: Iterable[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The violations checks recorded on a test (``("violation", json)`` user properties), those that parse."""
    found = []
    for name, value in user_properties:
        if name != VIOLATION_PROPERTY:
            continue
        try:
            violation = json.loads(value) if isinstance(value, str) else dict(value)
        except (TypeError, ValueError):
            continue
        if isinstance(violation, dict) and violation.get("requirement") and violation.get("message") is not None:
            found.append(violation)
        if len(found) >= MAX_VIOLATIONS_PER_TEST:
            break
    return found


def build_causes(tests: Iterable[Any]) -> list[dict[str, Any]]:
    """One entry per distinct cause among the failed tests (``records.TestRecord``), most tests first."""
    causes: dict[str, dict[str, Any]] = {}
    for test in tests:
        if test.outcome != "failed":
            continue
        for failure in test.failures or [_fallback(test)]:
            requirement = str(failure.get("requirement", ""))
            operation = str(failure.get("operation") or "")
            message = str(failure.get("message", ""))
            key = fingerprint(requirement, operation, message)
            cause = causes.setdefault(
                key,
                {
                    "fingerprint": key,
                    "requirement": requirement,
                    "operation": operation,
                    "message": _short(message),
                    "headline": headline(message),
                    "pattern": normalise(message),
                    "count": 0,
                    "tests": [],
                    "exchange": None,
                    "reproduction": None,
                    "rerun": test.rerun,
                },
            )
            if test.nodeid not in cause["tests"]:
                cause["tests"].append(test.nodeid)
                cause["count"] += 1
            if cause["exchange"] is None and failure.get("exchange"):
                cause["exchange"] = failure["exchange"]
            if cause["reproduction"] is None and failure.get("reproduction"):
                cause["reproduction"] = failure["reproduction"]
    return sorted(causes.values(), key=lambda c: (-c["count"], c["requirement"], c["operation"], c["pattern"]))


def _fallback(test: Any) -> dict[str, Any]:
    """A failed test with no recorded failure: its declared requirements and its message."""
    return {
        "requirement": " ".join(test.requirements),
        "operation": test.operations[0] if len(test.operations) == 1 else "",
        "message": test.message,
    }


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "…"
