"""The name the suite's conftest registers (``pytest_plugins``): the pytest layer lives in ``pytest_plugin/``."""

from .pytest_plugin import *  # noqa: F403  (pytest finds hooks and fixtures among this module's names)
from .pytest_plugin import __all__  # noqa: F401
