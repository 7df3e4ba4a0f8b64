"""A tool's input schema written by hand, published instead of the derived one.

For schemas the type hints cannot say, or say differently: JSON Schema 2020-12 keywords
(`$schema`, `$defs` under chosen names, `if`/`then`, `allOf`, ...). Arguments are still validated
against the function's signature, so the hand-written schema must name the same parameters and
require the same ones; anything else is refused at registration rather than discovered by a client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from remotemcp.domain.tools.arguments import ParameterInfo
from remotemcp.domain.tools.errors import InvalidDefinition


def published_schema(
    schema: Mapping[str, Any], parameters: tuple[ParameterInfo, ...], owner: str
) -> dict[str, Any]:
    try:
        # A round trip through JSON both checks the schema and detaches it from the caller's dict.
        document: dict[str, Any] = json.loads(json.dumps(dict(schema)))
    except (TypeError, ValueError) as exc:
        raise InvalidDefinition(f"{owner}: input_schema is not JSON: {exc}") from exc
    if document.get("type") != "object":
        raise InvalidDefinition(f'{owner}: input_schema must have "type": "object"')
    properties = document.get("properties", {})
    required = document.get("required", [])
    if not isinstance(properties, dict) or not isinstance(required, list):
        raise InvalidDefinition(f"{owner}: input_schema properties must be an object, required a list")
    names = {p.name for p in parameters}
    if set(properties) != names:
        raise InvalidDefinition(
            f"{owner}: input_schema describes {sorted(properties)}, the function takes {sorted(names)}"
        )
    needed = {p.name for p in parameters if p.required}
    if set(required) != needed:
        raise InvalidDefinition(
            f"{owner}: input_schema requires {sorted(required)}, the function requires {sorted(needed)}"
        )
    return document
