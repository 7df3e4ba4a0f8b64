"""Resources: a fixed URI read by a function, or a URI template whose variables become arguments."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import TypeAdapter

from remotemcp.domain.errors import NotFound
from remotemcp.domain.tools.arguments import ArgumentModel
from remotemcp.domain.tools.callables import (
    RunSync,
    callable_name,
    docstring_summary,
    invoke,
    is_async_callable,
    read_signature,
)
from remotemcp.domain.tools.content import BlobResourceContents, ResourceContents, TextResourceContents
from remotemcp.domain.tools.context import ToolContext
from remotemcp.domain.tools.errors import InvalidDefinition, InvalidOutput
from remotemcp.domain.tools.naming import validate_scopes
from remotemcp.domain.tools.uri_template import UriTemplate, validate_uri

_ANY: TypeAdapter[Any] = TypeAdapter(Any)
_RESOURCE_CONTENTS = (TextResourceContents, BlobResourceContents)


def _contents(uri: str, value: Any, mime_type: str | None) -> list[ResourceContents]:
    if isinstance(value, _RESOURCE_CONTENTS):
        return [value]
    if (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(item, _RESOURCE_CONTENTS) for item in value)
    ):
        return list(value)
    if isinstance(value, str):
        return [TextResourceContents(uri, value, mime_type or "text/plain")]
    if isinstance(value, bytes | bytearray | memoryview):
        return [BlobResourceContents(uri, bytes(value), mime_type or "application/octet-stream")]
    try:
        text = json.dumps(_ANY.dump_python(value, mode="json"), ensure_ascii=False)
    except (ValueError, TypeError) as exc:
        raise InvalidOutput(
            f"resource {uri!r}: cannot render {type(value).__name__} as text or bytes"
        ) from exc
    return [TextResourceContents(uri, text, mime_type or "application/json")]


class _ResourceBase:
    __slots__ = (
        "_arguments",
        "description",
        "fn",
        "is_async",
        "mime_type",
        "name",
        "required_scopes",
        "title",
    )

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        owner: str,
        name: str | None,
        title: str | None,
        description: str | None,
        mime_type: str | None,
        scopes: Iterable[str],
    ) -> None:
        chosen = name if name is not None else callable_name(fn)
        if not chosen:
            raise InvalidDefinition(f"{owner}: give the resource a name")
        self.fn = fn
        self.name = chosen
        self.title = title
        self.description = description if description is not None else docstring_summary(fn)
        self.mime_type = mime_type
        self.required_scopes = validate_scopes(scopes)
        self.is_async = is_async_callable(fn)
        self._arguments = ArgumentModel(
            read_signature(fn, owner), owner=owner, model_name=f"{callable_name(fn) or 'resource'}Arguments"
        )

    def _describe(self, key: str, uri: str) -> dict[str, Any]:
        definition: dict[str, Any] = {key: uri, "name": self.name}
        for wire, value in (
            ("title", self.title),
            ("description", self.description),
            ("mimeType", self.mime_type),
        ):
            if value is not None:
                definition[wire] = value
        return definition

    async def _read(
        self, uri: str, variables: dict[str, str], context: ToolContext | None, run_sync: RunSync | None
    ) -> list[ResourceContents]:
        values = self._arguments.validate(variables)
        args, kwargs = self._arguments.bind(values, context)
        value = await invoke(self.fn, args, kwargs, is_async=self.is_async, run_sync=run_sync)
        return _contents(uri, value, self.mime_type)


class Resource(_ResourceBase):
    """A resource at one fixed URI. Its function takes no client arguments (a ToolContext is fine)."""

    __slots__ = ("uri",)

    def __init__(
        self,
        fn: Callable[..., Any],
        uri: str,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        mime_type: str | None = None,
        scopes: Iterable[str] = (),
    ) -> None:
        self.uri = validate_uri(uri)
        owner = f"resource {uri!r}"
        super().__init__(
            fn,
            owner=owner,
            name=name,
            title=title,
            description=description,
            mime_type=mime_type,
            scopes=scopes,
        )
        required = [p.name for p in self._arguments.parameters if p.required]
        if required:
            raise InvalidDefinition(
                f"{owner}: a fixed URI supplies no arguments, but {', '.join(required)} are required"
            )

    def __repr__(self) -> str:
        return f"Resource({self.uri!r})"

    def describe(self) -> dict[str, Any]:
        """The MCP `Resource` as a plain dict."""
        return self._describe("uri", self.uri)

    async def read(
        self, context: ToolContext | None = None, *, run_sync: RunSync | None = None
    ) -> list[ResourceContents]:
        return await self._read(self.uri, {}, context, run_sync)


class ResourceTemplate(_ResourceBase):
    """Resources under an RFC 6570 level-1 template; each `{var}` is a function parameter."""

    __slots__ = ("template",)

    def __init__(
        self,
        fn: Callable[..., Any],
        uri_template: str,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        mime_type: str | None = None,
        scopes: Iterable[str] = (),
    ) -> None:
        self.template = UriTemplate(uri_template)
        owner = f"resource template {uri_template!r}"
        super().__init__(
            fn,
            owner=owner,
            name=name,
            title=title,
            description=description,
            mime_type=mime_type,
            scopes=scopes,
        )
        parameters = {p.name: p for p in self._arguments.parameters}
        unknown = [name for name in self.template.variables if name not in parameters]
        if unknown:
            raise InvalidDefinition(f"{owner}: the function has no parameter for {', '.join(unknown)}")
        unfilled = [
            p.name for p in parameters.values() if p.required and p.name not in self.template.variables
        ]
        if unfilled:
            raise InvalidDefinition(
                f"{owner}: required parameters {', '.join(unfilled)} are not in the template"
            )

    def __repr__(self) -> str:
        return f"ResourceTemplate({self.template.template!r})"

    @property
    def uri_template(self) -> str:
        return self.template.template

    def match(self, uri: str) -> dict[str, str] | None:
        return self.template.match(uri)

    def describe(self) -> dict[str, Any]:
        """The MCP `ResourceTemplate` as a plain dict."""
        return self._describe("uriTemplate", self.template.template)

    async def read(
        self, uri: str, context: ToolContext | None = None, *, run_sync: RunSync | None = None
    ) -> list[ResourceContents]:
        """Variables are validated like tool arguments (InvalidArguments); a URI that does not match
        is NotFound."""
        variables = self.template.match(uri)
        if variables is None:
            raise NotFound(f"resource {uri!r} not found")
        return await self._read(uri, variables, context, run_sync)
