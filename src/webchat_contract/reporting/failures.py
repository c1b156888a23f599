"""What a failed test found, as plain data for its report: each failure with its requirement, operation, message,
the exchange that shows it and, for a generated test, how to reproduce it.

The "violation" properties checks record are the source (see ``causes``); a test without any falls back to its
declared requirements and to what it raised: each assertion (schemathesis's check failures and hypothesis's
distinct failures included) is one failure, its exchange the one its message quotes, else the last one of its
operation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import exchanges
from .causes import MAX_VIOLATIONS_PER_TEST, fingerprint, violations_of
from .outcomes import leaves
from .records import first_line

MAX_REPRODUCTION = 2000


def failures_of(
    item: Any, exception: BaseException | None, message: str, redact: Callable[[str], str], target: Any
) -> list[dict[str, Any]]:
    source = _Exchanges(target, redact)
    recorded = violations_of(item.user_properties)
    if recorded:
        return [_from_violation(v, source, redact) for v in recorded]
    declared = " ".join(sorted({rid for mark in item.iter_markers("requirement") for rid in mark.args}))
    found: dict[str, dict[str, Any]] = {}
    for leaf in leaves(exception) if exception is not None else []:
        failure = _from_exception(leaf, declared, source, redact)
        if failure is not None:
            found.setdefault(fingerprint(failure["requirement"], failure["operation"], failure["message"]), failure)
        if len(found) >= MAX_VIOLATIONS_PER_TEST:
            break
    if not found:
        return [{"requirement": declared, "operation": "", "message": redact(message)}]
    reproduction = _reproduction(exception, redact)
    for failure in found.values():
        failure.setdefault("reproduction", reproduction)
    return list(found.values())


def _from_violation(violation: dict[str, Any], source: _Exchanges, redact: Callable[[str], str]) -> dict[str, Any]:
    message = redact(first_line(str(violation["message"])))
    operation = str(violation.get("operation") or "")
    # the full exchange (headers, both bodies, curl) when the test's exchanges have it, else the check's summary
    exchange = source.pick(message, operation) or _from_summary(violation.get("exchange"), redact)
    return {
        "requirement": str(violation["requirement"]),
        "operation": operation,
        "message": message,
        "exchange": exchange,
    }


def _from_summary(summary: Any, redact: Callable[[str], str]) -> dict[str, Any] | None:
    """A violation's own exchange summary (method, path, status, body) in the report's exchange shape."""
    if not isinstance(summary, dict) or not summary.get("method"):
        return None
    return _redacted(
        {
            "method": summary.get("method"),
            "url": summary.get("url") or summary.get("path") or "",
            "principal": summary.get("principal"),
            "request_headers": {},
            "request_body": summary.get("request_body"),
            "status": summary.get("status"),
            "response_headers": {"Content-Type": summary["content_type"]} if summary.get("content_type") else {},
            "response_body": exchanges.cut(summary.get("body")),
        },
        redact,
    )


def _from_exception(
    leaf: BaseException, declared: str, source: _Exchanges, redact: Callable[[str], str]
) -> dict[str, Any] | None:
    if not isinstance(leaf, AssertionError):
        return None
    label = getattr(leaf, "operation", None)  # a schemathesis check failure names its operation
    if hasattr(leaf, "title") and isinstance(label, str):
        detail = first_line(str(getattr(leaf, "message", "") or ""))
        message = f"{leaf.title}: {detail}" if detail else str(leaf.title)
        operation = exchanges.operation_of_label(label)
    else:
        message = first_line(str(leaf)) or type(leaf).__name__
        quoted = exchanges.answered_in(message)
        operation = exchanges.operation_of_request(quoted[0], quoted[1]) if quoted else ""
    message = redact(message)
    failure = {"requirement": declared, "operation": operation, "message": message}
    failure["exchange"] = source.pick(message, operation)
    return failure


class _Exchanges:
    """The test's exchanges: the target's transcript (the suite client's requests and schemathesis's alike)."""

    def __init__(self, target: Any, redact: Callable[[str], str]):
        self.redact = redact
        transcript = getattr(target, "transcript", None)
        self.recorded = list(getattr(transcript, "exchanges", []) or [])

    def pick(self, message: str, operation: str) -> dict[str, Any] | None:
        chosen = exchanges.pick(self.recorded, message, operation)
        return exchanges.from_transcript(chosen, self.redact) if chosen is not None else None


def _reproduction(exception: BaseException | None, redact: Callable[[str], str]) -> str | None:
    """hypothesis's notes (the falsifying example, @reproduce_failure / @seed) of the exception and its leaves."""
    if exception is None:
        return None
    notes: list[str] = []
    for error in [exception, *leaves(exception)]:
        notes += [str(note) for note in getattr(error, "__notes__", []) or [] if str(note) not in notes]
    text = "\n".join(notes).strip()
    if not text:
        return None
    if len(text) > MAX_REPRODUCTION:
        text = text[:MAX_REPRODUCTION] + "…"
    return redact(text)


def _redacted(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {str(k): _redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v, redact) for v in value]
    return value
