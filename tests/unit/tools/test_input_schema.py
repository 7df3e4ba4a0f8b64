"""A hand-written `input_schema=` published instead of the derived one."""

from typing import Any, TypedDict

import pytest

from remotemcp.domain.errors import InvalidArguments
from remotemcp.domain.tools import InvalidDefinition, ToolRegistry

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {"address": {"type": "object", "properties": {"city": {"type": "string"}}}},
    "properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"}},
    "required": ["name"],
    "additionalProperties": False,
}


class Address(TypedDict, total=False):
    city: str


def locate(name: str, address: Address | None = None) -> str:
    """Where someone lives."""
    return f"{name}: {(address or {}).get('city', '?')}"


async def test_the_schema_is_published_as_written_and_calls_are_still_validated() -> None:
    reg = ToolRegistry()
    written = {**SCHEMA}
    tool = reg.add_tool(locate, input_schema=written)
    written["type"] = "changed after registration"
    assert tool.input_schema == SCHEMA
    assert tool.describe()["inputSchema"] == SCHEMA
    tool.input_schema["properties"].clear()  # a copy: the tool's own stays intact
    assert tool.input_schema == SCHEMA

    assert (await tool.call({"name": "ann", "address": {"city": "Oslo"}})).text == "ann: Oslo"
    with pytest.raises(InvalidArguments, match="name: missing required argument"):
        await tool.call({"address": {"city": "Oslo"}})


def test_without_a_written_schema_the_derived_one_is_published() -> None:
    tool = ToolRegistry().add_tool(locate)
    assert "$schema" not in tool.input_schema
    assert set(tool.input_schema["properties"]) == {"name", "address"}


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({**SCHEMA, "type": "array"}, '"type": "object"'),
        ({**SCHEMA, "properties": {"name": {}}}, "describes \\['name'\\], the function takes"),
        ({**SCHEMA, "properties": {**SCHEMA["properties"], "age": {}}}, "describes"),
        ({**SCHEMA, "required": []}, "requires \\[\\], the function requires \\['name'\\]"),
        ({**SCHEMA, "required": ["name", "address"]}, "requires"),
        ({**SCHEMA, "properties": []}, "properties must be an object"),
        ({**SCHEMA, "default": object()}, "not JSON"),
    ],
)
def test_a_schema_that_contradicts_the_signature_is_refused(schema: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidDefinition, match=problem):
        ToolRegistry().add_tool(locate, input_schema=schema)
