"""Tools, resources and prompts from plain Python functions: schemas, validation, invocation.

Pure domain: produces plain dicts and dataclasses; the application converts them to MCP SDK types.
"""

from remotemcp.domain.tools.arguments import ParameterInfo
from remotemcp.domain.tools.callables import RunSync
from remotemcp.domain.tools.completions import Completion
from remotemcp.domain.tools.content import (
    AudioContent,
    BlobResourceContents,
    ContentBlock,
    EmbeddedResource,
    ImageContent,
    ResourceContents,
    TextContent,
    TextResourceContents,
)
from remotemcp.domain.tools.context import AuthPrincipal, ToolContext
from remotemcp.domain.tools.errors import InvalidDefinition, InvalidOutput
from remotemcp.domain.tools.interaction import (
    ClientFeatureUnavailable,
    ElicitationResult,
    Role,
    SamplingMessage,
    SamplingResult,
)
from remotemcp.domain.tools.output import ToolResult
from remotemcp.domain.tools.prompts import Prompt, PromptArgument, PromptMessage
from remotemcp.domain.tools.registry import ResourceUpdateListener, ToolRegistry
from remotemcp.domain.tools.resources import Resource, ResourceTemplate
from remotemcp.domain.tools.tool import Tool, ToolAnnotations
from remotemcp.domain.tools.uri_template import UriTemplate

__all__ = [
    "AudioContent",
    "AuthPrincipal",
    "BlobResourceContents",
    "ClientFeatureUnavailable",
    "Completion",
    "ContentBlock",
    "ElicitationResult",
    "EmbeddedResource",
    "ImageContent",
    "InvalidDefinition",
    "InvalidOutput",
    "ParameterInfo",
    "Prompt",
    "PromptArgument",
    "PromptMessage",
    "Resource",
    "ResourceContents",
    "ResourceTemplate",
    "ResourceUpdateListener",
    "Role",
    "RunSync",
    "SamplingMessage",
    "SamplingResult",
    "TextContent",
    "TextResourceContents",
    "Tool",
    "ToolAnnotations",
    "ToolContext",
    "ToolRegistry",
    "ToolResult",
    "UriTemplate",
]
