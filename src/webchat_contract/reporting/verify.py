"""Checking a published bundle (results.json + certificate.json) against the installed suite.

A bundle is accepted when both files parse, the certificate's hash is the hash of the results, every fact the
certificate states is the one the results state (target, date, suite version, schemas, profile, seed, selection,
per-requirement results, verdict), both are about this installation's schemas and requirement catalog, the run was
complete, and every requirement passed. With a public key, the certificate must also carry that key's signature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__, spec
from . import certificate as certificates
from .certificate import CERTIFICATE_FORMAT, CERTIFICATE_NAME
from .files import sha256
from .outcomes import CONFORMANT, NOT_VERIFIED, PASSED
from .results import RESULTS_FORMAT, RESULTS_NAME, partial_line


@dataclass
class Verification:
    directory: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # facts a reader should see that do not reject the bundle
    verdict: str | None = None  # the certificate's, once it could be read
    embedded: bool = False  # the certificate is about the embedded reference target

    @property
    def accepted(self) -> bool:
        return not self.problems and self.verdict == CONFORMANT

    def summary(self) -> str:
        about = f" (certifies {certificates.EMBEDDED_SUBJECT})" if self.embedded else ""
        if self.accepted:
            return f"{self.directory}: valid bundle, {CONFORMANT}{about}"
        count = len(self.problems)
        said = f"the certificate says {self.verdict}" if self.verdict else "no verdict could be read"
        return f"{self.directory}: REJECTED ({count} problem{'s' if count != 1 else ''}; {said}){about}"


def verify_bundle(directory: Path, public_key: Any = None) -> Verification:
    """``public_key``: an Ed25519 public key (``signing.load_public_key``) the certificate must be signed with."""
    check = Verification(directory)
    results_bytes, results = _read_json(directory / RESULTS_NAME, RESULTS_FORMAT, check)
    _, certificate = _read_json(directory / CERTIFICATE_NAME, CERTIFICATE_FORMAT, check)
    if certificate is not None:
        check.verdict = str(certificate.get("verdict"))
        check.embedded = certificate.get("embedded_reference_target") is True
        _check_certificate(certificate, check)
        _check_signature(certificate, public_key, check)
    if results is not None:
        _check_catalog(results, check)
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
    partial = certificate.get("partial")
    if partial is not None:
        described = partial_line(partial) if isinstance(partial, dict) and _is_partial_record(partial) else "partial"
        check.problems.append(f"{CERTIFICATE_NAME}: {described}")
    certified = certificate.get("requirements")
    certified = certified if isinstance(certified, dict) else {}
    for requirement in spec.requirements():
        result = certified.get(requirement)
        if result is None:
            check.problems.append(f"{CERTIFICATE_NAME}: requirement {requirement} is missing")
        elif result != PASSED and not (result == NOT_VERIFIED and spec.requirements()[requirement].extra):
            check.problems.append(f"{CERTIFICATE_NAME}: requirement {requirement} is {result}, not {PASSED}")
    unknown = sorted(set(certified) - set(spec.requirements()))
    if unknown:
        check.problems.append(
            f"{CERTIFICATE_NAME}: requirements {', '.join(unknown)} are not in this installation's catalog"
        )
    if certificate.get("verdict") != CONFORMANT:
        check.problems.append(f"{CERTIFICATE_NAME}: verdict is {certificate.get('verdict')}, not {CONFORMANT}")


def _is_partial_record(partial: dict[str, Any]) -> bool:
    return {"requirements_run", "requirements_total", "narrowed_by"} <= partial.keys()


def _check_catalog(results: dict[str, Any], check: Verification) -> None:
    """The results were produced by a suite with this installation's requirement catalog (ids and texts)."""
    entries = results.get("requirements")
    said = {r.get("id"): r.get("text") for r in entries if isinstance(r, dict)} if isinstance(entries, list) else {}
    catalog = {rid: requirement.text for rid, requirement in spec.requirements().items()}
    if said == catalog:
        return
    parts = []
    for label, ids in (
        ("missing", catalog.keys() - said.keys()),
        ("not in the catalog", said.keys() - catalog.keys()),
        ("worded differently", {rid for rid in catalog.keys() & said.keys() if said[rid] != catalog[rid]}),
    ):
        if ids:
            parts.append(f"{label}: {', '.join(sorted(map(str, ids)))}")
    check.problems.append(
        f"{RESULTS_NAME}: its requirement catalog differs from the installed suite's "
        f"(webchat-contract {__version__}; {'; '.join(parts)})"
    )


def _check_tie(results_bytes: bytes, results: dict[str, Any], certificate: dict[str, Any], check: Verification) -> None:
    """The certificate names the hash of these very results, and says what they say."""
    if certificate.get("results_sha256") != sha256(results_bytes):
        check.problems.append(f"{CERTIFICATE_NAME}: results_sha256 does not match {RESULTS_NAME} (altered or swapped)")
    for name in certificates.differences(certificate, results):
        check.problems.append(f"{CERTIFICATE_NAME}: {name} differs from what {RESULTS_NAME} says")


def _check_signature(certificate: dict[str, Any], public_key: Any, check: Verification) -> None:
    from . import signing

    signature = certificate.get(signing.SIGNATURE)
    if public_key is None:
        if isinstance(signature, dict):
            check.notes.append(
                f"signed by key {signature.get('key_fingerprint')}; not checked (give --public-key to check it)"
            )
        return
    problem = signing.check(certificate, public_key)
    if problem:
        check.problems.append(f"{CERTIFICATE_NAME}: {problem}")
    else:
        check.notes.append(f"signature: valid, by key {signature.get('key_fingerprint')}")
