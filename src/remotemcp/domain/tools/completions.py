"""Argument completion: suggestions for one argument of a prompt or one variable of a resource
template, from a function the server author registers for it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from remotemcp.domain.tools.callables import RunSync, invoke, is_async_callable

MAX_VALUES = 100
"""MCP caps one completion response at 100 values."""


@dataclass(frozen=True, slots=True)
class Completion:
    values: tuple[str, ...] = ()
    total: int | None = None
    """How many suggestions exist in all, when known (may exceed `len(values)`)."""
    has_more: bool = False

    @classmethod
    def of(cls, suggestions: Iterable[str]) -> Completion:
        """At most MAX_VALUES of `suggestions`, telling the client when there were more."""
        values = tuple(suggestions)
        if len(values) <= MAX_VALUES:
            return cls(values)
        return cls(values[:MAX_VALUES], total=len(values), has_more=True)

    def capped(self) -> Completion:
        if len(self.values) <= MAX_VALUES:
            return self
        total = max(self.total or 0, len(self.values))
        return Completion(self.values[:MAX_VALUES], total=total, has_more=True)


CompleterResult = Iterable[str] | Completion
Completer = Callable[[str, Mapping[str, str]], CompleterResult | Awaitable[CompleterResult]]
"""`(value typed so far, other arguments already filled in) -> suggestions`, sync or async."""


class ArgumentCompleter:
    """A registered completer for one argument."""

    __slots__ = ("argument", "fn", "is_async")

    def __init__(self, fn: Completer, argument: str) -> None:
        self.fn = fn
        self.argument = argument
        self.is_async = is_async_callable(fn)

    async def complete(
        self, value: str, arguments: Mapping[str, str], *, run_sync: RunSync | None = None
    ) -> Completion:
        result: Any = await invoke(
            self.fn, (value, dict(arguments)), {}, is_async=self.is_async, run_sync=run_sync
        )
        if isinstance(result, Completion):
            return result.capped()
        if isinstance(result, str):
            # A bare string is one suggestion, not a sequence of one-letter suggestions.
            return Completion((result,))
        return Completion.of(str(item) for item in result)
