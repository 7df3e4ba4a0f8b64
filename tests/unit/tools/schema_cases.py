"""Functions whose schemas the tests check, at module level so their annotations resolve."""

from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Literal, Optional, TypedDict

from pydantic import BaseModel, Field

from remotemcp.domain.tools import ToolContext


class Color(Enum):
    RED = "red"
    GREEN = "green"


class Address(BaseModel):
    city: str
    zip_code: str | None = None


class Point(TypedDict):
    x: int
    y: int


@dataclass
class Box:
    width: float
    label: str = "box"


def get_time(timezone: Annotated[str, "Временная зона (например, UTC, Europe/Moscow)"] = "UTC") -> str:
    return f"Текущее время в {timezone}"


def primitives(count: int, ratio: float, flag: bool) -> None:
    pass


def optional(limit: int | None = None) -> None:
    pass


def typing_optional(limit: Optional[int] = None) -> None:  # noqa: UP045 - the typing spelling is the case
    pass


def described_optional(note: Annotated[str, "A note"] | None = None) -> None:
    pass


def literal(mode: Literal["fast", "slow"]) -> None:
    pass


def enum(color: Color = Color.RED) -> None:
    pass


def int_list(ids: list[int]) -> None:
    pass


def str_int_dict(weights: dict[str, int]) -> None:
    pass


def nested_model(address: Address) -> None:
    pass


def typed_dict(point: Point) -> None:
    pass


def data_class(box: Box) -> None:
    pass


def field_default(count: int = Field(description="How many", ge=1)) -> None:
    pass


def field_default_with_value(count: int = Field(default=3, description="How many", ge=1)) -> None:
    pass


def annotated_field(count: Annotated[int, Field(description="How many", ge=1, le=10)] = 5) -> None:
    pass


def annotated_string_and_field(count: Annotated[int, "Text", Field(ge=0)]) -> None:
    pass


def field_beats_string(count: Annotated[int, "Text", Field(description="Field")]) -> None:
    pass


async def search(query: Annotated[str, "Search text"], limit: int = 10) -> list[str]:
    return [query] * limit


def documented(city: str) -> None:
    """Weather for a city.

    Second paragraph is not part of the description.
    """


def with_context(query: str, ctx: ToolContext) -> str:
    return f"{query} for {ctx.principal.subject}"


def with_optional_context(query: str, ctx: ToolContext | None = None) -> str:
    return query if ctx is None else f"{query} for {ctx.principal.subject}"


def no_parameters() -> str:
    return "Привет от MCP сервера!"


def shadowing(schema: str, json: int = 0, _private: str = "x") -> dict[str, object]:
    return {"schema": schema, "json": json, "_private": _private}


def unannotated(value, times=2):  # type: ignore[no-untyped-def]
    return value * times
