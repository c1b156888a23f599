"""The fault registry (webchat_contract/reference/faults/): each fault is one well-formed entry overriding one step
of the strict target, the strict target names none of them, and the golden file is the registry as text."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from starlette.datastructures import Headers

from webchat_contract import cli, spec
from webchat_contract.operations import LIST
from webchat_contract.reference import app, bodies, errors, store
from webchat_contract.reference.app import ReferenceTarget
from webchat_contract.reference.call import Call
from webchat_contract.reference.faults import FAULTS, REWRITE_GOLDEN, auth, golden_text, http, resources, validation
from webchat_contract.reference.principals import generate_principals

GOLDEN = Path(__file__).parent / "data" / "fault_requirements.txt"
REGISTERED = [*auth.FAULTS, *resources.FAULTS, *http.FAULTS, *validation.FAULTS]


def target_with(*faults: str) -> ReferenceTarget:
    return ReferenceTarget(generate_principals(), faults, deployment_limit=10, token_ttl=60)


def test_the_golden_file_is_the_registry_as_text():
    assert GOLDEN.read_text() == golden_text(), f"tests/data/fault_requirements.txt is out of date: {REWRITE_GOLDEN}"


def test_the_golden_file_names_each_fault_once_with_its_sets():
    lines = [line for line in golden_text().splitlines() if not line.startswith("#")]
    assert [line.partition(": ")[0] for line in lines] == list(FAULTS)
    for line in lines:
        name, _, ids = line.partition(": ")  # fault names may hold a colon, never followed by a space
        assert set(ids.split()) == FAULTS[name].fails()


def test_each_name_is_registered_once():
    assert len(REGISTERED) == len(FAULTS)


@pytest.mark.parametrize("fault", REGISTERED, ids=lambda fault: fault.name)
def test_an_entry_names_known_requirements_and_says_why_it_fails_more(fault):
    assert fault.description
    assert fault.requirement in spec.requirements()
    assert fault.requirement not in fault.also_fails
    for requirement, why in fault.also_fails.items():
        assert requirement in spec.requirements(), requirement
        assert why.strip(), requirement


@pytest.mark.parametrize("fault", REGISTERED, ids=lambda fault: fault.name)
def test_an_override_takes_what_the_step_it_replaces_takes(fault):
    step = getattr(ReferenceTarget, fault.hook, None)
    assert callable(step), f"{fault.name}: the target has no step {fault.hook!r}"
    step_parameters = list(inspect.signature(step).parameters)[1:]  # without self
    override_parameters = list(inspect.signature(fault.override).parameters)[2:]  # without target, strict
    assert len(override_parameters) == len(step_parameters), fault.name


@pytest.mark.parametrize("fault", REGISTERED, ids=lambda fault: fault.name)
def test_a_fault_replaces_its_step_and_nothing_else(fault):
    target = target_with(fault.name)
    replaced = [name for name, value in vars(target).items() if callable(value) and hasattr(ReferenceTarget, name)]
    assert replaced == [fault.hook]


def test_the_strict_target_names_no_fault():
    for module in (app, bodies, errors, store):
        source = Path(module.__file__).read_text()
        kinds = {name.split(":")[0] for name in FAULTS}  # wrong-permission:getWebchatSettings -> wrong-permission
        named = sorted(kind for kind in kinds if kind in source or kind.upper().replace("-", "_") in source)
        assert named == [], f"{module.__name__} names faults {named}"


def test_faults_on_the_same_step_all_act():
    target = target_with("wrong-total", "null-entities-when-empty")
    listing = target.list_deployments(Call(LIST, Headers(), b"", None))
    assert (listing["entities"], listing["total"]) == (None, 1)


def test_an_unknown_fault_is_refused_naming_it():
    with pytest.raises(ValueError, match="unknown fault 'no-such-fault'"):
        target_with("no-such-fault")


def test_list_faults_shows_what_else_a_run_fails(capsys):
    assert cli.main(["serve", "--list-faults"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")}
    for fault in FAULTS.values():
        assert all(requirement in lines[fault.name] for requirement in fault.also_fails), fault.name
    assert any(fault.also_fails for fault in FAULTS.values())
