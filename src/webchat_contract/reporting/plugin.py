"""The reporting layer's pytest plugin: the verdict of a run, in the HTML report, results.json, certificate.json,
the terminal, JUnit and the nightly history. This module only registers the parts, one job each:

- ``options``: ``--history`` and ``--baseline``;
- ``phase_facts``: every process (the only one, or each xdist worker) classifies each test phase as it is reported
  and puts the facts on the report (plain data that crosses xdist);
- ``exits``: every process redacts each report again after the other plugins had their say;
- ``worker``: what only an xdist worker knows goes to the controller at its end;
- ``gathering``: the process that writes the reports (the only one, or the xdist controller) gathers the facts;
- ``session_end``: it decides the verdict and writes results.json, certificate.json and the history;
- ``terminal``, ``junit``, ``html_hooks``: the verdict on the terminal, in JUnit and in pytest-html's report.
"""

from __future__ import annotations

import pytest

from . import exits, gathering, html_hooks, run_state, session_end, terminal, worker
from .options import pytest_addoption
from .phase_facts import pytest_runtest_makereport

__all__ = [
    "pytest_addoption",
    "pytest_configure",
    "pytest_runtest_makereport",
]


@pytest.hookimpl(tryfirst=True)  # before pytest-html reads its --css option
def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(exits.RedactionAtTheExits(config), exits.REDACTION_PLUGIN)
    if hasattr(config, "workerinput"):
        config.pluginmanager.register(worker.WorkerSide(config), "webchat-contract-reporting-worker")
        return
    run = run_state.Run(config)
    config.pluginmanager.register(gathering.Gathering(run), "webchat-contract-reporting")
    config.pluginmanager.register(session_end.SessionEnd(run), "webchat-contract-session-end")
    config.pluginmanager.register(terminal.TerminalSummary(run), "webchat-contract-terminal")
    config.pluginmanager.register(html_hooks.HtmlReport(run), "webchat-contract-html")
    html_hooks.configure(config)
