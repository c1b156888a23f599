"""``certificate.json``: the verdict per requirement and what it is about (target, date, suite version, schemas,
hypothesis profile and seed, the selection of a partial run), tied to ``results.json`` by its sha256.

Every field the certificate takes from the results is listed once in ``BOUND``: the certificate is built from it and
``verify`` checks each against the results it names, so no field can be edited on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .files import sha256

CERTIFICATE_NAME = "certificate.json"
CERTIFICATE_FORMAT = "webchat-contract-certificate/1"
EMBEDDED_SUBJECT = "the embedded reference target, not a server"

Results = Mapping[str, Any]


def _run(results: Results) -> Mapping[str, Any]:
    return results["run"]


# certificate field -> the same fact in results.json
BOUND: dict[str, Callable[[Results], Any]] = {
    "target": lambda r: _run(r)["target"]["base_url"],
    "embedded_reference_target": lambda r: _run(r)["target"]["embedded"],
    "reference_faults": lambda r: _run(r)["target"]["reference_faults"],
    "suite_version": lambda r: _run(r)["suite_version"],
    "schemas_hash": lambda r: _run(r)["schemas_hash"],
    "date": lambda r: _run(r)["finished_at"],
    "hypothesis_profile": lambda r: _run(r)["hypothesis"]["profile"],
    "hypothesis_seed": lambda r: _run(r)["hypothesis"]["seed"],
    "partial": lambda r: r.get("partial"),
    "requirements": lambda r: {x["id"]: x["result"] for x in r["requirements"]},
    "verdict": lambda r: r["verdict"],
}


def subject(results: Results) -> str:
    """What the certificate is about, in words: a server, or the suite's own embedded reference target."""
    target = _run(results)["target"]
    if target["embedded"]:
        faults = target.get("reference_faults") or []
        return EMBEDDED_SUBJECT + (f" (with faults {', '.join(faults)})" if faults else "")
    return f"the server at {target['base_url']}"


def build_certificate(results: Results, results_bytes: bytes) -> dict[str, Any]:
    return {
        "format": CERTIFICATE_FORMAT,
        "certifies": subject(results),
        **{name: fact(results) for name, fact in BOUND.items()},
        "results_sha256": sha256(results_bytes),
    }


def differences(certificate: Mapping[str, Any], results: Results) -> list[str]:
    """The certificate's fields that do not say what the results say."""
    found = []
    for name, fact in {**BOUND, "certifies": subject}.items():
        try:
            expected = fact(results)
        except (KeyError, TypeError, AttributeError):
            found.append(f"{name}: results.json does not say")
            continue
        if certificate.get(name) != expected:
            found.append(name)
    return found
