"""Known failures: a baseline of cause fingerprints a team accepts for now (``--baseline=known.yaml``).

With a baseline the run's exit status fails only on causes not in it; the report tells new, known and fixed causes
apart. The verdict and the certificate do not change: a target with a known open cause is still NOT CONFORMANT.
``webchat-contract baseline DIR`` writes the baseline of the causes a run left in DIR/results.json.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

BASELINE_FORMAT = "webchat-contract-baseline/1"
NEW, KNOWN, FIXED = "new", "known", "fixed"


class BaselineError(Exception):
    """A baseline file that cannot be used (one line, naming the file)."""


def load(path: Path) -> dict[str, dict[str, Any]]:
    """fingerprint -> what the baseline says of the cause."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"cannot read the baseline {path}: {error.strerror or error}") from None
    return load_text(text, path)


def load_text(text: str, path: Path | str = "the baseline") -> dict[str, dict[str, Any]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BaselineError(f"the baseline {path} is not YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT or not isinstance(data.get("causes"), list):
        raise BaselineError(f"{path} is not a {BASELINE_FORMAT} file (write one with: webchat-contract baseline DIR)")
    known = {}
    for entry in data["causes"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{path}: every cause needs a fingerprint (got {entry!r:.80})")
        known[entry["fingerprint"]] = entry
    return known


def document(causes: Iterable[Mapping[str, Any]], source: str) -> str:
    """The baseline YAML accepting ``causes`` (each with a comment a reader can check it by)."""
    entries = [
        {
            "fingerprint": cause["fingerprint"],
            "requirement": cause["requirement"],
            "operation": cause["operation"],
            "message": cause.get("pattern") or cause["message"],
        }
        for cause in causes
    ]
    header = f"# known causes accepted from {source}; remove an entry once its cause is fixed\n"
    body = {"format": BASELINE_FORMAT, "causes": entries}
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=120)


def document_from_results(directory: Path) -> str:
    path = directory / "results.json"
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"cannot read {path}: {error.strerror or error}") from None
    except ValueError:
        raise BaselineError(f"{path} is not valid JSON") from None
    if not isinstance(results, dict) or not isinstance(results.get("causes"), list):
        raise BaselineError(f"{path} has no causes (written by an older suite?)")
    return document(results["causes"], str(path))


def compare(causes: list[dict[str, Any]], known: Mapping[str, Mapping[str, Any]], source: str) -> dict[str, Any]:
    """Marks each cause new or known (in place) and lists what the baseline knows that this run did not see."""
    seen = set()
    for cause in causes:
        cause["baseline"] = KNOWN if cause["fingerprint"] in known else NEW
        seen.add(cause["fingerprint"])
    fixed = [dict(entry) for fingerprint, entry in known.items() if fingerprint not in seen]
    return {
        "file": source,
        NEW: [c["fingerprint"] for c in causes if c["baseline"] == NEW],
        KNOWN: [c["fingerprint"] for c in causes if c["baseline"] == KNOWN],
        FIXED: fixed,
    }
