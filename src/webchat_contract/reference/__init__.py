"""The embedded reference target: a strict implementation of CONTRACT.md, with fault switches and misbehaviours.

The suite runs against it when no target is configured; faulty variants (``FAULTS``) prove the suite catches bugs,
misbehaving ones (``MISBEHAVIOURS``) that it survives hostile conditions.
"""

from webchat_contract.reference.app import create_app
from webchat_contract.reference.faults import FAULTS, Fault, validate_faults
from webchat_contract.reference.misbehaviours import MISBEHAVIOURS, validate_misbehaviours
from webchat_contract.reference.principals import Principal, generate_principals
from webchat_contract.reference.server import (
    EmbeddedTarget,
    EmbeddedTargetError,
    InProcessTarget,
    ServeError,
    run_server,
    target_config_toml,
)

__all__ = [
    "FAULTS",
    "MISBEHAVIOURS",
    "EmbeddedTarget",
    "EmbeddedTargetError",
    "Fault",
    "InProcessTarget",
    "Principal",
    "ServeError",
    "create_app",
    "generate_principals",
    "run_server",
    "target_config_toml",
    "validate_faults",
    "validate_misbehaviours",
]
