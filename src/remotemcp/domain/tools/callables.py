"""What the registry needs to know about a Python callable, and how to run one."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from remotemcp.domain.tools.errors import InvalidDefinition

RunSync = Callable[[Callable[[], Any]], Awaitable[Any]]
"""Runs a synchronous function somewhere else (e.g. `anyio.to_thread.run_sync`) and awaits it.

The domain calls sync functions directly on the caller's thread when none is given; moving them
off the event loop is the application's choice, made by passing one.
"""


def _target(fn: Callable[..., Any]) -> Callable[..., Any]:
    while isinstance(fn, functools.partial):
        fn = fn.func
    return fn


def callable_name(fn: Callable[..., Any]) -> str | None:
    name = getattr(_target(fn), "__name__", None)
    return name if isinstance(name, str) else None


def docstring_summary(fn: Callable[..., Any]) -> str | None:
    """The docstring's first paragraph on one line, or None."""
    doc = inspect.getdoc(_target(fn))
    if not doc:
        return None
    paragraph = doc.strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split()) or None


def read_signature(fn: Callable[..., Any], owner: str) -> inspect.Signature:
    try:
        return inspect.signature(fn, eval_str=True)
    except (NameError, TypeError, ValueError) as exc:
        raise InvalidDefinition(f"{owner}: cannot read the signature: {exc}") from exc


def is_async_callable(fn: Callable[..., Any]) -> bool:
    target = _target(fn)
    if inspect.iscoroutinefunction(target):
        return True
    call = getattr(target, "__call__", None)  # noqa: B004 - an object with `async def __call__`
    return call is not None and inspect.iscoroutinefunction(call)


async def invoke(
    fn: Callable[..., Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    *,
    is_async: bool,
    run_sync: RunSync | None,
) -> Any:
    if not is_async and run_sync is not None:
        result = await run_sync(functools.partial(fn, *args, **kwargs))
    else:
        result = fn(*args, **kwargs)
    # A sync wrapper may still hand back an awaitable (a decorated coroutine function).
    if inspect.isawaitable(result):
        result = await result
    return result
