"""The permission matrix, derived: what every operation must answer every configured principal.

An operation needs one permission (``x-inin-requires-permissions`` in schemas/openapi.yaml); a principal holds
the permissions its configuration lists. A cell is allowed when the principal holds the permission, denied
(403) otherwise. Kinds of cell that no configured principal can exercise become cells that are not verified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import spec
from .spec import Operation


@dataclass(frozen=True)
class Cell:
    operation: Operation
    principal: str | None  # None: no configured principal can exercise this kind of cell
    allowed: bool
    missing: str | None = None  # why the cell cannot be verified

    @property
    def id(self) -> str:
        who = self.principal or self.missing
        return f"{self.operation.operation_id}[{who}]-{'allowed' if self.allowed else 'denied'}"


def cells(principals: Mapping[str, frozenset[str]]) -> list[Cell]:
    result = []
    for op in spec.operations():
        holders = [name for name, held in principals.items() if op.permission in held]
        lacking = [name for name, held in principals.items() if op.permission not in held]
        result += [Cell(op, name, True) for name in holders]
        result += [Cell(op, name, False) for name in lacking]
        if not holders:
            result.append(Cell(op, None, True, missing=f"no principal holds {op.permission}"))
        if not lacking:
            result.append(Cell(op, None, False, missing=f"no principal lacks {op.permission}"))
        elif not any(principals[name] for name in lacking):
            # a target checking the wrong permission is caught only by a principal holding some other one
            result.append(Cell(op, None, False, missing=f"no principal lacks {op.permission} but holds another"))
    return result
