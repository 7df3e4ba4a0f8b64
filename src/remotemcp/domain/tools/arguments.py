"""A callable's parameters as a pydantic model: the input JSON Schema and argument validation.

`Annotated[T, "text"]` makes `text` the parameter's description (pydantic itself ignores bare
strings in metadata); `Field(...)` works as metadata or as the default; parameters annotated
`ToolContext` (or `ToolContext | None`) are injected by the caller and left out of the schema.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, PydanticUserError, ValidationError, create_model
from pydantic.fields import FieldInfo

from remotemcp.domain.errors import InvalidArguments
from remotemcp.domain.tools.context import ToolContext
from remotemcp.domain.tools.errors import InvalidDefinition
from remotemcp.domain.tools.typeddicts import pydantic_ready

_EMPTY = inspect.Parameter.empty


class _ArgumentsBase(BaseModel):
    # Parameters may be named like pydantic's `model_*` methods. Unknown top-level arguments are
    # refused by ArgumentModel itself: extra="forbid" here would leak into nested TypedDicts and
    # dataclasses (they inherit this config) but not nested models.
    model_config = ConfigDict(protected_namespaces=())


@dataclass(frozen=True, slots=True)
class ParameterInfo:
    """One client-supplied parameter as listed to clients (prompt arguments use this)."""

    name: str
    description: str | None
    required: bool


@dataclass(frozen=True, slots=True)
class _Parameter:
    name: str
    field: str
    positional_only: bool


@dataclass(frozen=True, slots=True)
class _ContextParameter:
    name: str
    positional_only: bool
    optional: bool
    default: Any


def _split_annotated(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    if get_origin(annotation) is Annotated:
        return annotation.__origin__, tuple(annotation.__metadata__)
    return annotation, ()


def _is_context_type(annotation: Any) -> bool:
    return annotation is ToolContext or (
        isinstance(annotation, type) and ToolContext in getattr(annotation, "__mro__", ())
    )


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) is typing.Union or isinstance(annotation, types.UnionType)


def _context_kind(annotation: Any) -> tuple[bool, bool]:
    """(is the parameter an injected ToolContext, may it be None)."""
    base, _ = _split_annotated(annotation)
    if _is_context_type(base):
        return True, False
    if _is_union(base):
        arms = [arm for arm in get_args(base) if arm is not type(None)]
        if arms and all(_is_context_type(_split_annotated(arm)[0]) for arm in arms):
            return True, len(arms) != len(get_args(base))
    return False, False


def _field_name(name: str, taken: set[str]) -> str:
    # pydantic refuses leading underscores and names that shadow BaseModel attributes; such
    # parameters get an internal field name and keep their own name as the alias.
    if not name.startswith("_") and not hasattr(BaseModel, name):
        return name
    candidate = "field" + name if name.startswith("_") else f"field_{name}"
    while candidate in taken or hasattr(BaseModel, candidate):
        candidate += "_"
    return candidate


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "arguments"


def _problem(error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    if len(loc) == 1 and error["type"] == "missing":
        return f"{loc[0]}: missing required argument"
    return f"{_location(loc)}: {error['msg']}"


class ArgumentModel:
    """Built once per registered function; validates every call's arguments."""

    def __init__(self, signature: inspect.Signature, *, owner: str, model_name: str) -> None:
        self.owner = owner
        fields: dict[str, Any] = {}
        order: list[_Parameter | _ContextParameter] = []
        self._context: _ContextParameter | None = None
        for parameter in signature.parameters.values():
            if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                raise InvalidDefinition(f"{owner}: *args and **kwargs parameters cannot be described")
            positional_only = parameter.kind is inspect.Parameter.POSITIONAL_ONLY
            is_context, optional = _context_kind(parameter.annotation)
            if is_context:
                if self._context is not None:
                    raise InvalidDefinition(f"{owner}: only one ToolContext parameter is allowed")
                self._context = _ContextParameter(
                    parameter.name, positional_only, optional, parameter.default
                )
                order.append(self._context)
                continue
            field = _field_name(parameter.name, set(fields))
            fields[field] = self._field(parameter, field)
            order.append(_Parameter(parameter.name, field, positional_only))
        self._order = tuple(order)
        self._parameters = tuple(item for item in order if isinstance(item, _Parameter))
        self._names = frozenset(p.name for p in self._parameters)

        try:
            self._model: type[BaseModel] = create_model(model_name, __base__=_ArgumentsBase, **fields)
            schema = self._model.model_json_schema()
        except (PydanticUserError, TypeError, ValueError, NameError) as exc:
            raise InvalidDefinition(f"{owner}: cannot build an input schema: {exc}") from exc
        # The model's name means nothing to clients; `properties` and `required` are always present
        # because some clients index them without checking.
        schema.pop("title", None)
        schema.setdefault("properties", {})
        schema.setdefault("required", [])
        schema["additionalProperties"] = False
        self.json_schema: dict[str, Any] = schema
        properties: dict[str, Any] = schema["properties"]
        required = set(schema["required"])
        self.parameters = tuple(
            ParameterInfo(p.name, properties.get(p.name, {}).get("description"), p.name in required)
            for p in self._parameters
        )

    @staticmethod
    def _field(parameter: inspect.Parameter, field: str) -> tuple[Any, Any]:
        annotation = Any if parameter.annotation is _EMPTY else parameter.annotation
        base, metadata = _split_annotated(annotation)
        descriptions = [item for item in metadata if isinstance(item, str)]
        if not descriptions and _is_union(base):
            # `Annotated[str, "text"] | None`: the text sits on an arm, where pydantic drops it.
            for arm in get_args(base):
                descriptions += [item for item in _split_annotated(arm)[1] if isinstance(item, str)]
        rest = [item for item in metadata if not isinstance(item, str)]
        extra: list[FieldInfo] = []
        if descriptions:
            extra.append(Field(description=descriptions[0]))
        if field != parameter.name:
            extra.append(Field(alias=parameter.name))
        # Explicit Field metadata comes after the string description so it wins.
        parts = (pydantic_ready(base), *extra, *rest)
        field_annotation = Annotated[parts] if len(parts) > 1 else parts[0]
        default = ... if parameter.default is _EMPTY else parameter.default
        return field_annotation, default

    @property
    def wants_context(self) -> bool:
        return self._context is not None

    def validate(self, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validated values by parameter name, defaults filled in; raises InvalidArguments."""
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, Mapping):
            raise InvalidArguments(f"invalid arguments for {self.owner}: arguments must be an object")
        unexpected = tuple(f"{key}: unexpected argument" for key in arguments if key not in self._names)
        known = {key: value for key, value in arguments.items() if key in self._names}
        instance: BaseModel | tuple[str, ...]
        try:
            instance = self._model.model_validate(known)
        except ValidationError as first:
            instance = self._retry_with_json_strings(known, first)
        if isinstance(instance, tuple) or unexpected:
            problems = unexpected + (instance if isinstance(instance, tuple) else ())
            raise InvalidArguments(f"invalid arguments for {self.owner}: " + "; ".join(problems), problems)
        return {p.name: getattr(instance, p.field) for p in self._parameters}

    def _retry_with_json_strings(
        self, data: dict[str, Any], first: ValidationError
    ) -> BaseModel | tuple[str, ...]:
        """The model, or the first attempt's problems.

        Some clients (Claude Desktop) send lists and objects as JSON text. Only arguments that
        failed are re-read, and only into lists or objects, so a valid call never changes meaning.
        """
        failed = {error["loc"][0] for error in first.errors() if error["loc"]}
        retried = dict(data)
        for key in failed:
            value = data.get(key) if isinstance(key, str) else None
            if not isinstance(key, str) or not isinstance(value, str):
                continue
            try:
                parsed = json.loads(value)
            except (ValueError, RecursionError):
                continue
            if isinstance(parsed, list | dict):
                retried[key] = parsed
        if retried != data:
            try:
                return self._model.model_validate(retried)
            except ValidationError:
                pass
        return tuple(_problem(error) for error in first.errors())

    def bind(
        self, values: Mapping[str, Any], context: ToolContext | None
    ) -> tuple[list[Any], dict[str, Any]]:
        """Positional and keyword arguments for the function, the context injected."""
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for item in self._order:
            if isinstance(item, _ContextParameter):
                value: Any = self._context_value(item, context)
            else:
                value = values[item.name]
            if item.positional_only:
                args.append(value)
            else:
                kwargs[item.name] = value
        return args, kwargs

    def _context_value(self, parameter: _ContextParameter, context: ToolContext | None) -> Any:
        if context is not None:
            return context
        if parameter.default is not _EMPTY:
            return parameter.default
        if parameter.optional:
            return None
        raise TypeError(f"{self.owner} needs a ToolContext; pass context=")
