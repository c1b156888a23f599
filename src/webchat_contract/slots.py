"""The cap of the run's live deployments (CONTRACT.md section 4), shared by every process of the run."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
import uuid
from pathlib import Path

# CONTRACT.md section 4: never more than 5 of the suite's own deployments alive at once
MAX_LIVE_DEPLOYMENTS = 5
# how long a POST waits for a live slot held by another test (another xdist worker) before the run gives up
SLOT_WAIT_SECONDS = 60.0


class FootprintExceeded(Exception):
    """A test tried to keep more of the suite's deployments alive than the contract allows the suite."""


class LiveSlots:
    """The cap of live deployments for the whole run, shared by every process (xdist workers) through one
    directory: a slot is a file naming the process that holds it, counted under an exclusive file lock. Slots of
    processes that are gone do not count."""

    def __init__(self, directory: Path, limit: int = MAX_LIVE_DEPLOYMENTS):
        self.directory = Path(directory)
        self.limit = limit
        self._threads = threading.Lock()

    @contextlib.contextmanager
    def _locked(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._threads, open(self.directory / ".lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _held(self) -> list[Path]:
        held = []
        for slot in self.directory.glob("slot-*"):
            pid = slot.name.split("-")[1]
            if pid.isdigit() and _alive(int(pid)):
                held.append(slot)
            else:
                slot.unlink(missing_ok=True)
        return held

    def try_acquire(self) -> str | None:
        """A slot, or None when all are held; FootprintExceeded when this process holds them all (waiting for
        itself would never end)."""
        with self._locked():
            held = self._held()
            if len(held) >= self.limit:
                if all(slot.name.split("-")[1] == str(os.getpid()) for slot in held):
                    raise FootprintExceeded(f"this process already has {self.limit} deployments alive")
                return None
            token = f"slot-{os.getpid()}-{uuid.uuid4().hex}"
            (self.directory / token).touch()
            return token

    def acquire(self, wait: float = SLOT_WAIT_SECONDS) -> str:
        """A slot, waiting (bounded) for other processes of the run to give one back."""
        deadline = time.monotonic() + wait
        while True:
            token = self.try_acquire()
            if token is not None:
                return token
            if time.monotonic() >= deadline:
                raise FootprintExceeded(f"the run already has {self.limit} deployments alive (waited {wait:g} s)")
            time.sleep(0.2)

    def release(self, token: str) -> None:
        with self._locked():
            (self.directory / token).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
