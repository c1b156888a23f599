"""Targets for the tests of the embedded reference target, exercised over HTTP as the suite would.

The clean target runs in a subprocess (EmbeddedTarget), as the suite runs it, once for the whole session; the faulty
and misbehaving variants run on threads of this process (InProcessTarget), which start fast enough to afford a fresh
one per test.

Run with ``pytest tests/reference -p no:webchat_contract`` if the plugin gets in the way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from target_api import Api

from webchat_contract.reference import EmbeddedTarget, InProcessTarget


@pytest.fixture(scope="session")
def starter() -> Iterator[ThreadPoolExecutor]:
    """Starts targets in the background: starting one is mostly import time, so they start two at a time."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        yield pool


@pytest.fixture(scope="session")
def started(tmp_path_factory: pytest.TempPathFactory, starter: ThreadPoolExecutor) -> Iterator[Callable[..., Future]]:
    """``started(name, **options)`` -> a future EmbeddedTarget; all are stopped at the end of the session."""
    targets: list[EmbeddedTarget] = []

    def start(name: str, **options: Any) -> Future:
        target = EmbeddedTarget(tmp_path_factory.mktemp(name.replace(":", "-")), **options)
        targets.append(target)
        return starter.submit(target.start)

    yield start
    for target in targets:
        target.stop()


@pytest.fixture(scope="session")
def short_lived_target(started: Callable[..., Future]) -> Future:
    return started("short-ttl", token_ttl=1)


@pytest.fixture(scope="session")
def faulty_misbehaving_target(started: Callable[..., Future]) -> Future:
    return started("faulty-misbehaving", faults=["wrong-total"], misbehaviours=["throttle"])


@pytest.fixture(scope="session")
def clean_api(request: pytest.FixtureRequest, started: Callable[..., Future]) -> Api:
    clean = started("clean")
    # Queued behind the clean target, the others start while the tests against the clean one run.
    request.getfixturevalue("short_lived_target")
    request.getfixturevalue("faulty_misbehaving_target")
    target = clean.result()
    assert target.base_url and target.base_url.startswith("http://127.0.0.1:")
    return Api.of(target)


@pytest.fixture(scope="session")
def stopper() -> Iterator[ThreadPoolExecutor]:
    """Stops in-process targets in the background (each takes a few tenths of a second); waits for all at the end."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        yield pool


@pytest.fixture
def serve(stopper: ThreadPoolExecutor) -> Iterator[Callable[..., InProcessTarget]]:
    """``serve(faults=..., misbehaviours=...)`` -> a started in-process target, stopped after the test."""
    targets: list[InProcessTarget] = []

    def start(**options: Any) -> InProcessTarget:
        target = InProcessTarget(**options).start()
        targets.append(target)
        return target

    yield start
    for target in targets:
        stopper.submit(target.stop)


@pytest.fixture
def api(clean_api: Api) -> Iterator[Api]:
    clean_api.reset()
    yield clean_api
    clean_api.reset()
