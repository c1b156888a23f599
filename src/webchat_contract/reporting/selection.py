"""Whether a run of the suite ran all of it, or a selection (``-k``, ``-m``, ``--requirement``, ``--lf``,
``--deselect``, a file or a single test): a partial run writes its bundle under ``partial/`` of the reports directory,
marked partial, and never replaces the certificate of a complete run.

Decided from the command line alone, so the xdist controller (which collects nothing) knows it too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from .. import layout

PARTIAL_DIR = "partial"
# option dest -> how the selection is shown
_NARROWING_OPTIONS = {
    "keyword": "-k {}",
    "markexpr": "-m {}",
    "requirement": "--requirement {}",
    "deselect": "--deselect {}",
    "lf": "--lf",
    "failedfirst": None,  # --ff reorders, it does not select
}


def narrowed_by(config: Any) -> list[str]:
    """What narrowed this run to part of the suite; empty for a run of the whole suite."""
    found = []
    for dest, shown in _NARROWING_OPTIONS.items():
        value = getattr(config.option, dest, None)
        if shown is None or not value:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        found += [shown.format(v) for v in values] if "{}" in shown else [shown]
    invoked_in, pyargs = Path(config.invocation_params.dir), bool(getattr(config.option, "pyargs", False))
    found += [arg for arg in config.args if _names_part_of_the_suite(arg, invoked_in, pyargs)]
    return found


def _names_part_of_the_suite(arg: str, invoked_in: Path, pyargs: bool) -> bool:
    """An argument naming a file, test or directory inside the suite (as a path, or with --pyargs a module); the
    suite's own directory, one holding it, and paths elsewhere (another project's tests) select no part of it."""
    name, _, test = arg.partition("::")
    path = (invoked_in / name).resolve()
    if not path.exists() and pyargs:
        path = _module_path(name) or path
    suites = layout.SUITES_DIR.resolve()
    return suites in path.parents or (path == suites and bool(test))


def _module_path(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    found = locations[0] if locations else spec.origin
    return Path(found).resolve() if found else None


def partial_path(path: Path) -> Path:
    """Where a partial run writes what a complete run writes to ``path``."""
    return path.parent / PARTIAL_DIR / path.name
