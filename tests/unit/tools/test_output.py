"""Output schemas from return annotations, and how return values are rendered."""

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any, TypedDict

import pytest
from pydantic import BaseModel

from remotemcp.domain.tools import (
    EmbeddedResource,
    ImageContent,
    InvalidDefinition,
    InvalidOutput,
    TextContent,
    TextResourceContents,
    Tool,
)


class Weather(BaseModel):
    city: str
    celsius: float


class Forecast(TypedDict):
    city: str
    days: list[int]


@dataclasses.dataclass
class Reading:
    sensor: str
    value: float = 0.0


class Plain:
    """An annotated class that is neither a model nor a dataclass."""

    name: str
    size: int = 1

    def __init__(self, name: str, size: int = 1) -> None:
        self.name = name
        self.size = size


class Node(BaseModel):
    name: str
    children: list["Node"] = []


def _result(annotation: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"result": annotation}, "required": ["result"]}


def _returning(annotation: Any, value: Any = None) -> Callable[[], Any]:
    def fn() -> Any:
        return value

    fn.__annotations__["return"] = annotation
    return fn


WRAPPED_CASES = [
    pytest.param(str, {"type": "string", "title": "Result"}, id="str"),
    pytest.param(int, {"type": "integer", "title": "Result"}, id="int"),
    pytest.param(float, {"type": "number", "title": "Result"}, id="float"),
    pytest.param(bool, {"type": "boolean", "title": "Result"}, id="bool"),
    pytest.param(None, {"type": "null", "title": "Result"}, id="none"),
    pytest.param(
        list[int], {"type": "array", "items": {"type": "integer"}, "title": "Result"}, id="list-int"
    ),
    pytest.param(
        int | None, {"anyOf": [{"type": "integer"}, {"type": "null"}], "title": "Result"}, id="optional-int"
    ),
    pytest.param(
        dict[int, str],
        {"type": "object", "additionalProperties": {"type": "string"}, "title": "Result"},
        id="dict-int-keys",
    ),
    pytest.param(date, {"type": "string", "format": "date", "title": "Result"}, id="date"),
]


@pytest.mark.parametrize(("annotation", "result_schema"), WRAPPED_CASES)
def test_non_object_returns_are_wrapped_in_result(annotation: Any, result_schema: dict[str, Any]) -> None:
    tool = Tool(_returning(annotation), name="fn")
    schema = tool.output_schema

    assert schema is not None
    assert {k: schema[k] for k in ("type", "properties", "required")} == _result(result_schema)
    assert tool.wraps_output


def test_model_return_is_its_own_object_schema() -> None:
    tool = Tool(_returning(Weather), name="fn")

    assert tool.output_schema == Weather.model_json_schema()
    assert not tool.wraps_output


@pytest.mark.parametrize(
    ("annotation", "properties", "required"),
    [
        pytest.param(
            Forecast,
            {
                "city": {"type": "string", "title": "City"},
                "days": {"type": "array", "items": {"type": "integer"}, "title": "Days"},
            },
            ["city", "days"],
            id="typeddict",
        ),
        pytest.param(
            Reading,
            {
                "sensor": {"type": "string", "title": "Sensor"},
                "value": {"type": "number", "default": 0.0, "title": "Value"},
            },
            ["sensor"],
            id="dataclass",
        ),
        pytest.param(
            Plain,
            {
                "name": {"type": "string", "title": "Name"},
                "size": {"type": "integer", "default": 1, "title": "Size"},
            },
            ["name"],
            id="annotated-class",
        ),
    ],
)
def test_object_like_returns_are_not_wrapped(annotation: Any, properties: Any, required: list[str]) -> None:
    tool = Tool(_returning(annotation), name="fn")
    schema = tool.output_schema

    assert schema is not None
    assert schema["type"] == "object"
    assert schema["properties"] == properties
    assert schema["required"] == required
    assert not tool.wraps_output


@pytest.mark.parametrize("annotation", [dict[str, int], dict])
def test_string_keyed_dicts_are_object_schemas(annotation: Any) -> None:
    tool = Tool(_returning(annotation), name="fn")

    assert tool.output_schema is not None
    assert tool.output_schema["type"] == "object"
    assert tool.output_schema["title"] == "fnDictOutput"
    assert not tool.wraps_output


def test_self_referencing_model_gets_an_object_root() -> None:
    schema = Tool(_returning(Node), name="fn").output_schema

    assert schema is not None
    assert schema["type"] == "object"
    assert "$ref" not in schema
    assert schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert "Node" in schema["$defs"]


@pytest.mark.parametrize(
    "annotation",
    [
        pytest.param(TextContent, id="content"),
        pytest.param(list[TextContent | ImageContent], id="content-list"),
        pytest.param(ImageContent | None, id="content-union"),
        pytest.param(Any, id="any"),
    ],
)
def test_content_and_any_returns_have_no_output_schema(annotation: Any) -> None:
    assert Tool(_returning(annotation), name="fn").output_schema is None


def test_unannotated_return_has_no_output_schema() -> None:
    def fn():  # type: ignore[no-untyped-def]
        return 1

    tool = Tool(fn)
    assert tool.output_schema is None
    assert "outputSchema" not in tool.describe()


def test_structured_output_can_be_switched_off_or_required() -> None:
    assert Tool(_returning(Weather), name="fn", structured_output=False).output_schema is None

    def fn():  # type: ignore[no-untyped-def]
        return 1

    with pytest.raises(InvalidDefinition, match="return annotation"):
        Tool(fn, structured_output=True)


async def test_model_result_is_structured_and_rendered_as_json() -> None:
    tool = Tool(_returning(Weather, Weather(city="Москва", celsius=-3.5)), name="fn")

    result = await tool.call({})

    assert result.structured == {"city": "Москва", "celsius": -3.5}
    assert result.text == '{"city": "Москва", "celsius": -3.5}'
    assert result.content == (TextContent(result.text),)
    assert not result.wrapped


async def test_primitive_result_is_wrapped_and_str_is_shown_as_is() -> None:
    result = await Tool(_returning(str, "Привет"), name="fn").call({})

    assert result.structured == {"result": "Привет"}
    assert result.text == "Привет"
    assert result.wrapped


async def test_list_result_is_wrapped_and_shown_as_json() -> None:
    result = await Tool(_returning(list[int], [1, 2]), name="fn").call({})

    assert result.structured == {"result": [1, 2]}
    assert result.text == "[1, 2]"


async def test_dataclass_and_typeddict_results_dump_to_json_objects() -> None:
    reading = await Tool(_returning(Reading, Reading("t1", 2.5)), name="fn").call({})
    forecast = await Tool(_returning(Forecast, {"city": "Oslo", "days": [1]}), name="fn").call({})

    assert reading.structured == {"sensor": "t1", "value": 2.5}
    assert forecast.structured == {"city": "Oslo", "days": [1]}


async def test_none_result_has_no_content() -> None:
    result = await Tool(_returning(None, None), name="fn").call({})

    assert result.content == ()
    assert result.structured == {"result": None}


async def test_value_not_matching_the_output_schema_is_an_error() -> None:
    tool = Tool(_returning(Weather, {"city": "x"}), name="fn")

    with pytest.raises(InvalidOutput, match="does not match its output schema"):
        await tool.call({})


async def test_content_items_are_returned_as_content_not_structured() -> None:
    image = ImageContent(b"\x89PNG", "image/png")
    embedded = EmbeddedResource(TextResourceContents("test://a", "body", "text/plain"))
    tool = Tool(
        _returning(list[TextContent | ImageContent | EmbeddedResource], [TextContent("hi"), image, embedded])
    )

    result = await tool.call({})

    assert result.content == (TextContent("hi"), image, embedded)
    assert result.structured is None
    assert result.text == "hi"


async def test_unannotated_results_are_rendered_without_structure() -> None:
    def fn():  # type: ignore[no-untyped-def]
        return {"a": [1, "б"]}

    def content():  # type: ignore[no-untyped-def]
        return [TextContent("one"), "two", 3]

    data = await Tool(fn).call({})
    mixed = await Tool(content).call({})

    assert data.structured is None
    assert data.text == '{"a": [1, "б"]}'
    assert mixed.content == (TextContent("one"), TextContent("two"), TextContent("3"))


async def test_unserializable_results_fall_back_to_str() -> None:
    class Opaque:
        def __str__(self) -> str:
            return "opaque"

    def fn():  # type: ignore[no-untyped-def]
        return Opaque()

    assert (await Tool(fn).call({})).text == '"opaque"'
