"""A low-level `mcp` Server that serves a RemoteMCP `ToolRegistry`.

Errors follow MCP 2025-11-25 (server/tools §Error Handling):
- an unknown tool, prompt or resource is a protocol error, JSON-RPC -32602;
- bad tool arguments are a tool execution error (`isError: true`, the validation message as text)
  so the model can read it and correct the call; bad prompt or resource-template arguments have no
  such channel and are -32602;
- whatever a tool raises is a tool execution error carrying its message; a tool returning a value
  that contradicts its own output schema is the server's bug, reported without the details.

The handlers look the registry up at call time, so entries registered after installation are
served too (the seed API registers its tools after wrapping the server).

Completion (`completion/complete`) and resource subscriptions (`resources/subscribe`) are always
served, so their capabilities are always advertised: an argument without a completer completes to
nothing, and a subscription is told of changes the application announces with
`registry.resource_updated(uri)`.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST

from remotemcp import __version__
from remotemcp.app.mcp.content import content_block, prompt_message, resource_contents
from remotemcp.app.mcp.subscriptions import ResourceSubscriptions
from remotemcp.app.mcp.tool_context import RequestToolContext, SessionLogLevels, principal_of, session_id_of
from remotemcp.domain.errors import DomainError, InvalidArguments, NotFound
from remotemcp.domain.tools.errors import InvalidOutput
from remotemcp.domain.tools.registry import ToolRegistry
from remotemcp.domain.tools.resources import Resource, ResourceTemplate

log = logging.getLogger("remotemcp.mcp.tools")

Context = ServerRequestContext[Any, Any]

_INSTALLED: weakref.WeakKeyDictionary[Server[Any], RegistryHandlers] = weakref.WeakKeyDictionary()


async def _in_worker_thread(fn: Callable[[], Any]) -> Any:
    # A sync tool may block (files, HTTP, CPU); it must not stall every other session's requests.
    return await anyio.to_thread.run_sync(fn)


def _authorize(ctx: Context, required: frozenset[str], what: str) -> None:
    """Defence in depth behind the HTTP scope challenge, which answers 403 before a request gets
    here. Reached with missing scopes only when the server is served without RemoteMCP's bearer
    middleware, and then it fails closed."""
    if not required:
        return
    principal = principal_of(ctx)
    if principal is None or not principal.has_scopes(required):
        raise MCPError(
            code=INVALID_REQUEST,
            message=f"{what} needs the scopes: {' '.join(sorted(required))}",
            data={"required_scopes": sorted(required)},
        )


def _error_result(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)


class RegistryHandlers:
    """The request handlers, one method per MCP method, over one registry."""

    def __init__(
        self,
        registry: ToolRegistry,
        log_levels: SessionLogLevels | None = None,
        subscriptions: ResourceSubscriptions | None = None,
    ) -> None:
        self.registry = registry
        self.log_levels = log_levels or SessionLogLevels()
        self.subscriptions = subscriptions or ResourceSubscriptions()
        self._stop_listening = registry.add_update_listener(self.resource_updated)

    def detach(self) -> None:
        """Stop hearing the registry's resource updates (the server got another registry)."""
        self._stop_listening()

    def forget_session(self, session_id: str) -> None:
        """The session ended: its subscriptions and log level go with it."""
        self.subscriptions.forget(session_id)
        self.log_levels.forget(session_id)

    def _context(self, ctx: Context, source: str) -> RequestToolContext:
        return RequestToolContext(ctx, source=source, log_levels=self.log_levels)

    def tool_input_schema(self, name: str) -> dict[str, Any] | None:
        try:
            return self.registry.get(name).input_schema
        except NotFound:
            return None

    # -- tools ---------------------------------------------------------------------------------

    async def list_tools(self, ctx: Context, params: types.PaginatedRequestParams) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[types.Tool.model_validate(t.describe()) for t in self.registry.list()]
        )

    async def call_tool(self, ctx: Context, params: types.CallToolRequestParams) -> types.CallToolResult:
        try:
            tool = self.registry.get(params.name)
        except NotFound:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {params.name}") from None
        _authorize(ctx, tool.required_scopes, f"tool {tool.name!r}")
        try:
            result = await tool.call(
                params.arguments, self._context(ctx, tool.name), run_sync=_in_worker_thread
            )
        except MCPError:
            raise
        except InvalidArguments as exc:
            log.info(
                "tool %r rejected its arguments: %s", tool.name, "; ".join(exc.problems) or exc.description
            )
            return _error_result(exc.description)
        except InvalidOutput:
            log.exception("tool %r returned a value that contradicts its output schema", tool.name)
            return _error_result(f"tool {tool.name!r} produced an invalid result")
        except Exception as exc:
            log.info("tool %r failed", tool.name, exc_info=True)
            return _error_result(str(exc) or type(exc).__name__)
        return types.CallToolResult(
            content=[content_block(block) for block in result.content], structured_content=result.structured
        )

    # -- resources -----------------------------------------------------------------------------

    async def list_resources(
        self, ctx: Context, params: types.PaginatedRequestParams
    ) -> types.ListResourcesResult:
        resources = [types.Resource.model_validate(r.describe()) for r in self.registry.list_resources()]
        return types.ListResourcesResult(resources=resources)

    async def list_resource_templates(
        self, ctx: Context, params: types.PaginatedRequestParams
    ) -> types.ListResourceTemplatesResult:
        templates = [
            types.ResourceTemplate.model_validate(t.describe())
            for t in self.registry.list_resource_templates()
        ]
        return types.ListResourceTemplatesResult(resource_templates=templates)

    async def read_resource(
        self, ctx: Context, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = params.uri
        target = self._readable_resource(ctx, uri)
        try:
            contents = await self.registry.read(
                uri, self._context(ctx, target.name), run_sync=_in_worker_thread
            )
        except InvalidArguments as exc:
            raise MCPError(code=INVALID_PARAMS, message=exc.description, data={"uri": uri}) from None
        except NotFound as exc:
            raise MCPError(code=INVALID_PARAMS, message=exc.description, data={"uri": uri}) from None
        except MCPError:
            raise
        except Exception as exc:
            log.warning("resource %r failed", uri, exc_info=True)
            message = exc.description if isinstance(exc, DomainError) else "reading the resource failed"
            raise MCPError(code=INTERNAL_ERROR, message=message, data={"uri": uri}) from None
        return types.ReadResourceResult(contents=[resource_contents(item) for item in contents])

    def _readable_resource(self, ctx: Context, uri: str) -> Resource | ResourceTemplate:
        """The registry entry serving `uri`, once the caller may read it; subscribing to a resource
        needs the same, since its updates tell what it holds."""
        try:
            target = self.registry.find_resource(uri)
        except NotFound:
            raise MCPError(code=INVALID_PARAMS, message="Resource not found", data={"uri": uri}) from None
        _authorize(ctx, target.required_scopes, f"resource {uri!r}")
        return target

    # -- prompts -------------------------------------------------------------------------------

    async def list_prompts(
        self, ctx: Context, params: types.PaginatedRequestParams
    ) -> types.ListPromptsResult:
        return types.ListPromptsResult(
            prompts=[types.Prompt.model_validate(p.describe()) for p in self.registry.list_prompts()]
        )

    async def get_prompt(self, ctx: Context, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        try:
            prompt = self.registry.find_prompt(params.name)
        except NotFound:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt: {params.name}") from None
        _authorize(ctx, prompt.required_scopes, f"prompt {prompt.name!r}")
        try:
            messages = await prompt.render(
                params.arguments, self._context(ctx, prompt.name), run_sync=_in_worker_thread
            )
        except InvalidArguments as exc:
            raise MCPError(code=INVALID_PARAMS, message=exc.description) from None
        except MCPError:
            raise
        except Exception as exc:
            log.warning("prompt %r failed", prompt.name, exc_info=True)
            message = exc.description if isinstance(exc, DomainError) else "rendering the prompt failed"
            raise MCPError(code=INTERNAL_ERROR, message=message) from None
        return types.GetPromptResult(
            description=prompt.description, messages=[prompt_message(message) for message in messages]
        )

    # -- resource subscriptions (2025-11-25; 2026-07-28 has subscriptions/listen instead) ------

    async def subscribe(self, ctx: Context, params: types.SubscribeRequestParams) -> types.EmptyResult:
        self._readable_resource(ctx, params.uri)
        self.subscriptions.subscribe(session_id_of(ctx), params.uri, ctx.session)
        return types.EmptyResult()

    async def unsubscribe(self, ctx: Context, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
        self.subscriptions.unsubscribe(session_id_of(ctx), params.uri)
        return types.EmptyResult()

    async def resource_updated(self, uri: str) -> None:
        await self.subscriptions.notify(uri)

    # -- completion ----------------------------------------------------------------------------

    async def complete(self, ctx: Context, params: types.CompleteRequestParams) -> types.CompleteResult:
        ref = params.ref
        if isinstance(ref, types.PromptReference):
            where = {"prompt": ref.name}
        else:
            where = {"resource_template": ref.uri}
        try:
            target = self.registry.completion_target(**where)
        except NotFound as exc:
            raise MCPError(code=INVALID_PARAMS, message=exc.description) from None
        _authorize(ctx, target.required_scopes, repr(target))
        arguments = params.context.arguments if params.context is not None else None
        try:
            completion = await self.registry.complete(
                argument=params.argument.name,
                value=params.argument.value,
                arguments=arguments or {},
                run_sync=_in_worker_thread,
                **where,
            )
        except MCPError:
            raise
        except Exception:
            log.warning("completing %r of %r failed", params.argument.name, target, exc_info=True)
            raise MCPError(code=INTERNAL_ERROR, message="completing the argument failed") from None
        return types.CompleteResult(
            completion=types.Completion(
                values=list(completion.values), total=completion.total, has_more=completion.has_more
            )
        )

    # -- logging (2025-11-25; the method does not exist on 2026-07-28) -------------------------

    async def set_logging_level(self, ctx: Context, params: types.SetLevelRequestParams) -> types.EmptyResult:
        session_id = session_id_of(ctx)
        if session_id is not None:
            self.log_levels.set(session_id, params.level)
        return types.EmptyResult()


def install_registry(server: Server[Any], registry: ToolRegistry) -> RegistryHandlers:
    """Make `server` serve `registry`: tools, resources, resource templates and subscriptions,
    prompts, completion and `logging/setLevel` (which also advertises the logging capability the
    tools' `log` needs). Replaces any handler `server` had for those methods; installing again
    replaces the registry."""
    previous = _INSTALLED.get(server)
    if previous is not None:
        previous.detach()
    handlers = RegistryHandlers(registry)
    server.add_request_handler("tools/list", types.PaginatedRequestParams, handlers.list_tools)
    server.add_request_handler("tools/call", types.CallToolRequestParams, handlers.call_tool)
    server.add_request_handler("resources/list", types.PaginatedRequestParams, handlers.list_resources)
    server.add_request_handler(
        "resources/templates/list", types.PaginatedRequestParams, handlers.list_resource_templates
    )
    server.add_request_handler("resources/read", types.ReadResourceRequestParams, handlers.read_resource)
    server.add_request_handler("resources/subscribe", types.SubscribeRequestParams, handlers.subscribe)
    server.add_request_handler("resources/unsubscribe", types.UnsubscribeRequestParams, handlers.unsubscribe)
    server.add_request_handler("completion/complete", types.CompleteRequestParams, handlers.complete)
    server.add_request_handler("prompts/list", types.PaginatedRequestParams, handlers.list_prompts)
    server.add_request_handler("prompts/get", types.GetPromptRequestParams, handlers.get_prompt)
    server.add_request_handler("logging/setLevel", types.SetLevelRequestParams, handlers.set_logging_level)
    # Lets the 2026-07-28 path validate `Mcp-Param-*` headers without running tools/list.
    server.get_tool_input_schema = handlers.tool_input_schema
    _INSTALLED[server] = handlers
    return handlers


def installed_handlers(server: Server[Any]) -> RegistryHandlers | None:
    """The handlers `install_registry` last put on `server`, if any."""
    return _INSTALLED.get(server)


def installed_registry(server: Server[Any]) -> ToolRegistry | None:
    """The registry `install_registry` last put on `server`, if any."""
    handlers = _INSTALLED.get(server)
    return handlers.registry if handlers is not None else None


def build_server(
    registry: ToolRegistry,
    *,
    name: str = "remotemcp",
    version: str = __version__,
    instructions: str | None = None,
) -> Server[Any]:
    server: Server[Any] = Server(name, version=version, instructions=instructions)
    install_registry(server, registry)
    return server
