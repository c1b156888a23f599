"""The causes of a failing run on the terminal: one line each and the request that shows it, within a bound."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_CAUSES_SHOWN = 12  # two lines each: with the verdict and the pointers, about 40 lines in all


def cause_lines(results: Mapping[str, Any], width: int) -> list[str]:
    causes = results.get("causes") or []
    if not causes:
        return []
    failed = len({nodeid for cause in causes for nodeid in cause["tests"]})
    lines = [f"{len(causes)} distinct cause{'s' if len(causes) != 1 else ''} ({failed} failed tests):"]
    for cause in causes[:MAX_CAUSES_SHOWN]:
        status = f"[{cause['baseline']}] " if cause.get("baseline") else ""
        count = f" ({cause['count']} tests)" if cause["count"] > 1 else ""
        lines.append(_fit(f"  {status}{cause.get('headline') or cause['message']}{count}", width))
        where = f"{cause['requirement']} on {cause['operation']}" if cause["operation"] else cause["requirement"]
        exchange = cause.get("exchange")
        if exchange:
            who = f" as {exchange['principal']}" if exchange.get("principal") else ""
            shown = f"{exchange['method']} {exchange['url']}{who} -> {exchange['status']}"
        else:
            shown = f"in {cause['tests'][0]}" if cause.get("tests") else ""
        lines.append(_fit(f"      {where}: {shown}", width))
    if len(causes) > MAX_CAUSES_SHOWN:
        lines.append(f"  ... and {len(causes) - MAX_CAUSES_SHOWN} more causes in the report")
    lines.append("each cause's exchange, curl command and tests: report.html; tracebacks: rerun with --tb=short")
    return lines


def _fit(line: str, width: int) -> str:
    line = " ".join(line.split()) if "\n" in line else line
    return line if len(line) <= width else line[: width - 1] + "…"


def baseline_lines(results: Mapping[str, Any]) -> list[str]:
    compared = results.get("baseline")
    if not compared:
        return []
    line = (
        f"baseline {compared['file']}: {len(compared['new'])} new, {len(compared['known'])} known, "
        f"{len(compared['fixed'])} not seen"
    )
    if compared["new"]:
        line += " (the run fails on the new ones)"
    lines = [line]
    lines += [f"  not seen, remove from the baseline if fixed: {f['fingerprint']} {f.get('message', '')}"[:200]
              for f in compared["fixed"][:5]]  # fmt: skip
    return lines
