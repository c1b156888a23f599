"""The reporting layer's command-line options."""

from __future__ import annotations

import pytest

HISTORY_OPTION = "webchat_history"
BASELINE_OPTION = "webchat_baseline"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("webchat-contract", "WebChat contract suite")
    group.addoption(
        "--history",
        dest=HISTORY_OPTION,
        metavar="DIR",
        default=None,
        help="append this run's results to DIR (one JSON file per run) and show in the report what newly fails, "
        "what was fixed and the trend over the last runs; keep one DIR per target",
    )
    group.addoption(
        "--baseline",
        dest=BASELINE_OPTION,
        metavar="FILE",
        default=None,
        help="known causes to accept for now (YAML, written by: webchat-contract baseline DIR > FILE): the exit "
        "status fails only on causes not in FILE; the verdict and certificate are unchanged",
    )
