"""The machine-readable bundle: ``results.json`` (everything the run found) and ``certificate.json`` (the verdict
per requirement, tied to those results by their sha256)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import plugin as suite
from .. import spec
from . import outcomes
from .outcomes import CONFORMANT, ERROR, FAILED, NOT_CONFORMANT, NOT_VERIFIED, OUTCOMES
from .records import RunError, TestRecord, ordered_concerns

RESULTS_NAME = "results.json"
CERTIFICATE_NAME = "certificate.json"
RESULTS_FORMAT = "webchat-contract-results/1"
CERTIFICATE_FORMAT = "webchat-contract-certificate/1"


def build_results(run: Mapping[str, Any], tests: list[TestRecord], run_errors: list[RunError]) -> dict[str, Any]:
    """``run`` is the run's metadata (see ``plugin.ReportingSession.run_metadata``)."""
    requirements = requirement_entries(tests, spec.requirements())
    complete = run.get("complete", True) and not run_errors
    verdict = outcomes.verdict((r["result"] for r in requirements if holds_verdict(r)), complete)
    return {
        "format": RESULTS_FORMAT,
        "run": dict(run),
        "verdict": verdict,
        "next_step": next_step(verdict, requirements, run_errors, tests),
        "summary": {
            "requirements": _counts(r["result"] for r in requirements),
            "tests": _counts(t.outcome for t in tests),
        },
        "run_errors": [error.to_json() for error in run_errors],
        "requirements": requirements,
        "matrix": matrix(tests),
        "tests": [test.to_json() for test in tests],
    }


def requirement_entries(tests: list[TestRecord], catalog: Mapping[str, spec.Requirement]) -> list[dict[str, Any]]:
    entries = []
    for requirement in catalog.values():
        mine = [t for t in tests if requirement.id in t.requirements]
        entries.append(
            {
                "id": requirement.id,
                "text": requirement.text,
                "concern": requirement.concern,
                "extra": requirement.extra,
                "result": outcomes.requirement_result(t.outcome for t in mine),
                "tests": [t.nodeid for t in mine],
                "counts": _counts(t.outcome for t in mine),
            }
        )
    return entries


def holds_verdict(entry: Mapping[str, Any]) -> bool:
    """A requirement of an optional extra (the official SDK) that was not verified does not hold the verdict back:
    without the extra a run is judged on the contract alone, and the certificate still says it was not verified."""
    return not (entry.get("extra") and entry["result"] == NOT_VERIFIED)


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
    verdict: str, requirements: list[dict[str, Any]], run_errors: list[RunError], tests: list[TestRecord]
) -> str:
    """One line telling the reader what to do about this verdict."""
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
    reasons = Counter(t.message.removeprefix(suite.NOT_VERIFIED) for t in tests if t.outcome == NOT_VERIFIED)
    because = "; ".join(f"{reason or '(no reason given)'} ({n} tests)" for reason, n in reasons.most_common(3))
    return (
        f"Nothing failed, but {len(unverified)} of {len(requirements)} requirements were not verified"
        + (f", because: {because}" if because else "")
        + ". Remove the cause (e.g. allow writes on a target the suite may change, or configure principals with "
        "the missing permissions) and run again to get a verdict."
    )


def build_certificate(results: Mapping[str, Any], results_bytes: bytes) -> dict[str, Any]:
    run = results["run"]
    return {
        "format": CERTIFICATE_FORMAT,
        "target": run["target"]["base_url"],
        "embedded_reference_target": run["target"]["embedded"],
        "reference_faults": run["target"]["reference_faults"],
        "suite_version": run["suite_version"],
        "schemas_hash": run["schemas_hash"],
        "date": run["finished_at"],
        "hypothesis_profile": run["hypothesis"]["profile"],
        "hypothesis_seed": run["hypothesis"]["seed"],
        "requirements": {r["id"]: r["result"] for r in results["requirements"]},
        "verdict": results["verdict"],
        "results_sha256": sha256(results_bytes),
    }


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def to_json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_bundle(directory: Path, results: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write results.json, then the certificate naming its hash; each file appears whole or not at all."""
    results_bytes = to_json_bytes(results)
    results_path = write_atomically(directory / RESULTS_NAME, results_bytes)
    certificate_path = write_atomically(
        directory / CERTIFICATE_NAME, to_json_bytes(build_certificate(results, results_bytes))
    )
    return results_path, certificate_path


def write_atomically(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return path
