"""One MCP tool made from a Python function: its definition, argument validation and invocation."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from remotemcp.domain.tools.arguments import ArgumentModel, ParameterInfo
from remotemcp.domain.tools.callables import (
    RunSync,
    callable_name,
    docstring_summary,
    invoke,
    is_async_callable,
    read_signature,
)
from remotemcp.domain.tools.context import ToolContext
from remotemcp.domain.tools.errors import InvalidDefinition
from remotemcp.domain.tools.input_schema import published_schema
from remotemcp.domain.tools.naming import validate_scopes, validate_tool_name
from remotemcp.domain.tools.output import OutputModel, ToolResult


@dataclass(frozen=True, slots=True)
class ToolAnnotations:
    """MCP tool annotations: hints for clients, never a security boundary."""

    title: str | None = None
    read_only_hint: bool | None = None
    destructive_hint: bool | None = None
    idempotent_hint: bool | None = None
    open_world_hint: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        wire = {
            "title": self.title,
            "readOnlyHint": self.read_only_hint,
            "destructiveHint": self.destructive_hint,
            "idempotentHint": self.idempotent_hint,
            "openWorldHint": self.open_world_hint,
        }
        return {key: value for key, value in wire.items() if value is not None}


class Tool:
    """A registered tool. Sync functions are called on the caller's thread unless `run_sync` is given.

    `input_schema` publishes a hand-written schema instead of the derived one (arguments are still
    validated against the signature, which it must agree with: see `input_schema.py`)."""

    __slots__ = (
        "_arguments",
        "_input_schema",
        "_output",
        "annotations",
        "description",
        "fn",
        "is_async",
        "name",
        "required_scopes",
        "title",
    )

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        scopes: Iterable[str] = (),
        annotations: ToolAnnotations | None = None,
        structured_output: bool | None = None,
        input_schema: Mapping[str, Any] | None = None,
    ) -> None:
        fn_name = callable_name(fn)
        chosen = name if name is not None else fn_name
        if chosen is None:
            raise InvalidDefinition(f"{fn!r} has no __name__; give the tool a name")
        self.name = validate_tool_name(chosen)
        owner = f"tool {self.name!r}"
        self.fn = fn
        self.title = title
        self.description = description if description is not None else docstring_summary(fn)
        self.required_scopes = validate_scopes(scopes)
        self.annotations = annotations
        self.is_async = is_async_callable(fn)
        model_name = f"{fn_name or 'tool'}Arguments"
        signature = read_signature(fn, owner)
        self._arguments = ArgumentModel(signature, owner=owner, model_name=model_name)
        self._input_schema = (
            self._arguments.json_schema
            if input_schema is None
            else published_schema(input_schema, self._arguments.parameters, owner)
        )
        self._output = OutputModel(
            signature.return_annotation,
            fn_name=fn_name or "tool",
            owner=owner,
            structured_output=structured_output,
        )

    def __repr__(self) -> str:
        return f"Tool({self.name!r})"

    @property
    def input_schema(self) -> dict[str, Any]:
        return copy.deepcopy(self._input_schema)

    @property
    def output_schema(self) -> dict[str, Any] | None:
        return copy.deepcopy(self._output.schema)

    @property
    def wraps_output(self) -> bool:
        """Structured output is `{"result": value}` because the return type is not an object."""
        return self._output.wrapped

    @property
    def parameters(self) -> tuple[ParameterInfo, ...]:
        return self._arguments.parameters

    @property
    def wants_context(self) -> bool:
        return self._arguments.wants_context

    def validate_arguments(self, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validated values by parameter name; raises InvalidArguments naming each bad parameter."""
        return self._arguments.validate(arguments)

    async def call(
        self,
        arguments: Mapping[str, Any] | None,
        context: ToolContext | None = None,
        *,
        run_sync: RunSync | None = None,
    ) -> ToolResult:
        """Validate, invoke, render. Whatever the tool raises propagates: the app reports it as isError."""
        values = self._arguments.validate(arguments)
        args, kwargs = self._arguments.bind(values, context)
        value = await invoke(self.fn, args, kwargs, is_async=self.is_async, run_sync=run_sync)
        return self._output.render(value)

    def describe(self) -> dict[str, Any]:
        """The MCP `Tool` definition as a plain dict (camelCase wire names, absent fields left out)."""
        definition: dict[str, Any] = {"name": self.name}
        if self.title is not None:
            definition["title"] = self.title
        if self.description is not None:
            definition["description"] = self.description
        definition["inputSchema"] = self.input_schema
        if self._output.schema is not None:
            definition["outputSchema"] = self.output_schema
        if self.annotations is not None:
            definition["annotations"] = self.annotations.to_dict()
        return definition
