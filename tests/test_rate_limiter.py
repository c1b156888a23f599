"""The request rate limiter: at most so many requests a second across every client of the process."""

import pytest

from webchat_contract import transport


class FrozenClock:
    """A ``time`` module whose clock stands still and whose sleeps are only recorded."""

    def __init__(self) -> None:
        self.now, self.slept = 100.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_rate_limiter_spaces_requests(monkeypatch):
    clock = FrozenClock()
    monkeypatch.setattr(transport, "time", clock)
    limiter = transport.RateLimiter(10.0)
    for _ in range(3):
        limiter.wait()
    assert clock.slept == pytest.approx([0.1, 0.2])  # three requests at once: the 2nd and 3rd wait their turn
    clock.now += 1.0
    limiter.wait()
    assert len(clock.slept) == 2  # a request after a pause goes at once
    transport.RateLimiter(None).wait()
    assert len(clock.slept) == 2
