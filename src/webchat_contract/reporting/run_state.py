"""What the process that writes the reports knows about the run, shared by the parts of the reporting plugin:
gathered as the run goes (``gathering``), decided at its end (``session_end``), shown (``terminal``, ``html_hooks``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from .. import pytest_plugin as suite
from .history import Trend
from .records import RunRecorder


@dataclass
class Run:
    """What the reporting process knows about the run, and what it decided at its end."""

    config: pytest.Config
    recorder: RunRecorder = field(default_factory=RunRecorder)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    clock: float = field(default_factory=time.monotonic)
    workers: dict[str, dict[str, Any]] = field(default_factory=dict)
    suite_run: bool = False
    interrupted: bool = False
    running: set[str] = field(default_factory=set)  # tests started and not finished
    results: dict[str, Any] | None = None
    trend: Trend | None = None
    written: list[Path] = field(default_factory=list)
    write_error: str | None = None
    html_report: Any = None  # pytest-html's report data, to give it the verdict as its title

    def add_run_error(self, kind: str, cause: str, ends_run: bool = False) -> None:
        self.recorder.add_run_error(kind, suite.run_redactor(self.config)(cause))
        self.interrupted = self.interrupted or ends_run
