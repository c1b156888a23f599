"""``webchat-contract verify``: a bundle as written passes, an altered one is rejected with its problem."""

from __future__ import annotations

import json

import pytest
from bundles import (
    verify,
)

from webchat_contract.reporting.outcomes import (
    FAILED,
)


def test_verify_accepts_the_bundle_of_a_conformant_run(conformant, capsys):
    code, lines = verify(conformant.directory, capsys)
    assert code == 0, lines
    assert lines[-1].endswith("valid bundle, CONFORMANT")


def _change_a_result(results: dict, certificate: dict) -> None:
    results["tests"][0]["outcome"] = FAILED


def _certify_other_schemas(results: dict, certificate: dict) -> None:
    certificate["schemas_hash"] = "0" * 64


def _drop_a_requirement(results: dict, certificate: dict) -> None:
    del certificate["requirements"]["WC-VAL-BODY"]


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (_change_a_result, "results_sha256 does not match"),
        (_certify_other_schemas, "is not the current contract's"),
        (_drop_a_requirement, "requirement WC-VAL-BODY is missing"),
    ],
)
def test_verify_rejects_an_altered_bundle(conformant, tmp_path, capsys, tamper, problem):
    results, certificate = conformant.results, conformant.certificate
    tamper(results, certificate)
    (tmp_path / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (tmp_path / "certificate.json").write_text(json.dumps(certificate, indent=2) + "\n")
    code, lines = verify(tmp_path, capsys)
    assert code == 1
    assert any(problem in line for line in lines), lines
    assert "REJECTED" in lines[-1]
