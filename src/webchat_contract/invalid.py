"""Invalid request bodies, derived from the model schemas: every way CONTRACT.md says a body must be refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import spec

# a value of another JSON type for each type a field may have
WRONG_TYPE = {"string": 12345, "boolean": "true", "integer": "1", "number": "1.5", "array": "a", "object": "a"}
# raw bodies that are not a JSON object
NOT_JSON = '{"name": '
NOT_OBJECTS = {"array": "[]", "string": '"text"', "number": "42", "null": "null", "boolean": "true"}


@dataclass(frozen=True)
class InvalidField:
    """A body holding one invalid value at ``path`` (dotted), built on a valid base body."""

    path: str
    kind: str
    value: Any

    @property
    def id(self) -> str:
        return f"{self.path}-{self.kind}"

    def applied_to(self, body: dict[str, Any]) -> dict[str, Any]:
        result = dict(body)
        *parents, leaf = self.path.split(".")
        node = result
        for name in parents:
            node[name] = dict(node.get(name) or {})
            node = node[name]
        node[leaf] = self.value
        return result


def _resolved(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec.models()[Path(schema["$ref"]).stem]
    return schema


def invalid_fields(model: str) -> Iterator[InvalidField]:
    """For every writable field (nested ones too): a wrong JSON type, null, a value outside its enum, and for
    arrays items of a wrong type."""
    schema = spec.models()[model]
    yield from _invalid_properties(schema, spec.writable_fields(model), prefix="")


def _invalid_properties(schema: dict[str, Any], names: list[str], prefix: str) -> Iterator[InvalidField]:
    for name in names:
        field = _resolved(schema["properties"][name])
        path = prefix + name
        yield InvalidField(path, "wrong-type", WRONG_TYPE[field["type"]])
        yield InvalidField(path, "null", None)
        if "enum" in field:
            yield InvalidField(path, "not-in-enum", "wcc-not-" + "-or-".join(field["enum"]))
        if field["type"] == "array":
            item_type = _resolved(field["items"])["type"]
            yield InvalidField(path, "item-wrong-type", ["valid" if item_type != "string" else 1])
            yield InvalidField(path, "item-null", [None])
        if field["type"] == "object" and "properties" in field:
            yield from _invalid_properties(field, list(field["properties"]), prefix=f"{path}.")
