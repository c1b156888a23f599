"""Violations: what a check found a target doing against one requirement of CONTRACT.md, with the exchange.

A check collects every violation it sees in a response and raises them together (``ContractViolation``); the
plugin records each one on the test item (``("violation", json)`` in ``user_properties``), so a failing test
fails exactly the requirements whose checks it saw violated, not every requirement its markers declare.
schemathesis's own failures are mapped to requirement ids here too (``from_schemathesis``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, NoReturn

from . import spec

PROPERTY = "violation"
BODY_EXCERPT = 300
SUCCESS = "WC-RESP-SUCCESS"
NO_5XX = "WC-RESP-NO-5XX"
CONTENT_TYPE = "WC-RESP-CONTENT-TYPE"
ERROR_BODY = "WC-RESP-ERROR-BODY"
INVENTED_ID_PREFIX = "wcc-missing-"  # ids the suite invents, that no target holds


@dataclass(frozen=True)
class Violation:
    requirement: str
    operation: str
    message: str
    exchange: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        where = f" {self.operation}" if self.operation else ""
        return f"[{self.requirement}{where}] {self.message}"

    def as_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=str)


class ContractViolation(AssertionError):
    """One or more violations seen together; the test fails once, naming all of them."""

    def __init__(self, violations: Iterable[Violation]):
        self.violations = list(violations)
        super().__init__("\n".join(v.line() for v in self.violations))


def exchange_of(response: Any) -> dict[str, Any]:
    """A short summary of an exchange (requests' or schemathesis's response): request line, status, body excerpt."""
    if response is None:
        return {}
    request = getattr(response, "request", None)
    headers = getattr(response, "headers", {}) or {}
    content_type = headers.get("Content-Type") or headers.get("content-type") or ""
    if isinstance(content_type, list):  # schemathesis keeps header values as lists
        content_type = content_type[0] if content_type else ""
    try:
        text = response.text if isinstance(response.text, str) else ""
    except Exception:  # a body that cannot be decoded is summarised by its absence
        text = ""
    return {
        "method": getattr(request, "method", None),
        "path": getattr(request, "path_url", None),
        "status": getattr(response, "status_code", None),
        "content_type": content_type,
        "body": text if len(text) <= BODY_EXCERPT else text[:BODY_EXCERPT] + "...",
    }


def describe(response: Any) -> str:
    """``METHOD /path answered STATUS: 'body...'`` for messages."""
    exchange = exchange_of(response)
    return (
        f"{exchange.get('method')} {exchange.get('path')} answered {exchange.get('status')}: {exchange.get('body')!r}"
    )


def operation_of(response: Any) -> str:
    """The operationId a response answered, from its request's method and path ("" when none matches)."""
    exchange = exchange_of(response)
    method, path = exchange.get("method") or "", (exchange.get("path") or "").split("?")[0]
    for op in spec.operations():
        if op.method != method:
            continue
        prefix, _, suffix = op.path.partition("{deploymentId}")
        if not op.has_path_id:
            if path == op.path:
                return op.operation_id
        elif (
            path.startswith(prefix) and path.endswith(suffix) and "/" not in path[len(prefix) : len(path) - len(suffix)]
        ):
            return op.operation_id
    return ""


def violation(requirement: str, message: str, response: Any = None, operation: str | None = None) -> Violation:
    if requirement not in spec.requirements():
        raise KeyError(f"unknown requirement {requirement}")  # a typo in the suite, never a target's doing
    operation = operation if operation is not None else operation_of(response)
    suffix = f"; {describe(response)}" if response is not None else ""
    return Violation(requirement, operation, message + suffix, exchange_of(response))


def fail(requirement: str, message: str, response: Any = None, operation: str | None = None) -> NoReturn:
    raise ContractViolation([violation(requirement, message, response, operation)])


def expect(condition: Any, requirement: str, message: str, response: Any = None) -> None:
    if not condition:
        fail(requirement, message, response)


def raise_if_any(violations: list[Violation]) -> None:
    if violations:
        raise ContractViolation(violations)


def found_in(error: BaseException | None) -> list[Violation]:
    """Every violation an exception carries, through exception groups (hypothesis reports several bugs so)."""
    return list(_walk(error))


def _walk(error: BaseException | None) -> Iterator[Violation]:
    if error is None:
        return
    if isinstance(error, ContractViolation):
        yield from error.violations
    elif isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _walk(inner)
    elif getattr(error, "exception", None) is not None:  # schemathesis's CustomFailure wraps a check's exception
        yield from _walk(error.exception)


def record(item: Any, error: BaseException | None) -> list[Violation]:
    """Put the violations ``error`` carries on the test item (JUnit properties, results.json); returns them."""
    found = found_in(error)
    for v in found:
        item.user_properties.append((PROPERTY, v.as_json()))
    return found


def recorded(user_properties: Iterable[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The violations recorded on a test (from its report's user_properties)."""
    return [json.loads(value) for name, value in user_properties if name == PROPERTY]


# --- schemathesis's built-in checks, mapped to the requirement each failure breaks -----------------------------
def _by_status(success: str, error: str):
    def pick(failure: Any, response: Any, case: Any) -> str | None:
        status = getattr(response, "status_code", 0)
        if status >= 500:
            return NO_5XX
        return success if status < 400 else error

    return pick


def _undocumented_status(failure: Any, response: Any, case: Any) -> str | None:
    # CONTRACT.md lists the error statuses as documented, with no MUST: only a success other than the documented
    # one, or a 5xx, breaks a requirement
    status = getattr(response, "status_code", 0)
    return NO_5XX if status >= 500 else SUCCESS if status < 400 else None


def _negative_accepted(failure: Any, response: Any, case: Any) -> str | None:
    body = getattr(case, "body", None)
    return "WC-VAL-BODY" if body is not None and type(body).__name__ != "NotSet" else "WC-VAL-MISSING-BODY"


def _positive_rejected(failure: Any, response: Any, case: Any) -> str | None:
    """Valid input refused: unknown fields in it must be ignored; an id no target holds must get 404 (the suite
    invents those); otherwise the documented success was due."""
    body = getattr(case, "body", None)
    op = next((o for o in spec.operations() if o.path == case.operation.path and o.method == str(case.method).upper()),
              None)  # fmt: skip
    if (
        op is not None
        and op.request_model
        and isinstance(body, dict)
        and spec.declared_part(op.request_model, body) != body
    ):
        return "WC-VAL-UNKNOWN-FIELDS"
    deployment_id = (getattr(case, "path_parameters", None) or {}).get("deploymentId")
    if isinstance(deployment_id, str) and deployment_id.startswith(INVENTED_ID_PREFIX):
        return "WC-DEP-NOT-FOUND"
    return SUCCESS


FAILURE_REQUIREMENTS: dict[str, Any] = {
    "ServerError": lambda *_: NO_5XX,
    "ContentTypeServerError": lambda *_: NO_5XX,
    "UndefinedStatusCode": _undocumented_status,
    "JsonSchemaError": _by_status(SUCCESS, ERROR_BODY),
    "MalformedJson": _by_status(SUCCESS, ERROR_BODY),
    "ContentDeserializationError": _by_status(SUCCESS, ERROR_BODY),
    "MissingContentType": lambda *_: CONTENT_TYPE,
    "MalformedMediaType": lambda *_: CONTENT_TYPE,
    "UndefinedContentType": lambda *_: CONTENT_TYPE,
    "AcceptedNegativeData": _negative_accepted,
    "RejectedPositiveData": _positive_rejected,
    "UseAfterFree": lambda *_: "WC-DEP-DELETE",
    "EnsureResourceAvailability": lambda *_: "WC-DEP-CREATE",
}


def from_schemathesis(failures: Iterable[BaseException], response: Any, case: Any) -> list[Violation]:
    """schemathesis's failures of one response as violations; failures the contract does not make a MUST (an
    undocumented 4xx status, ...) are dropped. A failure the map does not know is kept on the response's
    success or error requirement, so nothing is silently lost."""
    found: list[Violation] = []
    for failure in failures:
        inner = found_in(failure)
        if inner:
            found += [v if v.exchange else Violation(v.requirement, v.operation, v.message, exchange_of(response))
                      for v in inner]  # fmt: skip
            continue
        pick = FAILURE_REQUIREMENTS.get(type(failure).__name__, _by_status(SUCCESS, ERROR_BODY))
        requirement = pick(failure, response, case)
        if requirement is None:
            continue
        title = getattr(failure, "title", type(failure).__name__)
        message = " ".join(f"{title}: {getattr(failure, 'message', '')}".split())
        found.append(violation(requirement, message[:500], response))
    return found
