"""The registry: decorator forms, lookup, duplicates and names."""

import pytest

from remotemcp.domain.errors import AlreadyExists, NotFound
from remotemcp.domain.tools import InvalidDefinition, Tool, ToolAnnotations, ToolRegistry
from tests.unit.tools import schema_cases as c


def test_bare_decorator_registers_under_the_function_name() -> None:
    registry = ToolRegistry()

    @registry.tool
    def hello() -> str:
        """Простое приветствие."""
        return "Привет от MCP сервера!"

    assert hello() == "Привет от MCP сервера!"  # the function stays callable
    assert registry.get("hello").description == "Простое приветствие."


def test_decorator_with_options() -> None:
    registry = ToolRegistry()

    @registry.tool(
        name="time.get",
        title="Time",
        description="Получить текущее время",
        scopes=["time:read", "mcp"],
        annotations=ToolAnnotations(read_only_hint=True, open_world_hint=False),
    )
    def get_time(timezone: str = "UTC") -> str:
        return timezone

    tool = registry.get("time.get")
    assert tool.required_scopes == frozenset({"time:read", "mcp"})
    assert tool.describe() == {
        "name": "time.get",
        "title": "Time",
        "description": "Получить текущее время",
        "inputSchema": tool.input_schema,
        "outputSchema": tool.output_schema,
        "annotations": {"readOnlyHint": True, "openWorldHint": False},
    }


def test_add_tool_and_list_keep_registration_order() -> None:
    registry = ToolRegistry()
    first = registry.add_tool(c.get_time)
    second = registry.add_tool(c.search)

    assert isinstance(first, Tool)
    assert registry.list() == [first, second]


def test_duplicate_tool_names_are_refused() -> None:
    registry = ToolRegistry()
    registry.add_tool(c.get_time)

    with pytest.raises(AlreadyExists, match="get_time"):
        registry.add_tool(c.search, name="get_time")
    assert registry.get("get_time").fn is c.get_time


def test_unknown_tool_is_not_found() -> None:
    with pytest.raises(NotFound, match="missing"):
        ToolRegistry().get("missing")


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("x" * 129, id="too-long"),
        pytest.param("get time", id="space"),
        pytest.param("a,b", id="comma"),
        pytest.param("время", id="non-ascii"),
        pytest.param("a/b", id="slash"),
    ],
)
def test_bad_tool_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidDefinition, match="invalid tool name"):
        ToolRegistry().add_tool(c.get_time, name=name)


@pytest.mark.parametrize(
    "name", ["a", "x" * 128, "get_time", "admin.tools.list", "DATA_EXPORT_v2", "my-tool"]
)
def test_good_tool_names_are_accepted(name: str) -> None:
    assert ToolRegistry().add_tool(c.get_time, name=name).name == name


def test_lambda_needs_a_name() -> None:
    with pytest.raises(InvalidDefinition, match="<lambda>"):
        ToolRegistry().add_tool(lambda: 1)


@pytest.mark.parametrize("scope", ["has space", 'quo"te', "back\\slash", ""])
def test_bad_scopes_are_refused(scope: str) -> None:
    with pytest.raises(InvalidDefinition, match="scope"):
        ToolRegistry().add_tool(c.get_time, scopes=[scope])


def test_a_scope_string_is_split_on_spaces() -> None:
    assert ToolRegistry().add_tool(c.get_time, scopes="a b").required_scopes == frozenset({"a", "b"})


def test_duplicate_prompt_names_are_refused() -> None:
    registry = ToolRegistry()
    registry.add_prompt(lambda: "a", name="p")

    with pytest.raises(AlreadyExists):
        registry.add_prompt(lambda: "b", name="p")
