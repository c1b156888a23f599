"""Hypothesis profiles (``ci``, ``nightly``, ``mutation``) and the seed a randomized run prints and shares."""

from __future__ import annotations

import secrets

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import core as hypothesis_core
from hypothesis.errors import InvalidArgument

from .keys import SEED_KEY

# Hypothesis profiles, chosen with hypothesis's own --hypothesis-profile. ``ci`` (the default) is derandomized and
# sized for a quick gate; ``nightly`` explores ten times more with a fresh seed, printed so a failure can be replayed.
# Neither keeps an example database: replaying old examples against a live target is not what a run is for.
CI_EXAMPLES = 25


_COMMON = dict(
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)


# ``ci`` does not shrink and stops at the first failure of a test: a failing run costs what a passing one does, and
# the report shows the failing example as found (with its seed). ``nightly`` shrinks to the minimal example.
CI_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]


# never hypothesis's explain phase: it traces every line of a failing test, which against a target took one failing
# round-trip test to 170 s and 1.1 GB (4 s and 96 MB without it), and says nothing a target's author can use
NIGHTLY_PHASES = [*CI_PHASES, Phase.shrink]


# the project's mutation test: one full run per reference fault, so lean (few examples, no shrinking) but
# derandomized, so the requirements a fault fails are the same every time (tests/data/fault_requirements.txt)
MUTATION_EXAMPLES = 5


DEFAULT_PROFILE = "ci"


PROFILE_BEFORE = pytest.StashKey[str]()
PROFILES_REPLACED = pytest.StashKey[dict[str, settings]]()
SUITE_PROFILES = (DEFAULT_PROFILE, "nightly", "mutation")


def registered(name: str) -> bool:
    try:
        settings.get_profile(name)
    except InvalidArgument:
        return False
    return True


def restore_profiles(config: pytest.Config) -> None:
    """Hypothesis as the suite found it: the profiles it replaced, and the profile that was loaded."""
    for name, replaced in config.stash.get(PROFILES_REPLACED, {}).items():
        settings.register_profile(name, parent=replaced)
    if PROFILE_BEFORE in config.stash:
        settings.load_profile(config.stash[PROFILE_BEFORE])


SEED_INPUT = "webchat_contract_hypothesis_seed"


def use_profiles(config: pytest.Config) -> None:
    """Register the suite's profiles and load ``ci``; hypothesis's own plugin, configured after this one, loads the
    one ``--hypothesis-profile`` names instead."""
    # hypothesis has a "ci" profile of its own (loaded where it detects CI): put back at unconfigure what was there
    config.stash[PROFILES_REPLACED] = {name: settings.get_profile(name) for name in SUITE_PROFILES if registered(name)}
    settings.register_profile(
        DEFAULT_PROFILE,
        max_examples=CI_EXAMPLES,
        derandomize=True,
        phases=CI_PHASES,
        report_multiple_bugs=False,
        **_COMMON,
    )
    settings.register_profile(
        "nightly", max_examples=CI_EXAMPLES * 10, derandomize=False, phases=NIGHTLY_PHASES, **_COMMON
    )
    settings.register_profile(
        "mutation",
        max_examples=MUTATION_EXAMPLES,
        derandomize=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        report_multiple_bugs=False,
        **_COMMON,
    )
    config.stash[PROFILE_BEFORE] = settings.get_current_profile_name()
    settings.load_profile(DEFAULT_PROFILE)


# at session start hypothesis has loaded the chosen profile, and the header with the seed is not printed yet
@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Randomized runs get a seed chosen now and printed, so any failure can be replayed with --hypothesis-seed.
    Under pytest-xdist the controller chooses it and every worker uses the same one."""
    config = session.config
    seed = config.getoption("hypothesis_seed", None)
    if seed is None:
        seed = getattr(config, "workerinput", {}).get(SEED_INPUT)
        if seed is None and not settings.default.derandomize:
            seed = secrets.randbelow(2**32)
        if seed is not None:
            hypothesis_core.global_force_seed = seed
    config.stash[SEED_KEY] = int(seed) if seed is not None and str(seed).isdigit() else None
