"""Argument completion registered on the registry: `completion(...)` / `complete(...)`."""

from collections.abc import Iterator, Mapping

import pytest

from remotemcp.domain.errors import AlreadyExists, NotFound
from remotemcp.domain.tools import Completion, InvalidDefinition, ToolRegistry

CITIES = ("paris", "park", "party", "prague", "rome")


def registry() -> ToolRegistry:
    reg = ToolRegistry()

    @reg.prompt
    def trip(city: str, month: str = "may") -> str:
        return f"{city} in {month}"

    @reg.resource("weather://{city}/{day}")
    def weather(city: str, day: str) -> str:
        return f"{city} {day}"

    @reg.completion(prompt="trip", argument="city")
    def cities(value: str, arguments: Mapping[str, str]) -> list[str]:
        return [c for c in CITIES if c.startswith(value)]

    return reg


async def test_a_prompt_argument_completes_through_its_completer() -> None:
    reg = registry()
    completion = await reg.complete(prompt="trip", argument="city", value="pa")
    assert completion == Completion(("paris", "park", "party"))
    assert await reg.complete(prompt="trip", argument="city", value="x") == Completion(())


async def test_an_argument_without_completer_completes_to_nothing() -> None:
    assert await registry().complete(prompt="trip", argument="month", value="m") == Completion()


async def test_a_template_variable_completes_and_sees_the_other_arguments() -> None:
    reg = registry()
    seen: list[dict[str, str]] = []

    @reg.completion(resource_template="weather://{city}/{day}", argument="day")
    async def days(value: str, arguments: Mapping[str, str]) -> Completion:
        seen.append(dict(arguments))
        return Completion(("monday",), total=7, has_more=True)

    completion = await reg.complete(
        resource_template="weather://{city}/{day}", argument="day", value="mo", arguments={"city": "rome"}
    )
    assert completion == Completion(("monday",), total=7, has_more=True)
    assert seen == [{"city": "rome"}]


async def test_more_than_a_hundred_suggestions_are_cut_and_say_so() -> None:
    reg = registry()

    @reg.completion(prompt="trip", argument="month")
    def many(value: str, arguments: Mapping[str, str]) -> Iterator[str]:
        return (str(n) for n in range(250))

    completion = await reg.complete(prompt="trip", argument="month", value="")
    assert completion.values == tuple(str(n) for n in range(100))
    assert (completion.total, completion.has_more) == (250, True)

    @reg.completion(resource_template="weather://{city}/{day}", argument="city")
    def capped(value: str, arguments: Mapping[str, str]) -> Completion:
        return Completion(tuple("abcdefghij" * 11))

    cut = await reg.complete(resource_template="weather://{city}/{day}", argument="city", value="")
    assert (len(cut.values), cut.total, cut.has_more) == (100, 110, True)


async def test_a_bare_string_is_one_suggestion() -> None:
    reg = registry()
    reg.add_completion(lambda value, arguments: "june", prompt="trip", argument="month")
    assert await reg.complete(prompt="trip", argument="month", value="j") == Completion(("june",))


async def test_completing_an_unknown_prompt_or_template_is_not_found() -> None:
    reg = registry()
    with pytest.raises(NotFound):
        await reg.complete(prompt="nope", argument="city", value="")
    with pytest.raises(NotFound):
        await reg.complete(resource_template="weather://{x}", argument="x", value="")
    assert reg.completion_target(prompt="trip").name == "trip"
    assert reg.find_resource_template("weather://{city}/{day}").name == "weather"


def test_completers_are_checked_when_registered() -> None:
    reg = registry()

    def noop(value: str, arguments: Mapping[str, str]) -> list[str]:
        return []

    with pytest.raises(InvalidDefinition, match="unknown prompt"):
        reg.add_completion(noop, prompt="nope", argument="city")
    with pytest.raises(InvalidDefinition, match="no argument 'country'"):
        reg.add_completion(noop, prompt="trip", argument="country")
    with pytest.raises(InvalidDefinition, match="no argument 'hour'"):
        reg.add_completion(noop, resource_template="weather://{city}/{day}", argument="hour")
    with pytest.raises(AlreadyExists):
        reg.add_completion(noop, prompt="trip", argument="city")
    with pytest.raises(ValueError, match="exactly one"):
        reg.add_completion(noop, prompt="trip", resource_template="weather://{city}/{day}", argument="city")
    with pytest.raises(ValueError, match="exactly one"):
        reg.add_completion(noop, argument="city")
