"""Checking a published bundle (results.json + certificate.json) against the current contract.

A bundle is accepted when both files parse, the certificate's hash is the hash of the results, both are about the
current schemas, they agree, and every requirement of the current catalog passed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import spec
from .outcomes import CONFORMANT, NOT_VERIFIED, PASSED
from .results import CERTIFICATE_FORMAT, CERTIFICATE_NAME, RESULTS_FORMAT, RESULTS_NAME, sha256


@dataclass
class Verification:
    directory: Path
    problems: list[str] = field(default_factory=list)
    verdict: str | None = None  # the certificate's, once it could be read

    @property
    def accepted(self) -> bool:
        return not self.problems and self.verdict == CONFORMANT

    def summary(self) -> str:
        if self.accepted:
            return f"{self.directory}: valid bundle, {CONFORMANT}"
        count = len(self.problems)
        said = f"the certificate says {self.verdict}" if self.verdict else "no verdict could be read"
        return f"{self.directory}: REJECTED ({count} problem{'s' if count != 1 else ''}; {said})"


def verify_bundle(directory: Path) -> Verification:
    check = Verification(directory)
    results_bytes, results = _read_json(directory / RESULTS_NAME, RESULTS_FORMAT, check)
    _, certificate = _read_json(directory / CERTIFICATE_NAME, CERTIFICATE_FORMAT, check)
    if certificate is not None:
        check.verdict = str(certificate.get("verdict"))
        _check_certificate(certificate, check)
    if results is not None and certificate is not None:
        _check_tie(results_bytes, results, certificate, check)
    return check


def _read_json(path: Path, expected_format: str, check: Verification) -> tuple[bytes, dict[str, Any] | None]:
    try:
        data = path.read_bytes()
    except OSError as error:
        check.problems.append(f"{path.name}: cannot read ({error.strerror or error})")
        return b"", None
    try:
        parsed = json.loads(data)
    except ValueError as error:
        check.problems.append(f"{path.name}: not valid JSON ({error})")
        return data, None
    if not isinstance(parsed, dict) or parsed.get("format") != expected_format:
        check.problems.append(f"{path.name}: not a {expected_format} document")
        return data, None
    return data, parsed


def _check_certificate(certificate: dict[str, Any], check: Verification) -> None:
    if certificate.get("schemas_hash") != spec.schemas_hash():
        check.problems.append(
            f"{CERTIFICATE_NAME}: schemas hash {certificate.get('schemas_hash')} is not the current contract's "
            f"{spec.schemas_hash()} (certified against other schemas)"
        )
    certified = certificate.get("requirements")
    certified = certified if isinstance(certified, dict) else {}
    for requirement in spec.requirements():
        result = certified.get(requirement)
        if result is None:
            check.problems.append(f"{CERTIFICATE_NAME}: requirement {requirement} is missing")
        elif result != PASSED and not (result == NOT_VERIFIED and spec.requirements()[requirement].extra):
            check.problems.append(f"{CERTIFICATE_NAME}: requirement {requirement} is {result}, not {PASSED}")
    if certificate.get("verdict") != CONFORMANT:
        check.problems.append(f"{CERTIFICATE_NAME}: verdict is {certificate.get('verdict')}, not {CONFORMANT}")


def _check_tie(results_bytes: bytes, results: dict[str, Any], certificate: dict[str, Any], check: Verification) -> None:
    """The certificate names the hash of these very results, and says what they say."""
    if certificate.get("results_sha256") != sha256(results_bytes):
        check.problems.append(f"{CERTIFICATE_NAME}: results_sha256 does not match {RESULTS_NAME} (altered or swapped)")
    said = {r.get("id"): r.get("result") for r in results.get("requirements", []) if isinstance(r, dict)}
    if said != certificate.get("requirements"):
        check.problems.append(f"{CERTIFICATE_NAME}: per-requirement results differ from {RESULTS_NAME}")
    if results.get("verdict") != certificate.get("verdict"):
        check.problems.append(f"{CERTIFICATE_NAME}: verdict differs from {RESULTS_NAME}'s {results.get('verdict')}")
    if results.get("run", {}).get("schemas_hash") != certificate.get("schemas_hash"):
        check.problems.append(f"{CERTIFICATE_NAME}: schemas hash differs from {RESULTS_NAME}'s")
