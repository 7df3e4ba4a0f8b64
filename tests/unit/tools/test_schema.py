"""Input schemas generated from signatures: one row per supported parameter shape."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from remotemcp.domain.tools import Tool
from tests.unit.tools import schema_cases as c


def _int(**extra: Any) -> dict[str, Any]:
    return {"type": "integer", **extra}


SCHEMA_CASES = [
    pytest.param(
        c.get_time,
        {
            "timezone": {
                "type": "string",
                "description": "Временная зона (например, UTC, Europe/Moscow)",
                "default": "UTC",
                "title": "Timezone",
            }
        },
        [],
        id="owner-example",
    ),
    pytest.param(
        c.primitives,
        {
            "count": {"type": "integer", "title": "Count"},
            "ratio": {"type": "number", "title": "Ratio"},
            "flag": {"type": "boolean", "title": "Flag"},
        },
        ["count", "ratio", "flag"],
        id="int-float-bool",
    ),
    pytest.param(
        c.optional,
        {"limit": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None, "title": "Limit"}},
        [],
        id="optional-pipe",
    ),
    pytest.param(
        c.typing_optional,
        {"limit": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None, "title": "Limit"}},
        [],
        id="optional-typing",
    ),
    pytest.param(
        c.described_optional,
        {
            "note": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "default": None,
                "description": "A note",
                "title": "Note",
            }
        },
        [],
        id="annotated-string-inside-optional",
    ),
    pytest.param(
        c.literal,
        {"mode": {"type": "string", "enum": ["fast", "slow"], "title": "Mode"}},
        ["mode"],
        id="literal",
    ),
    pytest.param(c.enum, {"color": {"$ref": "#/$defs/Color", "default": "red"}}, [], id="enum"),
    pytest.param(
        c.int_list,
        {"ids": {"type": "array", "items": {"type": "integer"}, "title": "Ids"}},
        ["ids"],
        id="list-int",
    ),
    pytest.param(
        c.str_int_dict,
        {"weights": {"type": "object", "additionalProperties": {"type": "integer"}, "title": "Weights"}},
        ["weights"],
        id="dict-str-int",
    ),
    pytest.param(c.nested_model, {"address": {"$ref": "#/$defs/Address"}}, ["address"], id="nested-model"),
    pytest.param(c.typed_dict, {"point": {"$ref": "#/$defs/Point"}}, ["point"], id="typeddict"),
    pytest.param(c.data_class, {"box": {"$ref": "#/$defs/Box"}}, ["box"], id="dataclass"),
    pytest.param(
        c.field_default,
        {"count": _int(description="How many", minimum=1, title="Count")},
        ["count"],
        id="field-as-default-required",
    ),
    pytest.param(
        c.field_default_with_value,
        {"count": _int(description="How many", minimum=1, default=3, title="Count")},
        [],
        id="field-as-default-with-value",
    ),
    pytest.param(
        c.annotated_field,
        {"count": _int(description="How many", minimum=1, maximum=10, default=5, title="Count")},
        [],
        id="annotated-field",
    ),
    pytest.param(
        c.annotated_string_and_field,
        {"count": _int(description="Text", minimum=0, title="Count")},
        ["count"],
        id="annotated-string-plus-field",
    ),
    pytest.param(
        c.field_beats_string,
        {"count": _int(description="Field", title="Count")},
        ["count"],
        id="field-description-wins",
    ),
    pytest.param(
        c.search,
        {
            "query": {"type": "string", "description": "Search text", "title": "Query"},
            "limit": _int(default=10, title="Limit"),
        },
        ["query"],
        id="async-function",
    ),
    pytest.param(c.documented, {"city": {"type": "string", "title": "City"}}, ["city"], id="docstring"),
    pytest.param(
        c.with_context, {"query": {"type": "string", "title": "Query"}}, ["query"], id="context-excluded"
    ),
    pytest.param(
        c.with_optional_context,
        {"query": {"type": "string", "title": "Query"}},
        ["query"],
        id="optional-context-excluded",
    ),
    pytest.param(c.no_parameters, {}, [], id="no-parameters"),
    pytest.param(
        c.shadowing,
        {
            "schema": {"type": "string", "title": "Schema"},
            "json": _int(default=0, title="Json"),
            "_private": {"type": "string", "default": "x", "title": "Private"},
        },
        ["schema"],
        id="names-pydantic-reserves",
    ),
    pytest.param(
        c.unannotated,
        {"value": {"title": "Value"}, "times": {"default": 2, "title": "Times"}},
        ["value"],
        id="unannotated-is-any",
    ),
]

FUNCTIONS_BY_CASE: dict[str, Callable[..., Any]] = {
    "enum": c.enum,
    "nested-model": c.nested_model,
    "typeddict": c.typed_dict,
    "dataclass": c.data_class,
}

EXPECTED_DEFS = {
    "enum": {"Color": {"enum": ["red", "green"], "title": "Color", "type": "string"}},
    "nested-model": {
        "Address": {
            "type": "object",
            "title": "Address",
            "properties": {
                "city": {"type": "string", "title": "City"},
                "zip_code": {
                    "anyOf": [{"type": "string"}, {"type": "null"}],
                    "default": None,
                    "title": "Zip Code",
                },
            },
            "required": ["city"],
        }
    },
    "typeddict": {
        "Point": {
            "type": "object",
            "title": "Point",
            "properties": {"x": {"type": "integer", "title": "X"}, "y": {"type": "integer", "title": "Y"}},
            "required": ["x", "y"],
        }
    },
    "dataclass": {
        "Box": {
            "type": "object",
            "title": "Box",
            "properties": {
                "width": {"type": "number", "title": "Width"},
                "label": {"type": "string", "default": "box", "title": "Label"},
            },
            "required": ["width"],
        }
    },
}


@pytest.mark.parametrize(("fn", "properties", "required"), SCHEMA_CASES)
def test_input_schema(fn: Callable[..., Any], properties: dict[str, Any], required: list[str]) -> None:
    schema = Tool(fn).input_schema

    assert schema["type"] == "object"
    assert schema["properties"] == properties
    assert schema["required"] == required
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(("case_id", "defs"), EXPECTED_DEFS.items())
def test_definitions_live_at_the_top_level(case_id: str, defs: dict[str, Any]) -> None:
    fn = FUNCTIONS_BY_CASE[case_id]

    assert Tool(fn).input_schema["$defs"] == defs


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


@pytest.mark.parametrize(("fn", "properties", "required"), SCHEMA_CASES)
def test_schema_is_self_contained_2020_12(
    fn: Callable[..., Any], properties: object, required: object
) -> None:
    schema = Tool(fn).input_schema
    keys = [key for key, _ in _walk(schema)]

    assert "$schema" not in schema  # MCP 2025-11-25: no $schema means 2020-12
    assert "nullable" not in keys
    assert "definitions" not in keys
    for key, value in _walk(schema):
        if key == "$ref":
            assert value.startswith("#/$defs/")
            assert value.removeprefix("#/$defs/") in schema["$defs"]


def test_owner_example_definition() -> None:
    definition = Tool(c.get_time, description="Получить текущее время").describe()

    assert definition["name"] == "get_time"
    assert definition["description"] == "Получить текущее время"
    assert definition["inputSchema"]["properties"]["timezone"]["description"] == (
        "Временная зона (например, UTC, Europe/Moscow)"
    )
    assert "timezone" not in definition["inputSchema"]["required"]


def test_description_is_the_docstrings_first_paragraph() -> None:
    assert Tool(c.documented).description == "Weather for a city."


def test_given_description_and_title_win() -> None:
    tool = Tool(c.documented, name="weather", title="Weather", description="Given")

    assert (tool.name, tool.title, tool.description) == ("weather", "Weather", "Given")
    assert tool.describe()["title"] == "Weather"


def test_no_docstring_means_no_description() -> None:
    tool = Tool(c.primitives)

    assert tool.description is None
    assert "description" not in tool.describe()


def test_async_function_is_detected() -> None:
    assert Tool(c.search).is_async
    assert not Tool(c.get_time).is_async


def test_context_parameter_is_reported() -> None:
    assert Tool(c.with_context).wants_context
    assert not Tool(c.get_time).wants_context


def test_parameters_list_descriptions_and_requiredness() -> None:
    names = [(p.name, p.description, p.required) for p in Tool(c.search).parameters]

    assert names == [("query", "Search text", True), ("limit", None, False)]


def test_schemas_handed_out_are_copies() -> None:
    tool = Tool(c.get_time)
    tool.input_schema["properties"].clear()

    assert "timezone" in tool.input_schema["properties"]
