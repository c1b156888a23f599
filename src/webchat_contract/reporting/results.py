"""The machine-readable bundle: ``results.json`` (everything the run found) and ``certificate.json`` (the verdict
per requirement, tied to those results by their sha256; see ``certificate``).

A run of part of the suite (see ``selection``) is marked partial, cannot be CONFORMANT, and writes its bundle under
``partial/``, so it never replaces the bundle of a complete run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import spec
from . import causes, outcomes
from .certificate import CERTIFICATE_NAME, EMBEDDED_SUBJECT, build_certificate
from .files import to_json_bytes, write_atomically
from .outcomes import CONFORMANT, ERROR, FAILED, NOT_CONFORMANT, NOT_VERIFIED, NOT_VERIFIED_PREFIX, OUTCOMES, PASSED
from .records import RunError, TestRecord, ordered_concerns
from .selection import PARTIAL_DIR

RESULTS_NAME = "results.json"
RESULTS_FORMAT = "webchat-contract-results/1"


def build_results(run: Mapping[str, Any], tests: list[TestRecord], run_errors: list[RunError]) -> dict[str, Any]:
    """``run`` is the run's metadata (see ``run_facts.run_metadata``); its ``narrowed_by`` lists what
    selected part of the suite, if anything did."""
    requirements = requirement_entries(tests, spec.requirements())
    partial = partial_facts(run.get("narrowed_by") or [], requirements)
    complete = run.get("complete", True) and not run_errors and partial is None
    verdict = outcomes.verdict((r["result"] for r in requirements if holds_verdict(r)), complete)
    found = causes.build_causes(tests)
    return {
        "format": RESULTS_FORMAT,
        "run": dict(run),
        "verdict": verdict,
        "partial": partial,
        "next_step": next_step(verdict, requirements, run_errors, tests, run, partial),
        "summary": {
            "requirements": _counts(r["result"] for r in requirements),
            "tests": _counts(t.outcome for t in tests),
        },
        "run_errors": [error.to_json() for error in run_errors],
        "causes": found,
        "requirements": requirements,
        "matrix": matrix(tests),
        "tests": [test.to_json() for test in tests],
    }


def partial_facts(narrowed_by: list[str], requirements: list[dict[str, Any]]) -> dict[str, Any] | None:
    """For a run of part of the suite: how many requirements it ran tests of, and what selected them."""
    if not narrowed_by:
        return None
    return {
        "requirements_run": sum(1 for r in requirements if r["tests"]),
        "requirements_total": len(requirements),
        "narrowed_by": list(narrowed_by),
    }


def partial_line(partial: Mapping[str, Any]) -> str:
    return (
        f"partial run: {partial['requirements_run']} of {partial['requirements_total']} requirements "
        f"(selected by {' '.join(partial['narrowed_by'])})"
    )


def requirement_entries(tests: list[TestRecord], catalog: Mapping[str, spec.Requirement]) -> list[dict[str, Any]]:
    entries = []
    for requirement in catalog.values():
        judged = [(t, t.outcome_for(requirement.id)) for t in tests]
        mine = [(t, outcome) for t, outcome in judged if outcome is not None]
        entries.append(
            {
                "id": requirement.id,
                "text": requirement.text,
                "concern": requirement.concern,
                "extra": requirement.extra,
                "result": outcomes.requirement_result(outcome for _, outcome in mine),
                "tests": [t.nodeid for t, _ in mine],
                "counts": _counts(outcome for _, outcome in mine),
                "evidence": evidence([t for t, _ in mine]),
            }
        )
    return entries


def holds_verdict(entry: Mapping[str, Any]) -> bool:
    """A requirement of an optional extra (the official SDK) that was not verified does not hold the verdict back:
    without the extra a run is judged on the contract alone, and the certificate still says it was not verified."""
    return not (entry.get("extra") and entry["result"] == NOT_VERIFIED)


def evidence(tests: list[TestRecord]) -> dict[str, int]:
    """How hard a requirement was tried: the tests of it that passed, and the requests they sent."""
    passed = [t for t in tests if t.outcome == PASSED]
    return {"tests": len(passed), "exchanges": sum(t.exchanges for t in passed)}


def matrix(tests: list[TestRecord]) -> dict[str, dict[str, dict[str, Any]]]:
    """operationId -> concern -> {result, tests}: every operation of the contract, every concern some test has."""
    concerns = ordered_concerns(t.concern for t in tests)
    table = {}
    for operation in spec.operations():
        row = {}
        for concern in concerns:
            mine = [t for t in tests if t.concern == concern and operation.operation_id in t.operations]
            row[concern] = {
                "result": outcomes.worst(t.outcome for t in mine),
                "tests": [t.nodeid for t in mine],
                "counts": _counts(t.outcome for t in mine),
            }
        table[operation.operation_id] = row
    return table


def _counts(values: Iterable[str]) -> dict[str, int]:
    counted = Counter(values)
    return {outcome: counted.get(outcome, 0) for outcome in OUTCOMES}


def next_step(
    verdict: str,
    requirements: list[dict[str, Any]],
    run_errors: list[RunError],
    tests: list[TestRecord],
    run: Mapping[str, Any] | None = None,
    partial: Mapping[str, Any] | None = None,
) -> str:
    """One line telling the reader what to do about this verdict."""
    embedded = bool((run or {}).get("target", {}).get("embedded"))
    if partial is not None and verdict != NOT_CONFORMANT:
        return (
            f"A partial run certifies nothing (its bundle is under {PARTIAL_DIR}/, beside a complete run's, which it "
            "never replaces): run the whole suite, without -k, -m, --requirement or test ids, for a certificate."
        )
    if verdict == CONFORMANT and embedded:
        return (
            f"Nothing to fix: this certifies {EMBEDDED_SUBJECT} (the suite and its installation work). To certify "
            "a server, run the suite against it: --target-config FILE (see examples/)."
        )
    if verdict == CONFORMANT:
        return (
            "Nothing to fix. Publish certificate.json together with results.json; "
            "anyone can check the pair with: webchat-contract verify DIR"
        )
    if verdict == NOT_CONFORMANT:
        failed = [r["id"] for r in requirements if r["result"] == FAILED]
        return (
            f"Fix the target for {', '.join(failed)}: each failed test in the report's results table shows the "
            "exchanges and the command that reruns it. Then run the suite again."
        )
    if run_errors:
        return (
            "The suite could not finish its job: resolve the run errors above (is the target reachable, are the "
            "credentials valid?), then run again. No verdict on the target was reached."
        )
    unverified = [r["id"] for r in requirements if r["result"] in (ERROR, NOT_VERIFIED)]
    reasons = Counter(t.message.removeprefix(NOT_VERIFIED_PREFIX) for t in tests if t.outcome == NOT_VERIFIED)
    because = "; ".join(f"{reason or '(no reason given)'} ({n} tests)" for reason, n in reasons.most_common(3))
    return (
        f"Nothing failed, but {len(unverified)} of {len(requirements)} requirements were not verified"
        + (f", because: {because}" if because else "")
        + ". Remove the cause (e.g. allow writes on a target the suite may change, or configure principals with "
        "the missing permissions) and run again to get a verdict."
    )


def write_bundle(directory: Path, results: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write results.json, then the certificate naming its hash; each file appears whole or not at all. A partial
    run's go under ``partial/``."""
    if results.get("partial") is not None and directory.name != PARTIAL_DIR:
        directory = directory / PARTIAL_DIR
    results_bytes = to_json_bytes(results)
    results_path = write_atomically(directory / RESULTS_NAME, results_bytes)
    certificate_path = write_atomically(
        directory / CERTIFICATE_NAME, to_json_bytes(build_certificate(results, results_bytes))
    )
    return results_path, certificate_path
