"""Let tool authors on Python 3.11 write `typing.TypedDict`.

pydantic accepts only `typing_extensions.TypedDict` below Python 3.12 (it needs `__orig_bases__`),
so annotations are rewritten: every stdlib TypedDict reachable through `Annotated`, unions and
generic arguments (and through the keys of such TypedDicts) is rebuilt as an equivalent
typing_extensions one. TypedDicts nested inside pydantic models or dataclasses are left alone;
pydantic's own error names the fix there. Delete this module with 3.11 support.
"""

from __future__ import annotations

import sys
import types
import typing
from typing import Annotated, Any, Literal, get_args, get_origin

import typing_extensions

from remotemcp.domain.tools.errors import InvalidDefinition

_QUALIFIERS = (typing.Required, typing.NotRequired)
_rebuilt: dict[type, type] = {}
_in_progress: set[type] = set()


def pydantic_ready(annotation: Any) -> Any:
    if sys.version_info >= (3, 12):
        return annotation
    return _rewrite(annotation)


def _is_stdlib_typeddict(annotation: Any) -> bool:
    return typing.is_typeddict(annotation) and type(annotation).__module__ == "typing"


def _rewrite(annotation: Any) -> Any:
    if _is_stdlib_typeddict(annotation):
        return _rebuild(annotation)
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is None or origin is Literal or not args:
        return annotation
    if origin is Annotated:
        new_args: tuple[Any, ...] = (_rewrite(args[0]), *args[1:])
    else:
        new_args = tuple(_rewrite(arg) for arg in args)
    if all(new is old for new, old in zip(new_args, args, strict=True)):
        return annotation
    return _with_args(annotation, origin, new_args)


def _with_args(annotation: Any, origin: Any, args: tuple[Any, ...]) -> Any:
    if origin is Annotated:
        return Annotated[args]
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        return typing.Union[args]  # noqa: UP007 - a runtime tuple of arms has no `|` spelling
    if isinstance(annotation, types.GenericAlias):
        return types.GenericAlias(origin, args)
    copy_with = getattr(annotation, "copy_with", None)
    return copy_with(args) if copy_with is not None else annotation


def _strip_qualifier(hint: Any) -> Any:
    while get_origin(hint) in _QUALIFIERS:
        hint = get_args(hint)[0]
    return hint


def _rebuild(typed_dict: type) -> type:
    cached = _rebuilt.get(typed_dict)
    if cached is not None:
        return cached
    if typed_dict in _in_progress:
        raise InvalidDefinition(
            f"recursive TypedDict {typed_dict.__name__} must be a typing_extensions.TypedDict on Python 3.11"
        )
    _in_progress.add(typed_dict)
    try:
        required_keys: frozenset[str] = getattr(typed_dict, "__required_keys__", frozenset())
        items: dict[str, Any] = {}
        for key, hint in typing.get_type_hints(typed_dict, include_extras=True).items():
            value = _rewrite(_strip_qualifier(hint))
            items[key] = value if key in required_keys else typing_extensions.NotRequired[value]
        # The functional form, through Any: type checkers only accept a literal name there.
        make: Any = typing_extensions.TypedDict
        rebuilt: type = make(typed_dict.__name__, items)
    finally:
        _in_progress.discard(typed_dict)
    for attribute in ("__doc__", "__module__", "__qualname__", "__pydantic_config__"):
        if hasattr(typed_dict, attribute):
            setattr(rebuilt, attribute, getattr(typed_dict, attribute))
    _rebuilt[typed_dict] = rebuilt
    return rebuilt
