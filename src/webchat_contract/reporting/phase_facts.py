"""Every process (the only one, or each xdist worker): each test phase classified as it is reported, and the facts
put on its report (``report.webchat``, plain data that crosses xdist to the process that writes the reports)."""

from __future__ import annotations

import shlex

import pytest

from .. import pytest_plugin as suite
from . import html_hooks
from .exits import REDACTION_PLUGIN
from .failures import failures_of
from .outcomes import ERROR, FAILED, phase_outcome
from .records import REPORT_ATTRIBUTE, report_message, selectable_nodeid, violated_requirements
from .redact import Redactor
from .run_facts import hypothesis_seed


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outside the suite plugin's wrapper, which adds the exchanges
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    redact = redactor_for(item)
    redaction = item.config.pluginmanager.get_plugin(REDACTION_PLUGIN)
    if redaction is not None:  # always, unless blocked (-p no:...) to show what it keeps out
        redaction.redact(report, redact)
    exception = call.excinfo.value if call.excinfo is not None else None
    outcome = phase_outcome(report.outcome, report.when, exception, suite.RUN_ERRORS)
    rerun = rerun_command(item) if outcome in (FAILED, ERROR) else None
    target = suite.target_of(item)
    facts = {
        "outcome": outcome,
        "message": report_message(report),
        "requirements": suite.requirements_of(item),
        "violated": violated_requirements(item.user_properties),
        "operations": suite.operations_of(item),
        "principal": suite.principal_of(item),
        "rerun": rerun,
        "exchanges": getattr(getattr(target, "transcript", None), "sent", 0),
    }
    if outcome == FAILED:
        facts["failures"] = failures_of(item, exception, facts["message"], redact, target)
    setattr(report, REPORT_ATTRIBUTE, facts)
    if rerun:
        transcript = next((text for title, text in report.sections if title == suite.EXCHANGES_SECTION), None)
        html_hooks.attach_failure_extra(report, rerun, transcript, facts.get("failures", []))
    return report


def redactor_for(item: pytest.Item) -> Redactor:
    """Every secret the configuration holds, and the tokens the test's target handed out."""
    target = suite.target_of(item)
    return target.redactor if target is not None else suite.run_redactor(item.config)


def rerun_command(item: pytest.Item) -> str:
    """The command that runs this one test again, against the same target, with the same examples."""
    config = item.config
    parts = ["pytest", "'" + selectable_nodeid(item.nodeid).replace("'", "'\"'\"'") + "'"]
    target_config = config.getoption("target_config", None)
    if target_config:
        parts.append(f"--target-config={shlex.quote(str(target_config))}")
    parts += [f"--reference-fault={shlex.quote(fault)}" for fault in config.getoption("reference_fault", [])]
    parts += [f"--reference-misbehave={shlex.quote(m)}" for m in config.getoption("reference_misbehave", [])]
    profile = config.getoption("hypothesis_profile", None)
    if profile:
        parts.append(f"--hypothesis-profile={shlex.quote(profile)}")
    seed = hypothesis_seed(config)
    if seed is not None:
        parts.append(f"--hypothesis-seed={shlex.quote(str(seed))}")
    return " ".join([*parts, "-p", "no:randomly"])
