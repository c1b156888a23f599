"""A run of the suite, as a user runs it (suite_runner.run_suite), and what it left in its reports directory."""

from __future__ import annotations

import html
import json
import socket
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suite_runner import SuiteRun, run_suite
from webchat_contract import cli

FAULT = "skip-permission-check:getWebchatSettings"
FAULT_REQUIREMENT = "WC-AUTH-403"


@dataclass
class Bundle:
    """One run of the suite and what it left in its reports directory."""

    run: SuiteRun
    secrets: list[str]
    extra_dirs: tuple[Path, ...] = ()

    @property
    def directory(self) -> Path:
        return self.run.reports

    @property
    def results(self) -> dict[str, Any]:
        return json.loads((self.directory / "results.json").read_text())

    @property
    def certificate(self) -> dict[str, Any]:
        return json.loads((self.directory / "certificate.json").read_text())

    @property
    def html(self) -> str:
        return (self.directory / "report.html").read_text()

    def requirement_results(self) -> dict[str, str]:
        return {r["id"]: r["result"] for r in self.results["requirements"]}

    def test_outcomes(self) -> dict[str, str]:
        return {t["nodeid"]: t["outcome"] for t in self.results["tests"]}

    def matrix_results(self) -> dict[tuple[str, str], str]:
        matrix = self.results["matrix"]
        return {(op, concern): cell["result"] for op, row in matrix.items() for concern, cell in row.items()}


def config_secrets(config_text: str) -> list[str]:
    """The tokens and client secrets of a target config."""
    principals = tomllib.loads(config_text)["principals"].values()
    return [p[key] for p in principals for key in ("token", "client_secret") if key in p]


def closed_port() -> int:
    """A port on which nothing listens (just released by this process)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unescaped(report: str) -> str:
    """pytest-html keeps its rows as HTML inside an HTML-escaped attribute: unescape both levels."""
    return html.unescape(html.unescape(report))


def verify(directory: Path, capsys) -> tuple[int, list[str]]:
    code = cli.main(["verify", str(directory)])
    return code, capsys.readouterr().out.splitlines()


def run_against(reference, base: Path, *args: str, config_text: str | None = None) -> Bundle:
    config = base / "target.toml"
    config.write_text(config_text or reference.config_path.read_text())
    run = run_suite(base / "reports", f"--target-config={config}", *args)
    return Bundle(run, config_secrets(config.read_text()))


def run_embedded(base: Path, *args: str, faults: tuple[str, ...] = ()) -> Bundle:
    """A run against the suite's own embedded target(s); their configs (and secrets) stay under --basetemp."""
    run = run_suite(base / "reports", f"--basetemp={base / 'tmp'}", *args, faults=faults)
    configs = list((base / "tmp").rglob("reference-target[0-9]*/target.toml"))
    return Bundle(run, [s for config in configs for s in config_secrets(config.read_text())])


UNREACHABLE = f"127.0.0.1:{closed_port()}"
