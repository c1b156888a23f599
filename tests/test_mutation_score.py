"""The suite proves its strength: against every fault of the reference target, the run fails, and a failing test
verifies the requirement the fault breaks. Each fault runs only the tests of its requirement (--requirement), two
at a time; a line ``killed N/M`` is printed and any survivor fails."""

import os
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from suite_runner import SuiteRun, run_suite
from webchat_contract.reference.faults import FAULTS

PARALLEL = max(2, os.cpu_count() or 2)


def killed(fault: str, run: SuiteRun) -> bool:
    requirement = FAULTS[fault].requirement
    return run.returncode == 1 and any(requirement in run.requirements.get(name, ()) for name in run.failed)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, SuiteRun]:
    base = tmp_path_factory.mktemp("mutants")

    def run(fault: str) -> SuiteRun:
        folder = base / re.sub(r"[^\w-]", "_", fault)
        return run_suite(folder, f"--requirement={FAULTS[fault].requirement}", "-x", faults=(fault,))

    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(zip(FAULTS, pool.map(run, FAULTS), strict=True))


def test_mutation_score(runs, capsys):
    survivors = [fault for fault, run in runs.items() if not killed(fault, run)]
    with capsys.disabled():
        print(f"\nkilled {len(runs) - len(survivors)}/{len(runs)}")
    assert not survivors, "faults the suite did not catch: " + "; ".join(
        f"{fault} (exit {runs[fault].returncode}, failed: {runs[fault].failed[:3]})" for fault in survivors
    )


@pytest.mark.parametrize("fault", [f for f in FAULTS if ":" in f])
def test_a_per_operation_fault_is_reported_on_that_operation(runs, fault):
    """A permission fault of one operation fails a test whose name names that operation and a principal."""
    operation_id = fault.split(":", 1)[1]
    names = runs[fault].failed
    assert any(re.search(rf"\[{operation_id}\[[\w-]+\]-(allowed|denied)\]", name) for name in names), names


def test_every_category_of_the_contract_has_faults():
    concerns = {requirement_concern(fault) for fault in FAULTS}
    assert concerns >= {"authentication", "permissions", "crud", "validation", "happy path", "generated"}


def requirement_concern(fault: str) -> str:
    from webchat_contract import spec

    return spec.requirements()[FAULTS[fault].requirement].concern
