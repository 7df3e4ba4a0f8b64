"""A tool's output schema, derived from its return annotation, and the rendering of what it returns.

Follows the MCP SDK's MCPServer (`func_metadata`): pydantic models, TypedDicts, dataclasses,
annotated classes and `dict[str, T]` publish their own object schema; primitives, `None`, lists,
tuples, unions and other dicts are wrapped as `{"result": ...}` because structured content must be
an object; content items (bare, in a list or in a union) and unannotated functions publish none.
Where RemoteMCP differs: a bare `dict` is an object schema, and a class without type hints
(datetime, UUID, ...) is wrapped when pydantic can serialize it.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import json
import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PydanticUserError,
    TypeAdapter,
    ValidationError,
    create_model,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaWarningKind

from remotemcp.domain.tools.content import CONTENT_TYPES, ContentBlock, TextContent, is_content_block
from remotemcp.domain.tools.errors import InvalidDefinition, InvalidOutput
from remotemcp.domain.tools.typeddicts import pydantic_ready

_PRIMITIVES = (str, int, float, bool, bytes, type(None))
_SEQUENCES = (list, tuple, collections.abc.Sequence)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)
_ANY: TypeAdapter[Any] = TypeAdapter(Any)
_DEFS = "#/$defs/"


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a call produced, before the application turns it into a CallToolResult.

    `content` is what the model reads; `structured` is set when the tool has an output schema
    (wrapped as `{"result": ...}` when `wrapped`); `text` is the text rendering: a str as is,
    anything else as JSON, the text items joined for content results.
    """

    value: Any
    content: tuple[ContentBlock, ...]
    text: str
    structured: dict[str, Any] | None = None
    wrapped: bool = False


class _StrictJsonSchema(GenerateJsonSchema):
    # A return type pydantic can only half-describe gets no output schema rather than a wrong one.
    def emit_warning(self, kind: JsonSchemaWarningKind, detail: str) -> None:
        raise ValueError(f"{kind}: {detail}")


def _strip_annotated(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = annotation.__origin__
    return annotation


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) is typing.Union or isinstance(annotation, types.UnionType)


def returns_content(annotation: Any) -> bool:
    annotation = _strip_annotated(annotation)
    origin = get_origin(annotation)
    if origin is None:
        return isinstance(annotation, type) and issubclass(annotation, CONTENT_TYPES)
    if _is_union(annotation) or origin in _SEQUENCES:
        return any(returns_content(arg) for arg in get_args(annotation))
    return False


def _model_from_class(cls: type) -> type[BaseModel] | None:
    hints = typing.get_type_hints(cls, include_extras=True)
    fields: dict[str, Any] = {}
    for name, hint in hints.items():
        if name.startswith("_"):
            continue
        default = getattr(cls, name, ...)
        fields[name] = (pydantic_ready(hint), default)
    if not fields:
        return None
    return create_model(cls.__name__, __config__=ConfigDict(from_attributes=True), **fields)


def _wrapped(fn_name: str, annotation: Any) -> type[BaseModel]:
    return create_model(f"{fn_name}Output", result=(pydantic_ready(annotation), ...))


def _inline_root_ref(schema: dict[str, Any]) -> dict[str, Any]:
    # A self-referencing model's schema is a bare `$ref`; the root must be an object.
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith(_DEFS):
        return schema
    definition = dict(schema["$defs"][ref.removeprefix(_DEFS)])
    siblings = {key: value for key, value in schema.items() if key != "$ref"}
    return {**definition, **siblings}


def _candidate(annotation: Any, fn_name: str) -> tuple[Any, bool]:
    """(the type structured output is validated against or None, whether it is wrapped)."""
    base = _strip_annotated(annotation)
    if base is Any or base is object:
        return None, False
    own = _object_type(base, fn_name)
    if own is not None:
        return own, False
    return _wrapped(fn_name, annotation), True


def _object_type(base: Any, fn_name: str) -> Any:
    """`base` itself (or a model of it) when it describes an object, else None (it gets wrapped)."""
    if get_origin(base) in _MAPPINGS or base in _MAPPINGS:
        return _string_keyed_mapping(base, fn_name)
    if get_origin(base) is not None or not isinstance(base, type):
        return None
    if base in _PRIMITIVES or issubclass(base, Enum):
        return None
    if issubclass(base, BaseModel) or typing.is_typeddict(base) or dataclasses.is_dataclass(base):
        return pydantic_ready(base)
    return _model_from_class(base)


def _string_keyed_mapping(base: Any, fn_name: str) -> Any:
    args = get_args(base)
    if args and args[0] is not str:
        return None
    return Annotated[pydantic_ready(base) if args else dict[str, Any], Field(title=f"{fn_name}DictOutput")]


class OutputModel:
    """The output schema of one tool and the conversion of its return values."""

    def __init__(
        self, annotation: Any, *, fn_name: str, owner: str, structured_output: bool | None = None
    ) -> None:
        self.owner = owner
        self.schema: dict[str, Any] | None = None
        self.wrapped = False
        self._adapter: TypeAdapter[Any] | None = None
        if structured_output is False:
            return
        if annotation is inspect.Signature.empty:
            if structured_output:
                raise InvalidDefinition(f"{owner}: structured output needs a return annotation")
            return
        if structured_output is None and returns_content(annotation):
            return
        try:
            self._derive(annotation, fn_name)
        except (PydanticUserError, TypeError, ValueError, NameError, ValidationError) as exc:
            self._adapter, self.schema, self.wrapped = None, None, False
            if structured_output:
                raise InvalidDefinition(f"{owner}: the return type cannot be described: {exc}") from exc
        if structured_output and self.schema is None:
            raise InvalidDefinition(f"{owner}: the return type cannot be described as structured output")

    def _derive(self, annotation: Any, fn_name: str) -> None:
        candidate, wrapped = _candidate(annotation, fn_name)
        if candidate is None:
            return
        adapter: TypeAdapter[Any] = TypeAdapter(candidate)
        schema = _inline_root_ref(adapter.json_schema(schema_generator=_StrictJsonSchema))
        if schema.get("type") != "object" and not wrapped:
            # e.g. a RootModel over a list: describable, but not as an object.
            candidate, wrapped = _wrapped(fn_name, annotation), True
            adapter = TypeAdapter(candidate)
            schema = adapter.json_schema(schema_generator=_StrictJsonSchema)
        self._adapter, self.schema, self.wrapped = adapter, schema, wrapped

    def render(self, value: Any) -> ToolResult:
        if self._adapter is None:
            return _unstructured(value)
        payload = {"result": value} if self.wrapped else value
        try:
            validated = self._adapter.validate_python(payload)
        except ValidationError as exc:
            raise InvalidOutput(
                f"{self.owner} returned a value that does not match its output schema: {exc}"
            ) from exc
        if isinstance(validated, BaseModel):
            # Dump through the instance so a returned subclass keeps its own fields.
            structured = validated.model_dump(mode="json", by_alias=True)
        else:
            structured = self._adapter.dump_python(validated, mode="json", by_alias=True)
        if value is None:
            return ToolResult(value, (), "", structured, self.wrapped)
        shown = structured["result"] if self.wrapped else structured
        text = shown if isinstance(shown, str) else _json(shown)
        return ToolResult(value, (TextContent(text),), text, structured, self.wrapped)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return _json(_ANY.dump_python(value, mode="json", fallback=str))
    except (ValueError, TypeError):  # pydantic's serialization error is a ValueError
        return str(value)


def _unstructured(value: Any) -> ToolResult:
    if value is None:
        return ToolResult(value, (), "")
    if is_content_block(value):
        blocks: tuple[ContentBlock, ...] = (value,)
    elif isinstance(value, list | tuple) and any(is_content_block(item) for item in value):
        blocks = tuple(item if is_content_block(item) else TextContent(_as_text(item)) for item in value)
    else:
        text = _as_text(value)
        return ToolResult(value, (TextContent(text),), text)
    text = "\n".join(block.text for block in blocks if isinstance(block, TextContent))
    return ToolResult(value, blocks, text)
