"""The contract as data: the model schemas and the OpenAPI document under ``schemas/``.

Everything that needs a field list, an operation table or a permission reads it from here.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from . import layout

SCHEMAS_DIR = layout.SCHEMAS_DIR
MODELS_DIR = SCHEMAS_DIR / "models"
OPENAPI_PATH = SCHEMAS_DIR / "openapi.yaml"
PERMISSION_EXTENSION = "x-inin-requires-permissions"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path: str  # template, e.g. /api/v2/webchat/deployments/{deploymentId}
    permission: str
    request_model: str | None
    success_status: int
    response_model: str | None

    @property
    def has_path_id(self) -> bool:
        return "{" in self.path

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    @property
    def resource(self) -> str:
        """``deployments`` or ``settings``: the resource the operation acts on."""
        return "settings" if self.path.endswith("/settings") else "deployments"

    def url_path(self, deployment_id: str | None = None) -> str:
        if self.has_path_id:
            if deployment_id is None:
                raise ValueError(f"{self.operation_id} needs a deployment id")
            return self.path.replace("{deploymentId}", quote(deployment_id, safe=""))
        return self.path


@functools.cache
def models() -> dict[str, dict[str, Any]]:
    """Model name (the file stem) -> its JSON Schema."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(MODELS_DIR.glob("*.json"))}


@functools.cache
def registry() -> Registry:
    resources = [(schema["$id"], Resource.from_contents(schema, DRAFT202012)) for schema in models().values()]
    return Registry().with_resources(resources)


@functools.cache
def validator(model: str) -> Draft202012Validator:
    """A validator for one model, resolving references across the model files and checking formats."""
    return Draft202012Validator(
        models()[model], registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def validation_errors(model: str, instance: Any) -> list[str]:
    """Readable messages for every way ``instance`` fails ``model``; empty when it fits."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(body)'}: {error.message}"
        for error in sorted(validator(model).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


def writable_fields(model: str) -> list[str]:
    """Top-level properties a client may send (all but the ``readOnly`` ones)."""
    return [name for name, prop in models()[model]["properties"].items() if not prop.get("readOnly")]


def read_only_fields(model: str) -> list[str]:
    return [name for name, prop in models()[model]["properties"].items() if prop.get("readOnly")]


@functools.cache
def openapi_document() -> dict[str, Any]:
    """``schemas/openapi.yaml`` as written, its model references pointing at the model files."""
    return yaml.safe_load(OPENAPI_PATH.read_text())


def _model_of(schema_holder: dict[str, Any] | None) -> str | None:
    if not schema_holder:
        return None
    ref = schema_holder["content"]["application/json"]["schema"]["$ref"]
    return Path(ref).stem


@functools.cache
def operations() -> tuple[Operation, ...]:
    result = []
    for path, item in openapi_document()["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            permissions = op[PERMISSION_EXTENSION]["permissions"]
            (success,) = [code for code in op["responses"] if code.startswith("2")]
            result.append(
                Operation(
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=path,
                    permission=permissions[0],
                    request_model=_model_of(op.get("requestBody")),
                    success_status=int(success),
                    response_model=_model_of(op["responses"][success])
                    if "content" in op["responses"][success]
                    else None,
                )
            )
    return tuple(result)


def operation(operation_id: str) -> Operation:
    for op in operations():
        if op.operation_id == operation_id:
            return op
    raise KeyError(operation_id)


def permissions() -> list[str]:
    """Every permission some operation requires, sorted."""
    return sorted({op.permission for op in operations()})


def _bundle_refs(node: Any, own_name: str) -> Any:
    """Rewrite the references of one model file so they point into ``#/components/schemas``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("$schema", "$id", "$defs"):
                continue
            if key == "$ref":
                if value == "#":
                    value = f"#/components/schemas/{own_name}"
                elif value.startswith("#/$defs/"):
                    value = "#/components/schemas/" + value.removeprefix("#/$defs/")
                else:
                    value = "#/components/schemas/" + Path(value).stem
            out[key] = _bundle_refs(value, own_name)
        return out
    if isinstance(node, list):
        return [_bundle_refs(item, own_name) for item in node]
    return node


def _point_at_components(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                "#/components/schemas/" + Path(value).stem
                if key == "$ref" and value.endswith(".json")
                else _point_at_components(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_point_at_components(item) for item in node]
    return node


@functools.cache
def _bundled() -> dict[str, Any]:
    document = _point_at_components(copy.deepcopy(openapi_document()))
    schemas: dict[str, Any] = {}
    for name, schema in models().items():
        for def_name, definition in schema.get("$defs", {}).items():
            schemas[def_name] = _bundle_refs(definition, name)
        schemas[name] = _bundle_refs(schema, name)
    document.setdefault("components", {})["schemas"] = schemas
    return document


def bundled_openapi() -> dict[str, Any]:
    """The OpenAPI document as one self-contained dict (models copied into ``components/schemas``)."""
    return copy.deepcopy(_bundled())


@functools.cache
def schemas_hash() -> str:
    """sha256 over every file under ``schemas/`` (names and contents), to tie a verdict to a contract version."""
    digest = hashlib.sha256()
    for path in sorted(p for p in SCHEMAS_DIR.rglob("*") if p.is_file()):
        digest.update(path.relative_to(SCHEMAS_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def example_body(operation_id: str) -> dict[str, Any]:
    """The request body example the OpenAPI document gives for an operation (a fresh copy)."""
    path = operation(operation_id).path
    method = operation(operation_id).method.lower()
    content = openapi_document()["paths"][path][method]["requestBody"]["content"]["application/json"]
    return copy.deepcopy(content["example"])


@functools.cache
def error_codes(status: int) -> tuple[str, ...]:
    """The ErrorBody codes the platform is seen to use for an HTTP status (``x-error-codes`` of the document)."""
    responses = openapi_document()["components"]["responses"]
    any_operation = next(iter(openapi_document()["paths"].values()))["get"]
    ref = any_operation["responses"].get(str(status), {}).get("$ref")
    if ref is None:
        raise KeyError(f"no documented response for status {status}")
    return tuple(responses[ref.rsplit("/", 1)[1]]["x-error-codes"])


REQUIREMENTS_PATH = SCHEMAS_DIR / "requirements.yaml"


@dataclass(frozen=True)
class Requirement:
    id: str
    concern: str
    text: str
    extra: str | None = None  # verified only with this extra installed (pip install webchat-contract[extra])


@functools.cache
def requirements() -> dict[str, Requirement]:
    """The catalog of schemas/requirements.yaml: id -> Requirement, in catalog order."""
    data = yaml.safe_load(REQUIREMENTS_PATH.read_text())["requirements"]
    return {
        rid: Requirement(rid, entry["concern"], " ".join(entry["text"].split()), entry.get("extra"))
        for rid, entry in data.items()
    }


def declared_part(model: str, instance: Any) -> Any:
    """What of ``instance`` a target stores: the model's writable fields and, inside them, only the properties
    the nested schemas declare. Unknown fields (CONTRACT.md: ignored) and read-only ones are left out."""
    if not isinstance(instance, dict):
        return instance
    schema = models()[model]
    resolver = registry().resolver(base_uri=schema["$id"])
    return {
        name: _declared(schema["properties"][name], instance[name], resolver)
        for name in writable_fields(model)
        if name in instance
    }


def _declared(schema: dict[str, Any], value: Any, resolver: Any) -> Any:
    while "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        schema, resolver = resolved.contents, resolved.resolver
    if isinstance(value, dict) and "properties" in schema:
        declared = schema["properties"]
        return {key: _declared(declared[key], item, resolver) for key, item in value.items() if key in declared}
    if isinstance(value, list) and "items" in schema:
        return [_declared(schema["items"], item, resolver) for item in value]
    return value
