"""HTTP refusals from the MCP endpoint with a JSON-RPC error body, shaped like the SDK's own (no
request id: the refusal answers the HTTP request, not one message in it)."""

from __future__ import annotations

from mcp_types import INVALID_REQUEST, ErrorData, JSONRPCError
from starlette.responses import Response


def rpc_error_response(message: str, status_code: int, *, code: int = INVALID_REQUEST) -> Response:
    body = JSONRPCError(jsonrpc="2.0", id=None, error=ErrorData(code=code, message=message))
    return Response(
        body.model_dump_json(by_alias=True, exclude_unset=True),
        status_code=status_code,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
