"""The fake's endpoint handlers, one module per area, registered by catalogue name.

A handler is a synchronous method ``(self, ctx: Ctx) -> data`` (or ``Paged``) that raises
``rules.ApiError`` to refuse; ``@handles("endpoint_name")`` registers it for the catalogue entry
of that name, and ``FakeMeegle`` routes every entry of ``meegle_async.catalogue.ENDPOINTS`` to
its handler (a missing one is an error when the fake is built).

Handler groups are mixins of ``FakeMeegle`` (``HandlerBase`` gives them ``self.store``); no
``await`` between reading and writing state, so each request applies atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..context import Handler

__all__ = ["collect_handlers", "handles"]

_F = TypeVar("_F", bound=Callable[..., Any])
_ATTR = "__meegle_endpoint__"


def handles(name: str) -> Callable[[_F], _F]:
    """Register the decorated method as the fake's handler of catalogue entry ``name``."""

    def mark(fn: _F) -> _F:
        setattr(fn, _ATTR, name)
        return fn

    return mark


def collect_handlers(obj: object) -> dict[str, Handler]:
    """The bound handlers of ``obj`` by endpoint name (every ``@handles`` method)."""
    found: dict[str, Handler] = {}
    for attr in dir(type(obj)):
        fn = getattr(type(obj), attr, None)
        name = getattr(fn, _ATTR, None)
        if isinstance(name, str):
            if name in found:
                raise RuntimeError(f"two fake handlers for {name}")
            found[name] = getattr(obj, attr)
    return found
