"""Calling tools: sync and async functions, injected context, errors propagate."""

import threading
from collections.abc import Callable
from typing import Any

import pytest

from remotemcp.domain.errors import InvalidArguments
from remotemcp.domain.tools import InvalidDefinition, Tool, ToolContext
from tests.unit.tools import schema_cases as c
from tests.unit.tools.fakes import RecordingContext


async def test_sync_function_is_called_with_validated_arguments() -> None:
    result = await Tool(c.get_time).call({"timezone": "Europe/Moscow"})

    assert result.value == "Текущее время в Europe/Moscow"
    assert result.text == "Текущее время в Europe/Moscow"


async def test_defaults_reach_the_function() -> None:
    assert (await Tool(c.get_time).call(None)).value == "Текущее время в UTC"


async def test_async_function_is_awaited() -> None:
    result = await Tool(c.search).call({"query": "q", "limit": 2})

    assert result.value == ["q", "q"]
    assert result.structured == {"result": ["q", "q"]}


async def test_invalid_arguments_stop_the_call() -> None:
    calls: list[str] = []

    def record(text: str) -> None:
        calls.append(text)

    with pytest.raises(InvalidArguments):
        await Tool(record).call({"text": 1})
    assert calls == []


async def test_tool_exceptions_propagate() -> None:
    def boom() -> str:
        raise RuntimeError("tool failed")

    with pytest.raises(RuntimeError, match="tool failed"):
        await Tool(boom).call({})


async def test_context_is_injected() -> None:
    context = RecordingContext()

    result = await Tool(c.with_context).call({"query": "q"}, context=context)

    assert result.value == "q for user-1"


async def test_optional_context_may_be_absent() -> None:
    assert (await Tool(c.with_optional_context).call({"query": "q"})).value == "q"
    assert (
        await Tool(c.with_optional_context).call({"query": "q"}, RecordingContext())
    ).value == "q for user-1"


async def test_required_context_must_be_given() -> None:
    with pytest.raises(TypeError, match="needs a ToolContext"):
        await Tool(c.with_context).call({"query": "q"})


async def test_tools_can_report_progress_and_log_through_the_context() -> None:
    async def work(steps: int, ctx: ToolContext) -> int:
        for step in range(steps):
            await ctx.report_progress(step + 1, steps, f"step {step + 1}")
        await ctx.log("info", "done")
        return steps

    context = RecordingContext()
    await Tool(work).call({"steps": 2}, context)

    assert context.progress == [(1, 2, "step 1"), (2, 2, "step 2")]
    assert context.logs == [("info", "done")]


async def test_sync_functions_run_through_run_sync_when_given() -> None:
    ran_through: list[str] = []

    async def run_sync(fn: Callable[[], Any]) -> Any:
        ran_through.append("run_sync")
        return fn()

    result = await Tool(c.get_time).call({}, run_sync=run_sync)
    await Tool(c.search).call({"query": "q"}, run_sync=run_sync)

    assert result.value == "Текущее время в UTC"
    assert ran_through == ["run_sync"]  # async functions are awaited, never sent to run_sync


async def test_without_run_sync_sync_functions_run_on_the_calling_thread() -> None:
    def which_thread() -> int:
        return threading.get_ident()

    assert (await Tool(which_thread).call({})).value == threading.get_ident()


async def test_positional_only_parameters_are_passed_positionally() -> None:
    def divide(a: int, b: int, /, *, exact: bool = False) -> float:
        return a / b if exact else a // b

    assert (await Tool(divide).call({"a": 7, "b": 2})).value == 3
    assert (await Tool(divide).call({"a": 7, "b": 2, "exact": True})).value == 3.5


async def test_callable_objects_and_methods_work() -> None:
    class Counter:
        def __init__(self) -> None:
            self.total = 0

        def add(self, amount: int) -> int:
            self.total += amount
            return self.total

    class AsyncEcho:
        async def __call__(self, text: str) -> str:
            return text

    counter = Counter()
    assert (await Tool(counter.add).call({"amount": 3})).value == 3
    echo = Tool(AsyncEcho(), name="echo")
    assert echo.is_async
    assert (await echo.call({"text": "hi"})).value == "hi"


def test_star_parameters_cannot_be_described() -> None:
    def variadic(*values: int) -> int:
        return sum(values)

    def keywords(**options: str) -> str:
        return ""

    with pytest.raises(InvalidDefinition, match=r"\*args"):
        Tool(variadic)
    with pytest.raises(InvalidDefinition, match=r"\*args"):
        Tool(keywords)


def test_two_context_parameters_are_refused() -> None:
    def twice(a: ToolContext, b: ToolContext) -> None:
        pass

    with pytest.raises(InvalidDefinition, match="only one ToolContext"):
        Tool(twice)


def test_unresolvable_annotations_are_a_definition_error() -> None:
    def broken(x: "Missing") -> None:  # type: ignore[name-defined]  # noqa: F821
        pass

    with pytest.raises(InvalidDefinition, match="cannot read the signature"):
        Tool(broken)


def test_types_pydantic_cannot_describe_are_a_definition_error() -> None:
    class Opaque:
        pass

    def takes(thing: Opaque) -> None:
        pass

    with pytest.raises(InvalidDefinition, match="cannot build an input schema"):
        Tool(takes)
