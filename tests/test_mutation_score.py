"""The suite proves its strength and its aim: against every fault of the reference target, the run fails, and the
requirements it fails are exactly those the fault's entry names (``Fault.fails()``: its requirement and its
``also_fails``, in webchat_contract/reference/faults/), read from the violations each failing test recorded. A fault
that also fails an unrelated requirement, or a regression in attribution, fails here. Every fault is a full run (lean
``mutation`` hypothesis profile), several at a time; ``killed N/M`` and the time taken are printed.

tests/data/fault_requirements.txt holds the same sets as text, generated from the registry (tests/test_faults.py
checks it is current), so a change of what a fault fails shows in a diff."""

import importlib.util
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from suite_runner import SuiteRun, run_suite
from webchat_contract import spec
from webchat_contract.reference.faults import FAULTS, REWRITE_GOLDEN

PARALLEL = max(2, os.cpu_count() or 2)
SDK_SUITE = "suites/test_sdk.py"


def is_extra(fault: str) -> bool:
    return bool(getattr(spec.requirements()[FAULTS[fault].requirement], "extra", None))


def extra_installed() -> bool:
    return importlib.util.find_spec("PureCloudPlatformClientV2") is not None


def judged(runs: dict) -> dict:
    """The runs that can be judged here: a fault of an optional extra's requirement needs that extra."""
    return {fault: run for fault, run in runs.items() if extra_installed() or not is_extra(fault)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, SuiteRun]:
    base = tmp_path_factory.mktemp("mutants")

    def run(fault: str) -> SuiteRun:
        folder = base / re.sub(r"[^\w-]", "_", fault)
        # the official-SDK suite only for the faults of its own requirement: the expected sets must not depend on
        # whether the optional extra is installed
        sdk = [] if is_extra(fault) else [f"--deselect={SDK_SUITE}"]
        return run_suite(folder, "--hypothesis-profile=mutation", "-q", *sdk, faults=(fault,))

    started = time.monotonic()
    with ThreadPoolExecutor(PARALLEL) as pool:
        done = dict(zip(FAULTS, pool.map(run, FAULTS), strict=True))
    print(f"\n{len(done)} fault runs, {PARALLEL} at a time: {time.monotonic() - started:.0f} s")
    # a loaded machine can time a run out of its verdicts: a fault whose run differs from its entry runs once
    # more, alone, and that run is judged (a real regression differs both times)
    differing = [f for f, r in judged(done).items() if r.failing_requirements() != FAULTS[f].fails()]
    for fault in differing:
        done[fault] = run(fault)
    if differing:
        print(f"ran again, alone: {', '.join(differing)}")
    return done


def test_mutation_score(runs, capsys):
    runs = judged(runs)
    survivors = [fault for fault, run in runs.items() if run.returncode != 1 or not run.failed]
    with capsys.disabled():
        print(f"\nkilled {len(runs) - len(survivors)}/{len(runs)}")
    assert not survivors, "faults the suite did not catch: " + "; ".join(
        f"{fault} (exit {runs[fault].returncode})" for fault in survivors
    )


def test_each_fault_fails_exactly_the_requirements_of_its_entry(runs):
    wrong = {
        fault: (
            sorted(run.failing_requirements() - FAULTS[fault].fails()),
            sorted(FAULTS[fault].fails() - run.failing_requirements()),
        )
        for fault, run in judged(runs).items()
        if run.failing_requirements() != FAULTS[fault].fails()
    }
    assert not wrong, (
        "fault: (failed but not in its entry, in its entry but not failed): "
        + "; ".join(f"{fault}: {extra}" for fault, extra in wrong.items())
        + ". A deliberate change: edit the fault's requirement or also_fails (with why) in "
        + f"webchat_contract/reference/faults/, then {REWRITE_GOLDEN}"
    )


def test_no_fault_makes_a_suite_error(runs):
    """Whatever the faulty target answers, each result is a verdict: no test errors out."""
    errors = {fault: run.with_outcome("error")[:3] for fault, run in runs.items() if run.with_outcome("error")}
    assert not errors, errors


@pytest.mark.parametrize("fault", [f for f in FAULTS if ":" in f])
def test_a_per_operation_fault_is_reported_on_that_operation(runs, fault):
    """A permission fault of one operation fails a test whose name names that operation and a principal."""
    operation_id = fault.split(":", 1)[1]
    names = runs[fault].failed
    assert any(re.search(rf"\[{operation_id}\[[\w-]+\]-(allowed|denied)\]", name) for name in names), names


def test_every_category_of_the_contract_has_faults():
    concerns = {spec.requirements()[fault.requirement].concern for fault in FAULTS.values()}
    assert concerns >= {"authentication", "permissions", "crud", "validation", "happy path", "generated"}


def test_every_test_of_the_suite_fails_against_some_fault(runs):
    """A suite test that no fault fails is not shown to be able to fail. Judged per test function, over the runs
    without the official-SDK suite (it runs only for the faults of its own requirement)."""

    def functions(names) -> set[str]:
        return {name.split("[")[0] for name in names}

    without_sdk = [run for fault, run in runs.items() if not is_extra(fault)]
    collected = set().union(*(functions(run.outcomes) for run in without_sdk))
    failing = set().union(*(functions(run.failed) for run in without_sdk))
    assert collected - failing == set(), "suite tests no fault fails"
