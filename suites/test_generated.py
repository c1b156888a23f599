"""Generated tests: schemathesis over all 8 operations, positive and negative inputs, with the checks that match
CONTRACT.md, plus the suite's own checks for what the built-ins miss.

Safety on a shared target: a generated POST carries the run prefix in its name and is deleted right after; by-id
operations get generated ids (never one taken from the list); settings are restored at the end of the run.
"""

import pytest
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from webchat_contract import spec
from webchat_contract.generated import (
    created_by_write,
    error_body_status_matches,
    load_schema,
    made_safe,
    put_persisted,
    validate,
)
from webchat_contract.operations import CREATE
from webchat_contract.prerequisites import not_verified

pytestmark = [pytest.mark.destructive, pytest.mark.requirement("WC-RESP-NO-5XX")]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    error_body_status_matches,
    put_persisted,
]


# loaded at import so every operation is its own test; the target's base URL is given on every call
schema = load_schema()
# a scenario: create, then read, change or delete what it created; never more live deployments than this
MAX_SCENARIO_STEPS = 5


STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]


@pytest.fixture
def call_kwargs(webchat_target):
    """How generated cases reach the target, for each call: its base URL, an admin's current token, the configured
    timeout and TLS, and the run's session (limited, recorded, 429 answers waited out, an expired token refreshed)."""
    principal = webchat_target.first_holding(*spec.permissions())
    if principal is None:
        pytest.skip(not_verified("no configured principal holds every permission"))

    def current():
        return {
            "base_url": webchat_target.base_url,
            "headers": {"Authorization": f"Bearer {webchat_target.token_of(principal)}"},
            "timeout": webchat_target.config.timeout,
            "verify": webchat_target.config.verify_tls,
            "session": webchat_target.session,
        }

    return current


def is_create(case) -> bool:
    return str(case.method).upper() == CREATE.method and case.operation.path == CREATE.path


def mark_as_ours(case, run_prefix: str) -> None:
    """A generated POST body carries the run prefix in its name, so the deployment is recognisably the run's."""
    if is_create(case) and isinstance(case.body, dict) and isinstance(case.body.get("name", ""), str):
        case.body["name"] = run_prefix + case.body.get("name", "generated")


def keep_track_of(deployment_id, deployments) -> None:
    """A deployment a write created where it must not have: the run deletes it when the test ends."""
    if deployment_id is not None:
        deployments.track(deployment_id)


@schema.parametrize()
def test_generated(case, call_kwargs, deployments, settings_guard, run_prefix):
    if not made_safe(case, deployments.live):
        return
    mark_as_ours(case, run_prefix)
    kwargs = call_kwargs()
    if not is_create(case):
        response = case.call(**kwargs)
        keep_track_of(created_by_write(case, response), deployments)
        validate(case, response, CHECKS, headers=kwargs["headers"], transport_kwargs=kwargs)
        return
    earlier = list(deployments.live)
    deployments.reserve()
    try:
        response = case.call(**kwargs)
    except BaseException:
        deployments.unreserve()
        raise
    try:
        deployments.adopt(response)
        validate(case, response, CHECKS, headers=kwargs["headers"], transport_kwargs=kwargs)
    finally:
        deployments.delete_created_since(earlier)  # also what was found by the run prefix


@pytest.mark.requirement("WC-DEP-DELETE", "WC-DEP-CREATE")
@pytest.mark.operations(*(op.operation_id for op in spec.operations()))
def test_stateful_scenarios(call_kwargs, deployments, settings_guard, run_prefix):
    base = schema.as_state_machine()

    class Scenarios(base):
        def setup(self):
            self.earlier = list(deployments.live)
            settings_guard.restore()  # every scenario starts from the same state

        def before_call(self, case):
            made_safe(case, deployments.live)  # no undeclared methods here: every case may be sent
            mark_as_ours(case, run_prefix)
            if is_create(case):
                deployments.reserve()

        def get_call_kwargs(self, case):
            return call_kwargs()

        def after_call(self, response, case):
            super().after_call(response, case)
            if is_create(case):
                deployments.adopt(response)
            keep_track_of(created_by_write(case, response), deployments)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            current = call_kwargs()
            validate(
                case,
                response,
                STATEFUL_CHECKS,
                headers=current["headers"],
                transport_kwargs={**current, **kwargs},
                recorder=self.recorder,
            )

        def teardown(self):
            deployments.delete_created_since(self.earlier)

    Scenarios.run(
        settings=settings(
            Scenarios.TestCase.settings,
            stateful_step_count=MAX_SCENARIO_STEPS,
            max_examples=settings.default.max_examples,
        )
    )
