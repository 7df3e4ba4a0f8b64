"""Static resources and URI templates."""

from typing import Annotated

import pytest

from remotemcp.domain.errors import AlreadyExists, InvalidArguments, NotFound
from remotemcp.domain.tools import (
    BlobResourceContents,
    InvalidDefinition,
    Resource,
    ResourceTemplate,
    TextResourceContents,
    ToolContext,
    ToolRegistry,
)
from tests.unit.tools.fakes import RecordingContext


def _registry() -> ToolRegistry:
    registry = ToolRegistry()

    @registry.resource("test://static", description="A fixed text", scopes=["files:read"])
    def static() -> str:
        return "Hello"

    @registry.resource("test://logo.png", mime_type="image/png")
    async def logo() -> bytes:
        return b"\x89PNG"

    @registry.resource("test://template/{id}/data", name="item-data")
    def item(id: Annotated[int, "Item number"]) -> dict[str, int]:
        """Data of one item."""
        return {"id": id}

    @registry.resource("test://whoami")
    def whoami(ctx: ToolContext) -> str:
        return ctx.principal.subject

    return registry


async def test_static_text_resource() -> None:
    assert await _registry().read("test://static") == [
        TextResourceContents("test://static", "Hello", "text/plain")
    ]


async def test_static_bytes_resource_from_an_async_function() -> None:
    assert await _registry().read("test://logo.png") == [
        BlobResourceContents("test://logo.png", b"\x89PNG", "image/png")
    ]


async def test_template_variables_become_validated_arguments() -> None:
    contents = await _registry().read("test://template/42/data")

    assert contents == [TextResourceContents("test://template/42/data", '{"id": 42}', "application/json")]


async def test_template_variable_of_the_wrong_type_is_invalid_arguments() -> None:
    with pytest.raises(InvalidArguments) as raised:
        await _registry().read("test://template/abc/data")

    assert raised.value.problems == (
        "id: Input should be a valid integer, unable to parse string as an integer",
    )


async def test_unknown_uri_is_not_found() -> None:
    with pytest.raises(NotFound, match="test://nothing"):
        await _registry().read("test://nothing")
    with pytest.raises(NotFound):
        _registry().find_resource("test://template/1/other")


async def test_resources_get_the_context() -> None:
    assert (await _registry().read("test://whoami", RecordingContext()))[0] == TextResourceContents(
        "test://whoami", "user-1", "text/plain"
    )


def test_listing_and_descriptions() -> None:
    registry = _registry()

    assert [r.describe() for r in registry.list_resources()] == [
        {"uri": "test://static", "name": "static", "description": "A fixed text"},
        {"uri": "test://logo.png", "name": "logo", "mimeType": "image/png"},
        {"uri": "test://whoami", "name": "whoami"},
    ]
    assert [t.describe() for t in registry.list_resource_templates()] == [
        {"uriTemplate": "test://template/{id}/data", "name": "item-data", "description": "Data of one item."}
    ]


def test_scopes_are_found_before_reading() -> None:
    registry = _registry()

    static = registry.find_resource("test://static")
    template = registry.find_resource("test://template/7/data")

    assert isinstance(static, Resource)
    assert static.required_scopes == frozenset({"files:read"})
    assert isinstance(template, ResourceTemplate)
    assert template.required_scopes == frozenset()


def test_a_fixed_uri_wins_over_a_template() -> None:
    registry = ToolRegistry()
    registry.add_resource(lambda id: id, "test://items/{id}", name="item")
    registry.add_resource(lambda: "all", "test://items/all", name="all")

    assert isinstance(registry.find_resource("test://items/all"), Resource)
    assert isinstance(registry.find_resource("test://items/1"), ResourceTemplate)


def test_duplicates_are_refused() -> None:
    registry = _registry()

    with pytest.raises(AlreadyExists):
        registry.add_resource(lambda: "again", "test://static", name="again")
    with pytest.raises(AlreadyExists):
        registry.add_resource(lambda other: other, "test://template/{other}/data", name="again")


def test_template_variables_must_match_parameters() -> None:
    registry = ToolRegistry()

    def needs_two(id: str, kind: str) -> str:
        return id + kind

    with pytest.raises(InvalidDefinition, match="kind"):
        registry.add_resource(needs_two, "test://x/{id}")
    with pytest.raises(InvalidDefinition, match="other"):
        registry.add_resource(lambda id: id, "test://x/{id}/{other}", name="x")


def test_static_resource_functions_take_no_required_arguments() -> None:
    with pytest.raises(InvalidDefinition, match="required"):
        ToolRegistry().add_resource(lambda id: id, "test://fixed", name="fixed")


def test_resource_uris_need_a_scheme() -> None:
    with pytest.raises(InvalidDefinition, match="scheme"):
        ToolRegistry().add_resource(lambda: "x", "just-a-name", name="x")
