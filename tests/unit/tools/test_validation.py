"""Argument validation: errors name the parameter and the problem."""

from typing import Annotated, Any

import pytest
from pydantic import Field

from remotemcp.domain.errors import InvalidArguments
from remotemcp.domain.tools import Tool
from tests.unit.tools import schema_cases as c


def _problems(tool: Tool, arguments: Any) -> tuple[str, ...]:
    with pytest.raises(InvalidArguments) as raised:
        tool.validate_arguments(arguments)
    assert raised.value.error == "invalid_params"
    return raised.value.problems


def test_wrong_type_names_the_parameter() -> None:
    tool = Tool(c.get_time)

    with pytest.raises(InvalidArguments) as raised:
        tool.validate_arguments({"timezone": 5})

    assert raised.value.problems == ("timezone: Input should be a valid string",)
    assert "timezone: Input should be a valid string" in str(raised.value)
    assert "get_time" in str(raised.value)


def test_missing_required_names_the_parameter() -> None:
    assert _problems(Tool(c.primitives), {"count": 1, "ratio": 0.5}) == ("flag: missing required argument",)


def test_every_problem_is_reported() -> None:
    problems = _problems(Tool(c.primitives), {"count": "many", "ratio": "x"})

    assert problems == (
        "count: Input should be a valid integer, unable to parse string as an integer",
        "ratio: Input should be a valid number, unable to parse string as a number",
        "flag: missing required argument",
    )


def test_extra_arguments_are_rejected_by_name() -> None:
    problems = _problems(Tool(c.get_time), {"timezone": "UTC", "zone": "x", "format": "iso"})

    assert problems == ("zone: unexpected argument", "format: unexpected argument")


def test_extra_and_invalid_arguments_are_reported_together() -> None:
    problems = _problems(Tool(c.get_time), {"timezone": 1, "zone": "x"})

    assert problems == ("zone: unexpected argument", "timezone: Input should be a valid string")


def test_context_parameter_cannot_be_supplied_by_the_client() -> None:
    assert _problems(Tool(c.with_context), {"query": "q", "ctx": {}}) == ("ctx: unexpected argument",)


def test_nested_problems_carry_their_path() -> None:
    assert _problems(Tool(c.nested_model), {"address": {"zip_code": "1"}}) == (
        "address.city: Field required",
    )
    assert _problems(Tool(c.int_list), {"ids": [1, "two"]}) == (
        "ids[1]: Input should be a valid integer, unable to parse string as an integer",
    )


def test_constraints_are_enforced() -> None:
    assert _problems(Tool(c.annotated_field), {"count": 11}) == (
        "count: Input should be less than or equal to 10",
    )
    assert _problems(Tool(c.field_default), {"count": 0}) == (
        "count: Input should be greater than or equal to 1",
    )


def test_literal_and_enum_values_are_checked() -> None:
    assert _problems(Tool(c.literal), {"mode": "medium"}) == ("mode: Input should be 'fast' or 'slow'",)
    assert _problems(Tool(c.enum), {"color": "blue"}) == ("color: Input should be 'red' or 'green'",)


def test_arguments_must_be_an_object() -> None:
    with pytest.raises(InvalidArguments, match="arguments must be an object"):
        Tool(c.get_time).validate_arguments(["UTC"])  # type: ignore[arg-type]


def test_defaults_fill_in_and_none_means_no_arguments() -> None:
    assert Tool(c.get_time).validate_arguments(None) == {"timezone": "UTC"}
    assert Tool(c.field_default_with_value).validate_arguments({}) == {"count": 3}


def test_values_are_converted_to_their_declared_types() -> None:
    values = Tool(c.nested_model).validate_arguments({"address": {"city": "Moscow"}})

    assert values["address"] == c.Address(city="Moscow")
    assert Tool(c.enum).validate_arguments({"color": "green"}) == {"color": c.Color.GREEN}
    assert Tool(c.data_class).validate_arguments({"box": {"width": 2}}) == {"box": c.Box(width=2.0)}
    assert Tool(c.typed_dict).validate_arguments({"point": {"x": 1, "y": 2}}) == {"point": {"x": 1, "y": 2}}


def test_lists_and_objects_sent_as_json_text_are_accepted() -> None:
    assert Tool(c.int_list).validate_arguments({"ids": "[1, 2]"}) == {"ids": [1, 2]}
    values = Tool(c.nested_model).validate_arguments({"address": '{"city": "Paris"}'})
    assert values["address"].city == "Paris"


def test_json_text_is_not_reread_for_string_parameters() -> None:
    assert Tool(c.get_time).validate_arguments({"timezone": "[1]"}) == {"timezone": "[1]"}


def test_json_text_that_still_fails_reports_the_original_problem() -> None:
    assert _problems(Tool(c.int_list), {"ids": '["a"]'}) == ("ids: Input should be a valid list",)


def test_reserved_names_validate_under_their_own_names() -> None:
    values = Tool(c.shadowing).validate_arguments({"schema": "s", "json": 2, "_private": "p"})

    assert values == {"schema": "s", "json": 2, "_private": "p"}
    assert _problems(Tool(c.shadowing), {"schema": 1}) == ("schema: Input should be a valid string",)


def test_union_problems_name_the_parameter() -> None:
    assert _problems(Tool(c.optional), {"limit": "lots"}) == (
        "limit: Input should be a valid integer, unable to parse string as an integer",
    )


def test_field_default_is_not_passed_through_as_a_value() -> None:
    def pick(count: Annotated[int, Field(ge=0)] = 2) -> int:
        return count

    assert Tool(pick).validate_arguments({}) == {"count": 2}
