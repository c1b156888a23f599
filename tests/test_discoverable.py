"""What a new user finds out from the command itself: its version and where its suite is, the reference target's
faults, and the contract's OpenAPI document, also as OpenAPI 3.0 for tools that do not read 3.1."""

from __future__ import annotations

import copy

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV30SpecValidator

from webchat_contract import __version__, cli, layout, spec
from webchat_contract.oas30 import schema as schema_30
from webchat_contract.oas30 import to_oas30
from webchat_contract.reference.faults import FAULTS
from webchat_contract.reference.misbehaviours import MISBEHAVIOURS

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_version_names_the_release_and_where_the_suite_is(capsys):
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0
    assert out.strip() == f"webchat-contract {__version__} (suite in a checkout at {layout.SUITES_DIR})"


def test_help_lists_every_command(capsys):
    code, _, err = run_cli(capsys)
    assert code == 2
    for command in ("run", "serve", "verify", "sweep", "keygen", "openapi"):
        assert f"    {command} " in err, command


def test_list_faults_names_each_fault_with_its_requirement_and_each_misbehaviour(capsys):
    code, out, _ = run_cli(capsys, "serve", "--list-faults")
    assert code == 0
    lines = out.splitlines()
    for fault in FAULTS.values():
        (line,) = [line for line in lines if line.split()[:2] == [fault.name, fault.requirement]]
        assert fault.description in line
    for name, description in MISBEHAVIOURS.items():
        assert any(line.split()[:1] == [name] and description in line for line in lines), name
    assert f"faults (--fault NAME; pytest --reference-fault NAME): {len(FAULTS)}" in lines


def test_openapi_prints_the_bundled_31_document(capsys):
    code, out, _ = run_cli(capsys, "openapi")
    assert code == 0
    assert yaml.safe_load(out) == spec.bundled_openapi()


def operations_of(document: dict) -> dict[tuple[str, str], dict]:
    return {
        (path, method): op
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def test_openapi_30_is_a_valid_30_document_with_the_same_operations_params_permissions_and_schemas(capsys):
    code, out, _ = run_cli(capsys, "openapi", "--oas", "3.0")
    assert code == 0
    converted, source = yaml.safe_load(out), spec.bundled_openapi()
    assert converted["openapi"] == "3.0.3"
    validate(converted, cls=OpenAPIV30SpecValidator)
    ops_30, ops_31 = operations_of(converted), operations_of(source)
    assert ops_30.keys() == ops_31.keys() and len(ops_30) == len(spec.operations())
    for key, op in ops_31.items():
        for field in ("operationId", "parameters", "x-inin-requires-permissions", "security", "requestBody"):
            assert ops_30[key].get(field) == op.get(field), (key, field)
        assert ops_30[key]["responses"].keys() == op["responses"].keys(), key
    for section in ("parameters", "responses", "securitySchemes"):
        assert converted["components"][section] == source["components"][section], section
    schemas_30, schemas_31 = converted["components"]["schemas"], source["components"]["schemas"]
    assert schemas_30.keys() == schemas_31.keys()
    for name, schema in schemas_31.items():
        assert back_to_31(schemas_30[name]) == schema, name


def back_to_31(node):
    """Undo what the 3.0 translation changes, for the keywords the contract's models use."""
    if isinstance(node, list):
        return [back_to_31(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: back_to_31(value) for key, value in node.items()}
    if out.pop("nullable", False):
        out["type"] = [out["type"], "null"]
    if "example" in out:
        out["examples"] = [out.pop("example")]
    return out


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"type": ["string", "null"]}, {"type": "string", "nullable": True}),
        ({"type": "null"}, {"nullable": True, "enum": [None]}),
        ({"type": ["string", "integer"]}, {"anyOf": [{"type": "string"}, {"type": "integer"}]}),
        ({"const": "basic"}, {"enum": ["basic"]}),
        ({"type": ["string", "null"], "enum": ["a"]}, {"type": "string", "nullable": True, "enum": ["a", None]}),
        ({"type": "string", "examples": ["x", "y"]}, {"type": "string", "example": "x"}),
        ({"type": "integer", "exclusiveMinimum": 0}, {"type": "integer", "minimum": 0, "exclusiveMinimum": True}),
        (
            {"$ref": "#/components/schemas/A", "description": "d"},
            {"description": "d", "allOf": [{"$ref": "#/components/schemas/A"}]},
        ),
        (
            {"$id": "x", "$schema": "y", "type": "object", "properties": {"a": {"const": 1}}},
            {"type": "object", "properties": {"a": {"enum": [1]}}},
        ),
        (
            {"type": "array", "items": {"type": ["boolean", "null"]}},
            {"type": "array", "items": {"type": "boolean", "nullable": True}},
        ),
    ],
)
def test_31_schema_keywords_become_their_30_spelling(source, expected):
    assert schema_30(copy.deepcopy(source)) == expected


def test_a_31_document_with_31_only_parts_translates_to_a_valid_30_one():
    document = spec.bundled_openapi()
    document["info"]["summary"] = "3.1 only"
    document["jsonSchemaDialect"] = "https://json-schema.org/draft/2020-12/schema"
    document["webhooks"] = {}
    document["components"]["schemas"]["WebChatSettings"]["properties"]["requireDeployment"]["type"] = [
        "boolean",
        "null",
    ]
    converted = to_oas30(document)
    validate(converted, cls=OpenAPIV30SpecValidator)
    settings = converted["components"]["schemas"]["WebChatSettings"]["properties"]["requireDeployment"]
    assert settings == {"type": "boolean", "nullable": True}


def test_run_passes_what_follows_a_double_dash_to_pytest(monkeypatch):
    seen = {}
    monkeypatch.setattr(
        "webchat_contract.run.run", lambda config, out, key, extra: seen.setdefault("extra", extra) and 0
    )
    cli.main(["run", "--", "-k", "crud"])
    assert seen["extra"] == ["-k", "crud"]
