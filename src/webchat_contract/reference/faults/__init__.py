"""Faults: ways a faulty variant of the reference target breaks the contract on purpose, as data.

Each fault is one entry, in the module of its concern (``auth``, ``resources``, ``http``, ``validation``): an
override of one step of the strict ReferenceTarget (``hook``), registered with ``@fault(name, requirement, hook=,
description=, also_fails=)``. Adding a fault touches that one file. ``FAULTS`` is the registry; ``serve
--list-faults``, the README's pointer and the golden file ``tests/data/fault_requirements.txt`` (``golden_text``,
written by ``python -m webchat_contract.reference.faults``) come from it. Running the suite against a faulty variant
proves that the suite notices the bug, and fails exactly ``Fault.fails()`` (tests/test_mutation_score.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from webchat_contract.reference.faults import auth, http, resources, validation
from webchat_contract.reference.faults.auth import wrong_permission_for
from webchat_contract.reference.faults.fault import Fault

FAULTS: dict[str, Fault] = {f.name: f for f in [*auth.FAULTS, *resources.FAULTS, *http.FAULTS, *validation.FAULTS]}

GOLDEN_PATH = "tests/data/fault_requirements.txt"
REWRITE_GOLDEN = f"python -m webchat_contract.reference.faults > {GOLDEN_PATH}"

__all__ = ["FAULTS", "Fault", "apply_faults", "golden_text", "known_names", "validate_faults", "wrong_permission_for"]


def known_names(kind: str, names: Iterable[str], known: Iterable[str]) -> frozenset[str]:
    """``names`` as a set; ValueError naming the first one not in ``known`` (and what is known)."""
    chosen, known = frozenset(names), list(known)
    for name in sorted(chosen):
        if name not in known:
            raise ValueError(f"unknown {kind} {name!r} (known: {', '.join(known)})")
    return chosen


def validate_faults(names: Iterable[str]) -> frozenset[str]:
    """The given fault names as a set; ValueError for a name not in ``FAULTS``."""
    return known_names("fault", names, FAULTS)


def apply_faults(target: Any, names: Iterable[str]) -> None:
    """Replace the target's steps with the overrides of the named faults, in the registry's order."""
    chosen = validate_faults(names)
    for fault in FAULTS.values():
        if fault.name in chosen:
            fault.apply(target)


def golden_text() -> str:
    """The golden file: one line per fault, the exact set of requirements a full run fails with it on."""
    header = (
        "# fault: the exact set of requirements a full run fails with that reference fault on "
        f"(tests/test_mutation_score.py)\n# generated from webchat_contract/reference/faults, do not edit: "
        f"{REWRITE_GOLDEN}\n"
    )
    return header + "".join(f"{fault.name}: {' '.join(sorted(fault.fails()))}\n" for fault in FAULTS.values())
