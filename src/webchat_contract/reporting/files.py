"""Writing the run's files: JSON as the bundle spells it, its hash, and writes that appear whole or not at all."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

# results, certificates and history are meant to be published and read by others
FILE_MODE = 0o644
# configs holding credentials
PRIVATE_FILE_MODE = 0o600


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def to_json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_atomically(path: Path, data: bytes, mode: int = FILE_MODE) -> Path:
    """Write ``data`` to ``path`` whole or not at all (a temporary file in the same directory, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fchmod(temp.fileno(), mode)
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return path
