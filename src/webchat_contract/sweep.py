"""``webchat-contract sweep``: delete what earlier runs left on a target (a run killed before its cleanup).

A deployment is the suite's if its name carries a run prefix (``wcc-`` and 8 hex digits) or the journal shows a
run created it and never deleted it. Nothing else is touched, and nothing of a run the journal shows alive (a recent
heartbeat, its process still there): that run deletes its own deployments when it ends.
"""

from __future__ import annotations

from pathlib import Path

from .client import TargetError
from .config import TargetConfig
from .journal import RUN_PREFIX, leftovers_by_run, live_runs
from .operations import DELETE, GET, LIST
from .target import Target
from .transport import json_or_none


class SweepError(Exception):
    """The sweep cannot run (no principal to list or delete with); one line."""


def find_leftovers(target: Target, journal: Path) -> dict[str, str | None]:
    """Deployment id -> the prefix of the run that created it (None: not known), for every deployment of the suite's
    on the target."""
    reader = target.first_holding(LIST.permission)
    if reader is None:
        raise SweepError(f"no configured principal holds {LIST.permission} to list deployments")
    client = target.client(reader)
    response = client.get(LIST.path)
    listing = json_or_none(response)
    entities = listing.get("entities") if isinstance(listing, dict) else None
    if not isinstance(entities, list):
        raise SweepError(f"GET {LIST.path} answered {response.status_code} without a list of deployments")
    found: dict[str, str | None] = {}
    for entity in entities:
        prefix = RUN_PREFIX.match(str(entity.get("name", ""))) if isinstance(entity, dict) else None
        if prefix and isinstance(entity.get("id"), str):
            found[entity["id"]] = prefix.group(0)
    for deployment_id, run in leftovers_by_run(journal, target.base_url).items():
        if deployment_id not in found and client.get(GET.url_path(deployment_id)).status_code == 200:
            found[deployment_id] = run
    return found


def spare_live_runs(found: dict[str, str | None], journal: Path, say) -> list[str]:
    """The deployments to sweep: those of runs that are not alive. Says which live runs are left alone."""
    running = live_runs(journal)
    spared: dict[str, list[str]] = {}
    for deployment_id, run in found.items():
        if run in running:
            spared.setdefault(run, []).append(deployment_id)
    for run, ids in spared.items():
        say(f"skipped {len(ids)} deployment(s) of run {run}, which is still alive ({running[run]})")
    return [deployment_id for deployment_id, run in found.items() if run not in running]


def sweep(config: TargetConfig, journal: Path, dry_run: bool = False, say=print) -> int:
    """Delete the leftovers; returns how many could not be deleted."""
    target = Target(config)
    deleter = target.first_holding(DELETE.permission)
    if deleter is None and not dry_run:
        raise SweepError(f"no configured principal holds {DELETE.permission} to delete deployments")
    try:
        found = spare_live_runs(find_leftovers(target, journal), journal, say)
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
