"""The journal: every deployment a run creates is written down before any test uses it, and crossed out when
deleted, so an interrupted run's leftovers can be found and swept (``webchat-contract sweep``)."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path

# a run's prefix: ``wcc-`` and 8 hex digits (see the run_prefix fixture)
RUN_PREFIX = re.compile(r"^wcc-[0-9a-f]{8}-")
DEFAULT_PATH = Path("reports") / "journal.jsonl"


class Journal:
    """An append-only JSON-lines file of ``created`` and ``deleted`` events, one target per line."""

    def __init__(self, path: Path, target: str):
        self.path = Path(path)
        self.target = target
        self._lock = threading.Lock()

    def _write(self, event: str, deployment_id: str, **extra) -> None:
        line = json.dumps({"event": event, "id": deployment_id, "target": self.target, "time": time.time(), **extra})
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
                out.flush()
                os.fsync(out.fileno())

    def created(self, deployment_id: str, prefix: str) -> None:
        self._write("created", deployment_id, prefix=prefix)

    def deleted(self, deployment_id: str) -> None:
        self._write("deleted", deployment_id)


def compact(path: Path) -> None:
    """Drop the entries of deployments that were created and deleted again; keep those still alive (any target)."""
    path = Path(path)
    if not path.exists():
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    alive = {(target, deployment_id) for target in _targets(lines) for deployment_id in _alive(lines, target)}
    kept = [line for line in lines if (_entry(line).get("target"), _entry(line).get("id")) in alive]
    temporary = path.with_suffix(".tmp")
    temporary.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    os.replace(temporary, path)


def _entry(line: str) -> dict:
    try:
        entry = json.loads(line)
    except ValueError:
        return {}  # a line cut short by a killed run
    return entry if isinstance(entry, dict) else {}


def _targets(lines: list[str]) -> set[str]:
    return {_entry(line).get("target") for line in lines} - {None}


def _alive(lines: list[str], target: str) -> list[str]:
    alive: dict[str, None] = {}
    for entry in map(_entry, lines):
        if entry.get("target") != target:
            continue
        if entry.get("event") == "created":
            alive[entry["id"]] = None
        elif entry.get("event") == "deleted":
            alive.pop(entry.get("id"), None)
    return list(alive)


def leftovers(path: Path, target: str) -> list[str]:
    """Ids the journal shows as created on ``target`` and never deleted, oldest first."""
    if not Path(path).exists():
        return []
    return _alive(Path(path).read_text(encoding="utf-8").splitlines(), target)
