"""schemas/ holds everything the seed page documents, and the OpenAPI document is valid."""

import re
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from webchat_contract import spec

DATA = Path(__file__).parent / "data"
SEED = DATA / "WebChatApi.md"
SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "WebChatApi.md"
SEED_TYPES = {"String": "string", "Boolean": "boolean", "Integer": "integer", "Number": "number"}


def seed_operations(text: str) -> dict[str, tuple[str, str]]:
    """operationId -> (METHOD, path) from the seed's operations table."""
    rows = re.findall(r"^\[\*\*(\w+)\*\*\]\([^)]*\) \| \*\*(\w+)\*\* (\S+) \|", text, re.M)
    return {op_id: (method, path) for op_id, method, path in rows}


def seed_sections(text: str) -> dict[str, str]:
    """operationId -> the text of its section (from its anchor to the next)."""
    parts = re.split(r'^<a name="(\w+)"></a>$', text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def seed_permissions(section: str) -> list[str]:
    after = section.split("Requires ANY permissions:", 1)[1]
    return re.findall(r"^\* (\S+)$", after.split("###", 1)[0], re.M)


def seed_return_model(section: str) -> str | None:
    found = re.search(r"### Return type\s+\*\*(\w+)\*\*", section)
    return found.group(1) if found else None


def seed_example_fields(text: str) -> dict[str, dict[str, str]]:
    """Model name -> {dotted field path: seed type} from the JSON examples of the request body schemas."""
    models = {}
    for model, block in re.findall(r'<div id="(\w+)Example">\s*```[^\n]*\n(.*?)```', text, re.S):
        fields, stack = {}, []
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("}"):
                if stack:
                    stack.pop()
                continue
            found = re.match(r'"(\w+)": (.*?),?$', line)
            if not found:
                continue
            name, value = found.groups()
            path = ".".join([*stack, name])
            if value == "{":
                fields[path] = "object"
                stack.append(name)
            else:
                fields[path] = value
        models[model] = fields
    return models


def schema_at(model: str, dotted: str) -> dict:
    """The (resolved) schema of a dotted field path inside a model."""
    schema = spec.models()[model]
    for name in dotted.split("."):
        schema = schema["properties"][name]
        while "$ref" in schema:
            schema = spec.models()[Path(schema["$ref"]).stem]
    return schema


TEXT = SEED.read_text()
OPERATIONS = seed_operations(TEXT)
SECTIONS = seed_sections(TEXT)
EXAMPLES = seed_example_fields(TEXT)
BY_ID = {op.operation_id: op for op in spec.operations()}


def test_seed_copy_is_current():
    if not SHARED_SEED.exists():
        pytest.skip("no shared/seed beside the checkout to compare with")
    assert SEED.read_text() == SHARED_SEED.read_text(), "tests/data/WebChatApi.md differs from shared/seed"


def test_seed_parsing_finds_the_documented_api():
    # guards the parsers above: a seed they cannot read must not make the other tests pass vacuously
    assert len(OPERATIONS) == 8 and set(SECTIONS) == set(OPERATIONS)
    assert set(EXAMPLES) == {"WebChatDeployment", "WebChatSettings"}
    assert "flow.selfUri" in EXAMPLES["WebChatDeployment"]


def test_documents_exactly_the_seed_operations():
    assert set(BY_ID) == set(OPERATIONS)


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_operation_method_path_and_permission(operation_id):
    method, path = OPERATIONS[operation_id]
    op = BY_ID[operation_id]
    assert (op.method, op.path) == (method, path)
    assert [op.permission] == seed_permissions(SECTIONS[operation_id])


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_operation_return_model(operation_id):
    assert BY_ID[operation_id].response_model == seed_return_model(SECTIONS[operation_id])


@pytest.mark.parametrize(
    ("model", "field"), [(model, field) for model, fields in sorted(EXAMPLES.items()) for field in fields]
)
def test_model_field_documented_in_seed(model, field):
    seed_type = EXAMPLES[model][field]
    schema = schema_at(model, field)
    if seed_type.startswith("["):
        assert schema["type"] == "array"
        assert schema["items"]["type"] == SEED_TYPES[seed_type.strip("[]")]
    else:
        assert schema["type"] == SEED_TYPES.get(seed_type, seed_type)


def test_the_skin_enum_is_the_one_contract_md_gives():
    # the seed page gives webChatSkin as a plain String; CONTRACT.md names its values
    assert schema_at("WebChatDeployment", "webChatConfig.webChatSkin")["enum"] == ["basic", "modern-caret-skin"]


def test_read_only_fields():
    assert spec.read_only_fields("WebChatDeployment") == ["id", "selfUri"]


def test_openapi_document_is_valid():
    validate(spec.bundled_openapi())


def test_every_operation_documents_every_error_status_with_error_body():
    document = spec.bundled_openapi()
    for item in document["paths"].values():
        for method, op in item.items():
            if method == "parameters":
                continue
            for status in ("400", "401", "403", "404", "408", "409", "413", "415", "429", "500", "503", "504"):
                response = document["components"]["responses"][op["responses"][status]["$ref"].split("/")[-1]]
                assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


def test_post_links_to_the_by_id_operations():
    links = spec.openapi_document()["paths"]["/api/v2/webchat/deployments"]["post"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "getWebchatDeployment",
        "putWebchatDeployment",
        "deleteWebchatDeployment",
    }


def test_examples_fit_their_models():
    for op in spec.operations():
        if op.request_model:
            assert spec.validation_errors(op.request_model, spec.example_body(op.operation_id)) == []
