"""``--baseline``: known causes pass the gate (exit status) but never the certificate; new ones fail it."""

from __future__ import annotations

from bundles import (
    FAULT,
    FAULT_REQUIREMENT,
    run_embedded,
    verify,
)

from webchat_contract.reporting.outcomes import (
    NOT_CONFORMANT,
)


def test_a_known_cause_passes_the_gate_but_never_the_certificate(known_yaml, tmp_path, capsys):
    bundle = run_embedded(tmp_path, f"--baseline={known_yaml}", faults=(FAULT,))
    assert bundle.run.returncode == 0, bundle.run.output
    assert bundle.results["verdict"] == bundle.certificate["verdict"] == NOT_CONFORMANT
    compared = bundle.results["baseline"]
    assert compared["new"] == [] and compared["fixed"] == [] and len(compared["known"]) == 1
    assert "0 new, 1 known" in bundle.run.output
    assert verify(bundle.directory, capsys)[0] == 1


def test_a_new_cause_fails_the_gate_and_a_known_one_not_seen_is_offered_for_removal(known_yaml, tmp_path):
    bundle = run_embedded(tmp_path, f"--baseline={known_yaml}", "--tb=short", faults=("put-not-persisted",))
    assert bundle.run.returncode == 1, bundle.run.output
    compared = bundle.results["baseline"]
    assert compared["new"] and not compared["known"]
    assert [entry["requirement"] for entry in compared["fixed"]] == [FAULT_REQUIREMENT]
    assert "remove from the baseline if fixed" in bundle.run.output
    assert "= FAILURES =" in bundle.run.output  # --tb asks for the tracebacks: they are shown
