"""typing.TypedDict works on Python 3.11 (pydantic only takes typing_extensions' there)."""

from typing import Annotated, NotRequired, TypedDict

from remotemcp.domain.tools import Tool


class Tag(TypedDict):
    """A label."""

    name: Annotated[str, "ignored by pydantic"]
    color: NotRequired[str]


class Post(TypedDict):
    title: str
    tags: list[Tag]


def publish(post: Post, extra: Tag | None = None) -> Post:
    return post


def test_nested_and_optional_typeddicts_are_described() -> None:
    schema = Tool(publish).input_schema

    assert schema["$defs"]["Tag"]["required"] == ["name"]
    assert schema["$defs"]["Tag"]["description"] == "A label."
    assert schema["$defs"]["Post"]["properties"]["tags"]["items"] == {"$ref": "#/$defs/Tag"}
    assert schema["properties"]["extra"]["anyOf"] == [{"$ref": "#/$defs/Tag"}, {"type": "null"}]


async def test_typeddict_values_validate_and_return_as_dicts() -> None:
    post = {"title": "t", "tags": [{"name": "a"}, {"name": "b", "color": "red"}]}

    result = await Tool(publish).call({"post": post})

    assert result.value == post
    assert result.structured == post
