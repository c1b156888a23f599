"""A target that hangs, drops connections, answers garbage or throttles gives a bounded run with a clear cause:
never a wall of tracebacks, never a hang, and 429 is retried, never a verdict."""

import socket

import pytest

from suite_runner import run_suite
from webchat_contract.reference.server import EmbeddedTarget

QUICK = ("--requirement=WC-DEP-LIST",)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def misbehaving_config(tmp_path):
    """``misbehaving_config(name)``: a target config (1 s request timeout) for a reference target misbehaving so."""
    targets = []

    def start(name: str):
        target = EmbeddedTarget(tmp_path / name, misbehaviours=[name])
        target.start()
        targets.append(target)
        path = tmp_path / f"{name}.toml"
        path.write_text(target.config_path.read_text().replace("timeout = 10", "timeout = 1"))
        return path

    yield start
    for target in targets:
        target.stop()


def assert_one_clear_line(run, expected: str) -> None:
    assert run.returncode == 3, run.output
    assert "Traceback" not in run.output
    assert any(expected in line for line in run.output.splitlines()), run.output


def test_unreachable_target_is_one_clear_line(tmp_path):
    config = tmp_path / "target.toml"
    config.write_text(
        f'[target]\nbase_url = "http://127.0.0.1:{closed_port()}"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n'
    )
    run = run_suite(tmp_path / "reports", f"--target-config={config}")
    assert_one_clear_line(run, "cannot connect")
    assert run.with_outcome("passed") == []


@pytest.mark.parametrize(
    ("misbehaviour", "expected"),
    [
        ("hang", "no answer within 1 s"),
        ("drop-connection", "cannot connect"),
        ("throttle-forever", "past the retry budget"),
    ],
)
def test_target_that_cannot_be_used_stops_the_run_at_its_start(misbehaviour, expected, misbehaving_config, tmp_path):
    run = run_suite(tmp_path / "reports", f"--target-config={misbehaving_config(misbehaviour)}")
    assert_one_clear_line(run, expected)


@pytest.mark.parametrize("misbehaviour", ["html-errors", "always-500"])
def test_target_answering_errors_fails_with_the_cause(misbehaviour, misbehaving_config, tmp_path):
    run = run_suite(tmp_path / "reports", f"--target-config={misbehaving_config(misbehaviour)}", *QUICK)
    assert run.returncode == 1 and run.failed, run.output
    assert "Traceback" not in run.output
    assert all("answered 5" in run.messages[name] or "not JSON" in run.messages[name] for name in run.failed)


@pytest.mark.parametrize("misbehaviour", ["slow", "throttle"])
def test_slow_or_throttling_target_still_passes(misbehaviour, misbehaving_config, tmp_path):
    run = run_suite(tmp_path / "reports", f"--target-config={misbehaving_config(misbehaviour)}", *QUICK)
    assert run.returncode == 0, run.output
    assert run.failed == [] and run.with_outcome("passed")


def test_generated_requests_wait_out_429_too(misbehaving_config, tmp_path):
    """Every 7th request answered 429 Retry-After: 1 is no verdict, also for schemathesis's generated requests and
    the read-back after a generated PUT."""
    config = misbehaving_config("throttle-every-7th")
    run = run_suite(
        tmp_path / "reports",
        f"--target-config={config}",
        "--hypothesis-profile=mutation",
        "-k",
        "test_generated and PUT",
    )
    assert run.returncode == 0, run.output[-3000:]
    assert run.failed == [] and len(run.with_outcome("passed")) == 2
