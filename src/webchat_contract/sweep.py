"""``webchat-contract sweep``: delete what earlier runs left on a target (a run killed before its cleanup).

A deployment is the suite's if its name carries a run prefix (``wcc-`` and 8 hex digits) or the journal shows a
run created it and never deleted it. Nothing else is touched.
"""

from __future__ import annotations

from pathlib import Path

from .client import TargetError
from .config import TargetConfig
from .journal import RUN_PREFIX, leftovers
from .operations import DELETE, GET, LIST
from .target import Target


class SweepError(Exception):
    """The sweep cannot run (no principal to list or delete with); one line."""


def find_leftovers(target: Target, journal: Path) -> list[str]:
    reader = target.first_holding(LIST.permission)
    if reader is None:
        raise SweepError(f"no configured principal holds {LIST.permission} to list deployments")
    client = target.client(reader)
    listing = client.get(LIST.path).json()
    found = [e["id"] for e in listing.get("entities") or [] if RUN_PREFIX.match(str(e.get("name", "")))]
    for deployment_id in leftovers(journal, target.base_url):
        if deployment_id not in found and client.get(GET.url_path(deployment_id)).status_code == 200:
            found.append(deployment_id)
    return found


def sweep(config: TargetConfig, journal: Path, dry_run: bool = False, say=print) -> int:
    """Delete the leftovers; returns how many could not be deleted."""
    target = Target(config)
    deleter = target.first_holding(DELETE.permission)
    if deleter is None and not dry_run:
        raise SweepError(f"no configured principal holds {DELETE.permission} to delete deployments")
    try:
        found = find_leftovers(target, journal)
        failed = 0
        for deployment_id in found:
            if dry_run:
                say(f"would delete {deployment_id}")
                continue
            status = target.client(deleter).delete(DELETE.url_path(deployment_id)).status_code
            ok = status in (DELETE.success_status, 404)
            failed += not ok
            say(f"deleted {deployment_id}" if ok else f"could not delete {deployment_id}: {status}")
    except TargetError as error:
        raise SweepError(str(error)) from None
    say(
        f"{len(found)} leftover deployment(s) found on {config.base_url}"
        + (", none deleted (dry run)" if dry_run else "")
    )
    return failed
