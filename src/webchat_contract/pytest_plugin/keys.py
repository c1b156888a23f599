"""What the plugin keeps on the pytest config between its hooks."""

from __future__ import annotations

import pytest

from ..config import TargetConfig
from ..target import Target

CONFIG_KEY = pytest.StashKey[TargetConfig | None]()


# the configuration in use once the target is known (the embedded target's is known only after it started)
ACTIVE_CONFIG_KEY = pytest.StashKey[TargetConfig]()


TARGET_KEY = pytest.StashKey[Target]()


SEED_KEY = pytest.StashKey[int | None]()
