"""What a fault is: a named override of one step of the reference target, and the requirements it breaks."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Called as ``override(target, strict, *arguments of the step)``: ``target`` is the ReferenceTarget, ``strict`` the
# step it replaces (the strict one, or one another fault already replaced), to call where the fault changes nothing.
Override = Callable[..., Any]


@dataclass(frozen=True)
class Fault:
    name: str
    description: str  # what the faulty target does wrong
    requirement: str  # the id (schemas/requirements.yaml) of the requirement it breaks
    hook: str  # the ReferenceTarget method it replaces
    override: Override = field(repr=False)
    # the other requirements a full run fails with it on, each with why; tests/test_mutation_score.py holds runs to
    # exactly {requirement, *also_fails}
    also_fails: Mapping[str, str] = field(default_factory=dict)

    def fails(self) -> frozenset[str]:
        """The exact set of requirements a full run of the suite fails with this fault on."""
        return frozenset({self.requirement, *self.also_fails})

    def apply(self, target: Any) -> None:
        strict = getattr(target, self.hook)
        setattr(target, self.hook, functools.partial(self.override, target, strict))


def registering(faults: list[Fault]) -> Callable[..., Callable[[Override], Override]]:
    """A decorator factory: ``@fault(name, requirement, hook=..., description=..., also_fails=...)`` on an override
    appends its Fault to ``faults``."""

    def fault(
        name: str, requirement: str, *, hook: str, description: str, also_fails: Mapping[str, str] | None = None
    ) -> Callable[[Override], Override]:
        def register(override: Override) -> Override:
            faults.append(Fault(name, description, requirement, hook, override, dict(also_fails or {})))
            return override

        return register

    return fault
