"""The journal: every deployment a run creates is written down before any test uses it, and crossed out when
deleted, so an interrupted run's leftovers can be found and swept (``webchat-contract sweep``).

A run also beats a heartbeat into it while it lives (its prefix, process and host, every few seconds) and notes
its end, so sweep can tell a live run's deployments from a dead run's leftovers.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .reporting.files import write_atomically

# a run's prefix: ``wcc-`` and 8 hex digits (see the run_prefix fixture)
RUN_PREFIX = re.compile(r"^wcc-[0-9a-f]{8}-")
JOURNAL_NAME = "journal.jsonl"
DEFAULT_PATH = Path("reports") / JOURNAL_NAME
HEARTBEAT_SECONDS = 5.0
# a run whose last heartbeat is older than this is taken as dead (killed without noting its end)
HEARTBEAT_STALE_SECONDS = 60.0

try:
    import fcntl
except ImportError:  # not POSIX: appends are still whole lines; compaction is then not guarded
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Exclusive use of the journal between processes (a run appending while another compacts)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class Journal:
    """An append-only JSON-lines file of ``created`` and ``deleted`` events, one target per line, and the
    heartbeats of the runs writing it."""

    def __init__(self, path: Path, target: str, redact: Callable[[str], str] | None = None):
        self.path = Path(path)
        self.target = target
        self.redact = redact  # ids come from the target: it could answer anything, a secret too
        self._lock = threading.Lock()
        self._stop_heartbeat: threading.Event | None = None

    def _append(self, entry: dict) -> None:
        line = json.dumps({**entry, "target": self.target, "time": time.time()})
        line = self.redact(line) if self.redact is not None else line
        with self._lock, _locked(self.path), self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())

    def _write(self, event: str, deployment_id: str, **extra) -> None:
        self._append({"event": event, "id": deployment_id, **extra})

    def created(self, deployment_id: str, prefix: str) -> None:
        self._write("created", deployment_id, prefix=prefix)

    def deleted(self, deployment_id: str) -> None:
        self._write("deleted", deployment_id)

    def start_heartbeat(self, run: str) -> None:
        """Note, now and every HEARTBEAT_SECONDS until ``stop_heartbeat``, that the run ``run`` is alive."""
        stop = self._stop_heartbeat = threading.Event()
        beat = {"event": "alive", "run": run, "pid": os.getpid(), "host": socket.gethostname()}
        self._append(beat)

        def keep_beating() -> None:
            while not stop.wait(HEARTBEAT_SECONDS):
                with contextlib.suppress(OSError):
                    self._append(beat)

        threading.Thread(target=keep_beating, name=f"heartbeat {run}", daemon=True).start()

    def stop_heartbeat(self, run: str) -> None:
        """The run has ended (its cleanup is done): no more heartbeats, and sweep may take what it left."""
        if self._stop_heartbeat is not None:
            self._stop_heartbeat.set()
        self._append({"event": "ended", "run": run})


def live_runs(path: Path, now: float | None = None) -> dict[str, str]:
    """Runs the journal shows alive: prefix -> why (last heartbeat's age, process). A run is alive when it has
    not noted its end, its last heartbeat is recent, and, on this host, its process still exists."""
    path = Path(path)
    if not path.exists():
        return {}
    now = time.time() if now is None else now
    last: dict[str, dict] = {}
    for entry in map(_entry, path.read_text(encoding="utf-8").splitlines()):
        run = entry.get("run")
        if entry.get("event") == "alive" and isinstance(run, str):
            last[run] = entry
        elif entry.get("event") == "ended" and isinstance(run, str):
            last.pop(run, None)
    alive = {}
    for run, beat in last.items():
        age = now - float(beat.get("time") or 0)
        if age > HEARTBEAT_STALE_SECONDS or not _process_may_live(beat):
            continue
        alive[run] = f"last heartbeat {age:.0f} s ago from pid {beat.get('pid')} on {beat.get('host')}"
    return alive


def _process_may_live(beat: dict) -> bool:
    if beat.get("host") != socket.gethostname() or not isinstance(beat.get("pid"), int):
        return True  # another machine's run: its heartbeat is all there is to go by
    try:
        os.kill(beat["pid"], 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def compact(path: Path) -> None:
    """Drop the entries of deployments that were created and deleted again, and of runs that ended; keep those
    still alive (any target), and each live run's last heartbeat."""
    path = Path(path)
    with _locked(path):
        if not path.exists():
            return
        lines = path.read_text(encoding="utf-8").splitlines()
        alive = {(target, deployment_id) for target in _targets(lines) for deployment_id in _alive(lines, target)}
        running = live_runs(path)
        last_beat = {_entry(line).get("run"): n for n, line in enumerate(lines) if _entry(line).get("event") == "alive"}
        beats = {n for run, n in last_beat.items() if run in running}
        kept = [
            line
            for n, line in enumerate(lines)
            if (_entry(line).get("target"), _entry(line).get("id")) in alive or n in beats
        ]
        write_atomically(path, "".join(line + "\n" for line in kept).encode("utf-8"))


def _entry(line: str) -> dict:
    try:
        entry = json.loads(line)
    except ValueError:
        return {}  # a line cut short by a killed run
    return entry if isinstance(entry, dict) else {}


def _targets(lines: list[str]) -> set[str]:
    return {_entry(line).get("target") for line in lines} - {None}


def _alive(lines: list[str], target: str) -> dict[str, str | None]:
    """Deployment id -> the prefix of the run that created it, for those created on ``target`` and not deleted."""
    alive: dict[str, str | None] = {}
    for entry in map(_entry, lines):
        if entry.get("target") != target or not isinstance(entry.get("id"), str):
            continue
        if entry.get("event") == "created":
            alive[entry["id"]] = entry.get("prefix")
        elif entry.get("event") == "deleted":
            alive.pop(entry["id"], None)
    return alive


def leftovers(path: Path, target: str) -> list[str]:
    """Ids the journal shows as created on ``target`` and never deleted, oldest first."""
    return list(leftovers_by_run(path, target))


def leftovers_by_run(path: Path, target: str) -> dict[str, str | None]:
    """Like ``leftovers``, each with the prefix of the run that created it (None when not noted)."""
    if not Path(path).exists():
        return {}
    return _alive(Path(path).read_text(encoding="utf-8").splitlines(), target)
