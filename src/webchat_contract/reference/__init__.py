"""The embedded reference target: a strict implementation of CONTRACT.md, with fault switches.

The suite runs against it when no target is configured; faulty variants (``FAULTS``) prove the suite catches bugs.
"""

from webchat_contract.reference.app import create_app
from webchat_contract.reference.faults import FAULTS, validate_faults
from webchat_contract.reference.principals import Principal, generate_principals
from webchat_contract.reference.server import (
    EmbeddedTarget,
    EmbeddedTargetError,
    ServeError,
    run_server,
    target_config_toml,
)

__all__ = [
    "FAULTS",
    "EmbeddedTarget",
    "EmbeddedTargetError",
    "Principal",
    "ServeError",
    "create_app",
    "generate_principals",
    "run_server",
    "target_config_toml",
    "validate_faults",
]
