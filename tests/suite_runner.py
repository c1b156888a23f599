"""Runs the contract suite in a subprocess, as a user would, and reads back its JUnit results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import requests

from webchat_contract import spec
from webchat_contract.config import load
from webchat_contract.target import Target

ROOT = Path(__file__).resolve().parents[1]


def admin_session(config_path: Path) -> requests.Session:
    """A session acting as the config's principal holding every permission (to set up and inspect a target)."""
    target = Target(load(config_path))
    token = target.token_of(target.first_holding(*spec.permissions()))
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


@dataclass
class SuiteRun:
    returncode: int
    output: str
    outcomes: dict[str, str]  # test name (function[params]) -> passed | failed | error | skipped
    messages: dict[str, str]  # test name -> failure / skip message
    requirements: dict[str, tuple[str, ...]]  # test name -> the requirement ids it declares
    reports: Path
    peak_rss_mb: float = 0.0  # the pytest process's own peak resident memory
    seconds: float = 0.0
    violated: dict[str, tuple[str, ...]] = field(default_factory=dict)  # test name -> requirements it saw broken

    def failing_requirements(self) -> set[str]:
        """The requirements the run failed: those violated, or the declared ones of a failure with no violation."""
        return {rid for name in self.failed for rid in (self.violated.get(name) or self.requirements.get(name, ()))}

    def with_outcome(self, outcome: str) -> list[str]:
        return sorted(name for name, got in self.outcomes.items() if got == outcome)

    @property
    def failed(self) -> list[str]:
        return self.with_outcome("failed") + self.with_outcome("error")


def run_suite(reports: Path, *args: str, faults: tuple[str, ...] = (), timeout: float = 600) -> SuiteRun:
    """``pytest`` of the suite at the project root, writing its reports under ``reports``."""
    reports.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pytest",
        f"--junitxml={reports / 'junit.xml'}",
        f"--html={reports / 'report.html'}",
        "-p", "no:randomly",
        *[f"--reference-fault={fault}" for fault in faults],
        *args,
    ]  # fmt: skip
    # cached bytecode: pytest rewrites every module of every plugin's distribution at start, seconds per run
    # and no pytest-xdist variables of a worker running this very test
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("PYTEST_XDIST")}
    returncode, output, peak_rss_mb, seconds = _run_measured(command, env, timeout)
    outcomes, messages, requirements, violated = _read_junit(reports / "junit.xml")
    return SuiteRun(returncode, output, outcomes, messages, requirements, reports, peak_rss_mb, seconds, violated)


def _run_measured(command: list[str], env: dict[str, str], timeout: float) -> tuple[int, str, float, float]:
    """Run to its end (killed past ``timeout``): exit status, output, peak RSS in MB (of that process alone, from
    wait4), seconds taken."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, env=env)
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    return process.returncode, text, usage.ru_maxrss / 1024, time.monotonic() - started


def _read_junit(path: Path):
    if not path.exists():
        return {}, {}, {}, {}
    outcomes, messages, requirements, violated = {}, {}, {}, {}
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "")
        outcomes[name] = "passed"
        for prop in case.iter("property"):
            if prop.get("name") == "requirements":
                requirements[name] = tuple(prop.get("value", "").split())
            elif prop.get("name") == "violation":
                found = json.loads(prop.get("value", "{}")).get("requirement")
                violated[name] = tuple(sorted({*violated.get(name, ()), found}))
        for kind in ("failure", "error", "skipped"):
            found = case.find(kind)
            if found is not None:
                outcomes[name] = {"failure": "failed"}.get(kind, kind)
                messages[name] = (found.get("message") or "") + "\n" + (found.text or "")
    return outcomes, messages, requirements, violated
