"""The contract's OpenAPI document as OpenAPI 3.0.3, for tools that do not read 3.1 (connexion, older generators).

``schemas/openapi.yaml`` (3.1, models as JSON Schema 2020-12) stays the single source: this is a mechanical
translation of its bundled form (``spec.bundled_openapi``). Operations, parameters, permissions and responses are
copied; schemas are rewritten where 3.0 spells a thing differently.
"""

from __future__ import annotations

from typing import Any

from . import spec

VERSION = "3.0.3"
# keywords of JSON Schema 2020-12 that OpenAPI 3.0's schema object does not have, and that constrain nothing 3.0 can say
_DROPPED_KEYWORDS = {
    "$schema", "$id", "$defs", "$comment", "$anchor", "$dynamicAnchor", "$dynamicRef", "contentEncoding",
    "contentMediaType", "contentSchema", "unevaluatedProperties", "unevaluatedItems", "prefixItems", "dependentSchemas",
    "dependentRequired", "propertyNames", "if", "then", "else", "contains", "minContains", "maxContains",
}  # fmt: skip
# objects of an OpenAPI document that hold schemas (by name, or as the value of "schema")
_SCHEMA_MAPS = ("schemas",)


def to_oas30(document: dict[str, Any] | None = None) -> dict[str, Any]:
    """The 3.0.3 form of ``document`` (default: the contract's bundled 3.1 document)."""
    source = spec.bundled_openapi() if document is None else document
    out = _walk_document(source)
    out["openapi"] = VERSION
    out.pop("jsonSchemaDialect", None)
    out.pop("webhooks", None)
    info = out.get("info", {})
    info.pop("summary", None)
    info.get("license", {}).pop("identifier", None)
    out.get("components", {}).pop("pathItems", None)
    return out


def _walk_document(node: Any) -> Any:
    """Copy the document, converting every schema found where OpenAPI puts one."""
    if isinstance(node, list):
        return [_walk_document(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "schema" and isinstance(value, dict):
            out[key] = schema(value)
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: schema(item) for name, item in value.items()}
        else:
            out[key] = _walk_document(value)
    return out


def schema(node: Any) -> Any:
    """One JSON Schema 2020-12 schema as an OpenAPI 3.0 schema object."""
    if isinstance(node, bool):
        return {} if node else {"not": {}}
    if not isinstance(node, dict):
        return node
    if "$ref" in node and len(node) > 1:
        # 3.0 ignores a $ref's siblings: keep them by putting the reference in an allOf
        rest = {key: value for key, value in node.items() if key != "$ref"}
        return schema({**rest, "allOf": [{"$ref": node["$ref"]}, *rest.get("allOf", [])]})
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED_KEYWORDS:
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {name: schema(item) for name, item in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [schema(item) for item in value]
        elif key == "const":
            out["enum"] = [value]
        elif key == "examples":
            if value:
                out.setdefault("example", value[0])
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            out[bound], out[key] = value, True
        else:
            out[key] = value
    _nullable(out)
    return out


def _nullable(out: dict[str, Any]) -> None:
    """``type: [T, "null"]`` -> ``type: T, nullable: true``; several non-null types -> ``anyOf`` of each."""
    types = out.get("type")
    if isinstance(types, str) and types != "null":
        return
    types = [types] if isinstance(types, str) else list(types or [])
    if not types:
        return
    if "null" in types:
        out["nullable"] = True
        types.remove("null")
    if "enum" in out and out.get("nullable") and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    if len(types) == 1:
        out["type"] = types[0]
    elif not types:
        out.pop("type")
        out["enum"] = [None]
    else:
        out.pop("type")
        out["anyOf"] = [*out.get("anyOf", []), *({"type": kind} for kind in types)]
