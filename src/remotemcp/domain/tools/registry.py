"""The tools, resources and prompts one server offers, registered by decorating functions.

Registration happens at start-up (no lock); lookups keep registration order.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, overload

from remotemcp.domain.errors import AlreadyExists, NotFound
from remotemcp.domain.tools.callables import RunSync
from remotemcp.domain.tools.content import ResourceContents
from remotemcp.domain.tools.context import ToolContext
from remotemcp.domain.tools.prompts import Prompt, PromptMessage
from remotemcp.domain.tools.resources import Resource, ResourceTemplate
from remotemcp.domain.tools.tool import Tool, ToolAnnotations
from remotemcp.domain.tools.uri_template import is_template

F = TypeVar("F", bound=Callable[..., Any])


class ToolRegistry:
    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}
        self._resources: dict[str, Resource] = {}
        self._templates: dict[str, ResourceTemplate] = {}
        self._prompts: dict[str, Prompt] = {}

    # -- tools -------------------------------------------------------------------------------

    @overload
    def tool(self, fn: F, /) -> F: ...

    @overload
    def tool(
        self,
        fn: None = None,
        /,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        scopes: Iterable[str] = (),
        annotations: ToolAnnotations | None = None,
        structured_output: bool | None = None,
    ) -> Callable[[F], F]: ...

    def tool(
        self,
        fn: F | None = None,
        /,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        scopes: Iterable[str] = (),
        annotations: ToolAnnotations | None = None,
        structured_output: bool | None = None,
    ) -> F | Callable[[F], F]:
        """`@registry.tool` or `@registry.tool(name=..., scopes=[...])`; returns the function unchanged."""

        def register(function: F) -> F:
            self.add_tool(
                function,
                name=name,
                title=title,
                description=description,
                scopes=scopes,
                annotations=annotations,
                structured_output=structured_output,
            )
            return function

        return register(fn) if fn is not None else register

    def add_tool(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        scopes: Iterable[str] = (),
        annotations: ToolAnnotations | None = None,
        structured_output: bool | None = None,
    ) -> Tool:
        tool = Tool(
            fn,
            name=name,
            title=title,
            description=description,
            scopes=scopes,
            annotations=annotations,
            structured_output=structured_output,
        )
        if tool.name in self._tools:
            raise AlreadyExists(f"a tool named {tool.name!r} is already registered")
        self._tools[tool.name] = tool
        return tool

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise NotFound(f"unknown tool {name!r}") from None

    def list(self) -> builtins.list[Tool]:
        return builtins.list(self._tools.values())

    # -- resources ---------------------------------------------------------------------------

    def resource(
        self,
        uri: str,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        mime_type: str | None = None,
        scopes: Iterable[str] = (),
    ) -> Callable[[F], F]:
        """A fixed URI (`test://static`) or a level-1 template (`test://template/{id}/data`)."""

        def register(function: F) -> F:
            self.add_resource(
                function,
                uri,
                name=name,
                title=title,
                description=description,
                mime_type=mime_type,
                scopes=scopes,
            )
            return function

        return register

    def add_resource(
        self,
        fn: Callable[..., Any],
        uri: str,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        mime_type: str | None = None,
        scopes: Iterable[str] = (),
    ) -> Resource | ResourceTemplate:
        options: dict[str, Any] = {
            "name": name,
            "title": title,
            "description": description,
            "mime_type": mime_type,
            "scopes": scopes,
        }
        if is_template(uri):
            template = ResourceTemplate(fn, uri, **options)
            if template.template.shape in self._templates:
                raise AlreadyExists(f"a resource template matching {uri!r} is already registered")
            self._templates[template.template.shape] = template
            return template
        resource = Resource(fn, uri, **options)
        if resource.uri in self._resources:
            raise AlreadyExists(f"a resource at {uri!r} is already registered")
        self._resources[resource.uri] = resource
        return resource

    def list_resources(self) -> builtins.list[Resource]:
        return builtins.list(self._resources.values())

    def list_resource_templates(self) -> builtins.list[ResourceTemplate]:
        return builtins.list(self._templates.values())

    def find_resource(self, uri: str) -> Resource | ResourceTemplate:
        """What serves `uri` (a fixed resource before any template); check its scopes before reading."""
        resource = self._resources.get(uri)
        if resource is not None:
            return resource
        for template in self._templates.values():
            if template.match(uri) is not None:
                return template
        raise NotFound(f"resource {uri!r} not found")

    async def read(
        self, uri: str, context: ToolContext | None = None, *, run_sync: RunSync | None = None
    ) -> builtins.list[ResourceContents]:
        target = self.find_resource(uri)
        if isinstance(target, Resource):
            return await target.read(context, run_sync=run_sync)
        return await target.read(uri, context, run_sync=run_sync)

    # -- prompts -----------------------------------------------------------------------------

    @overload
    def prompt(self, fn: F, /) -> F: ...

    @overload
    def prompt(
        self,
        fn: None = None,
        /,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        scopes: Iterable[str] = (),
    ) -> Callable[[F], F]: ...

    def prompt(
        self,
        fn: F | None = None,
        /,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        scopes: Iterable[str] = (),
    ) -> F | Callable[[F], F]:
        def register(function: F) -> F:
            self.add_prompt(function, name=name, title=title, description=description, scopes=scopes)
            return function

        return register(fn) if fn is not None else register

    def add_prompt(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        scopes: Iterable[str] = (),
    ) -> Prompt:
        prompt = Prompt(fn, name=name, title=title, description=description, scopes=scopes)
        if prompt.name in self._prompts:
            raise AlreadyExists(f"a prompt named {prompt.name!r} is already registered")
        self._prompts[prompt.name] = prompt
        return prompt

    def find_prompt(self, name: str) -> Prompt:
        try:
            return self._prompts[name]
        except KeyError:
            raise NotFound(f"unknown prompt {name!r}") from None

    def list_prompts(self) -> builtins.list[Prompt]:
        return builtins.list(self._prompts.values())

    async def get_prompt(
        self,
        name: str,
        arguments: Mapping[str, str] | None = None,
        context: ToolContext | None = None,
        *,
        run_sync: RunSync | None = None,
    ) -> builtins.list[PromptMessage]:
        """MCP `prompts/get`: NotFound for an unknown name, InvalidArguments for bad arguments."""
        return await self.find_prompt(name).render(arguments, context, run_sync=run_sync)
