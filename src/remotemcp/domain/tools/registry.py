"""The tools, resources and prompts one server offers, registered by decorating functions, with
the completers of their arguments and the announcements of resource changes.

Registration happens at start-up (no lock); lookups keep registration order.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar, overload

from remotemcp.domain.errors import AlreadyExists, NotFound
from remotemcp.domain.tools.callables import RunSync
from remotemcp.domain.tools.completions import ArgumentCompleter, Completer, Completion
from remotemcp.domain.tools.content import ResourceContents
from remotemcp.domain.tools.context import ToolContext
from remotemcp.domain.tools.errors import InvalidDefinition
from remotemcp.domain.tools.prompts import Prompt, PromptMessage
from remotemcp.domain.tools.resources import Resource, ResourceTemplate
from remotemcp.domain.tools.tool import Tool, ToolAnnotations
from remotemcp.domain.tools.uri_template import is_template

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=Completer)

ResourceUpdateListener = Callable[[str], Awaitable[None]]
"""Hears `registry.resource_updated(uri)`; the MCP endpoint registers one to notify subscribers."""

log = logging.getLogger("remotemcp.tools")


class ToolRegistry:
    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}
        self._resources: dict[str, Resource] = {}
        self._templates: dict[str, ResourceTemplate] = {}
        self._prompts: dict[str, Prompt] = {}
        self._completers: dict[tuple[str, str, str], ArgumentCompleter] = {}
        self._update_listeners: list[ResourceUpdateListener] = []

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
        input_schema: Mapping[str, Any] | None = None,
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
        input_schema: Mapping[str, Any] | None = None,
    ) -> F | Callable[[F], F]:
        """`@registry.tool` or `@registry.tool(name=..., scopes=[...])`; returns the function unchanged.

        `input_schema` publishes a hand-written JSON Schema instead of the one derived from the
        signature; it must describe the same parameters (see `input_schema.published_schema`)."""

        def register(function: F) -> F:
            self.add_tool(
                function,
                name=name,
                title=title,
                description=description,
                scopes=scopes,
                annotations=annotations,
                structured_output=structured_output,
                input_schema=input_schema,
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
        input_schema: Mapping[str, Any] | None = None,
    ) -> Tool:
        tool = Tool(
            fn,
            name=name,
            title=title,
            description=description,
            scopes=scopes,
            annotations=annotations,
            structured_output=structured_output,
            input_schema=input_schema,
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

    # -- completions ---------------------------------------------------------------------------

    def completion(
        self, *, argument: str, prompt: str | None = None, resource_template: str | None = None
    ) -> Callable[[C], C]:
        """`@registry.completion(prompt="p", argument="a")`: the decorated `fn(value, arguments)`
        suggests values for argument `a` of prompt `p` (or for a variable of the resource template
        given by its URI template); it returns strings or a `Completion`."""

        def register(function: C) -> C:
            self.add_completion(
                function, argument=argument, prompt=prompt, resource_template=resource_template
            )
            return function

        return register

    def add_completion(
        self,
        fn: Completer,
        *,
        argument: str,
        prompt: str | None = None,
        resource_template: str | None = None,
    ) -> ArgumentCompleter:
        """Register after the prompt or template it completes, so a typo fails here, not later."""
        key = _completion_key(prompt, resource_template, argument)
        try:
            target = self.completion_target(prompt=prompt, resource_template=resource_template)
        except NotFound as exc:
            raise InvalidDefinition(f"cannot complete {argument!r}: {exc.description}") from None
        known = (
            [a.name for a in target.arguments]
            if isinstance(target, Prompt)
            else list(target.template.variables)
        )
        if argument not in known:
            raise InvalidDefinition(f"{target!r} has no argument {argument!r} to complete")
        if key in self._completers:
            raise AlreadyExists(f"{target!r} already has a completer for {argument!r}")
        completer = ArgumentCompleter(fn, argument)
        self._completers[key] = completer
        return completer

    def find_resource_template(self, uri_template: str) -> ResourceTemplate:
        for template in self._templates.values():
            if template.uri_template == uri_template:
                return template
        raise NotFound(f"unknown resource template {uri_template!r}")

    def completion_target(
        self, *, prompt: str | None = None, resource_template: str | None = None
    ) -> Prompt | ResourceTemplate:
        """The prompt or resource template a completion request refers to (NotFound if none)."""
        kind, name, _ = _completion_key(prompt, resource_template, "")
        return self.find_prompt(name) if kind == "prompt" else self.find_resource_template(name)

    async def complete(
        self,
        *,
        argument: str,
        value: str,
        prompt: str | None = None,
        resource_template: str | None = None,
        arguments: Mapping[str, str] | None = None,
        run_sync: RunSync | None = None,
    ) -> Completion:
        """MCP `completion/complete`: NotFound for an unknown prompt or template; no suggestions
        for an argument nobody registered a completer for."""
        self.completion_target(prompt=prompt, resource_template=resource_template)
        completer = self._completers.get(_completion_key(prompt, resource_template, argument))
        if completer is None:
            return Completion()
        return await completer.complete(value, arguments or {}, run_sync=run_sync)

    # -- resource updates ----------------------------------------------------------------------

    def add_update_listener(self, listener: ResourceUpdateListener) -> Callable[[], None]:
        """Hear every `resource_updated`; returns the function that stops listening."""
        self._update_listeners.append(listener)

        def remove() -> None:
            if listener in self._update_listeners:
                self._update_listeners.remove(listener)

        return remove

    async def resource_updated(self, uri: str) -> None:
        """Announce that the resource at `uri` changed, so clients subscribed to it are told.
        NotFound when this registry serves no such resource. One failing listener does not keep
        the others from hearing it."""
        self.find_resource(uri)
        for listener in builtins.list(self._update_listeners):
            try:
                await listener(uri)
            except Exception:
                log.exception("a listener failed to hear that %s changed", uri)


def _completion_key(prompt: str | None, resource_template: str | None, argument: str) -> tuple[str, str, str]:
    if prompt is not None and resource_template is None:
        return ("prompt", prompt, argument)
    if resource_template is not None and prompt is None:
        return ("resource_template", resource_template, argument)
    raise ValueError("name exactly one of prompt= or resource_template=")
