"""Raw answers of any call: ``client.with_raw_response`` and ``capture_raw_responses``.

Every request a client sends passes ``MeegleClient._send`` (file calls: the file groups'
``_file_call``), which hands its ``RawResponse`` (HTTP status, headers, log id, attempts, the
decoded envelope) to ``record_raw_response`` (``transport.response``). That appends it to every
collector active in the current context (a ``ContextVar``), so any method, present or future,
reports its answers without knowing about it:

* ``await client.with_raw_response.work_items.get_details(...)`` returns a ``RawResult``: the
  method's usual result (``parsed``) and the ``RawResponse`` of every request the call made
  (``responses``; a chunked ``get_details`` of 120 ids made three), in the order the answers
  arrived. ``status``, ``headers`` and ``log_id`` are the last answer's, ``attempts`` the sum.
* ``client.with_raw_response.work_items.iter_filter(...)`` returns a ``RawIterator``: it yields
  what the iterator yields, and its ``responses`` grows as pages are fetched (read it during or
  after the loop).
* ``with capture_raw_responses() as answers:`` collects the answers of everything awaited inside
  the block, also when a call raises halfway (the answers before the error stay in ``answers``).
* ``await client.with_raw_response.call(client.work_items.get, ...)``: the same as the
  attribute form, typed from the method's own signature.

Tasks started inside the call (chunks sent concurrently) copy the context and so report to the
same collector. Token requests are not reported: they are not calls of the method. A call that
raises returns no ``RawResult``; the error carries ``log_id`` and ``http_status`` itself.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

import attrs

from .endpoints._base import EndpointGroup
from .transport.response import RAW_SINKS as _SINKS
from .transport.response import RawResponse, record_raw_response

if TYPE_CHECKING:
    from .client import MeegleClient

__all__ = [
    "RawGroup",
    "RawIterator",
    "RawResult",
    "WithRawResponse",
    "capture_raw_responses",
    "record_raw_response",
]

T = TypeVar("T")
P = ParamSpec("P")


@contextmanager
def capture_raw_responses() -> Iterator[list[RawResponse]]:
    """Collect the ``RawResponse`` of every request sent inside the block, in arrival order.

    Blocks nest: an answer goes to every block it was sent in.

    Example::

        with capture_raw_responses() as answers:
            await client.work_items.get_details("space", "story", ids)
        print([a.log_id for a in answers])
    """
    sink: list[RawResponse] = []
    token = _SINKS.set((*_SINKS.get(), sink))
    try:
        yield sink
    finally:
        _SINKS.reset(token)


@attrs.frozen(kw_only=True)
class RawResult(Generic[T]):
    """A method's result with the answers of the requests it made.

    Attributes:
        parsed: what the method returns without ``with_raw_response`` (models, ids, ``None``).
        responses: the ``RawResponse`` of every request the call made, in arrival order (empty
            when it needed none, e.g. ``get_details`` of no ids).
    """

    parsed: T
    responses: tuple[RawResponse, ...] = ()

    @property
    def last(self) -> RawResponse | None:
        """The last answer, if any request was made."""
        return self.responses[-1] if self.responses else None

    @property
    def status(self) -> int | None:
        """The HTTP status of the last answer."""
        return self.last.status if self.last is not None else None

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers of the last answer (empty without one)."""
        return self.last.headers if self.last is not None else {}

    @property
    def log_id(self) -> str | None:
        """The log id of the last answer: quote it to Meegle support."""
        return self.last.log_id if self.last is not None else None

    @property
    def log_ids(self) -> list[str | None]:
        """The log id of every answer, in order."""
        return [r.log_id for r in self.responses]

    @property
    def attempts(self) -> int:
        """Attempts over every request of the call (retries included)."""
        return sum(r.attempts for r in self.responses)


class RawIterator(AsyncIterator[T]):
    """An ``iter_*`` helper's iterator whose ``responses`` grows with each page fetched.

    Example::

        items = client.with_raw_response.work_items.iter_filter("space")
        async for item in items:
            ...
        print(len(items.responses), "pages", items.responses[-1].log_id)
    """

    def __init__(self, inner: AsyncIterator[T]) -> None:
        self._inner = inner
        self.responses: list[RawResponse] = []

    def __aiter__(self) -> RawIterator[T]:
        return self

    async def __anext__(self) -> T:
        token = _SINKS.set((*_SINKS.get(), self.responses))
        try:
            return await self._inner.__anext__()
        finally:
            _SINKS.reset(token)

    async def aclose(self) -> None:
        """Close the wrapped iterator (an async generator stops where it is)."""
        close = getattr(self._inner, "aclose", None)
        if close is not None:
            await close()


async def _collect(awaitable: Awaitable[T]) -> RawResult[T]:
    with capture_raw_responses() as sink:
        parsed = await awaitable
    return RawResult(parsed=parsed, responses=tuple(sink))


def _raw_method(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` returning a ``RawResult`` (coroutines) or a ``RawIterator`` (iterators)."""
    if inspect.iscoroutinefunction(fn):

        def call(*args: Any, **kwargs: Any) -> Awaitable[RawResult[Any]]:
            return _collect(fn(*args, **kwargs))

        return call
    if inspect.isasyncgenfunction(fn):
        return lambda *args, **kwargs: RawIterator(fn(*args, **kwargs))

    def other(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if isinstance(result, AsyncIterator):
            return RawIterator(result)
        if inspect.isawaitable(result):
            return _collect(result)
        raise TypeError(
            f"{name} returned {type(result).__name__}, not an awaitable or an async iterator: "
            "with_raw_response wraps methods that send requests"
        )

    return other


class RawGroup:
    """An endpoint group whose methods return ``RawResult`` / ``RawIterator``."""

    def __init__(self, group: EndpointGroup, name: str) -> None:
        self._group = group
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        target = getattr(self._group, attr)
        name = f"{self._name}.{attr}"
        if isinstance(target, EndpointGroup):
            return RawGroup(target, name)
        if not callable(target):
            raise TypeError(f"{name} is not a method: with_raw_response wraps methods only")
        return _raw_method(name, target)

    def __repr__(self) -> str:
        return f"<RawGroup {self._name}>"


class WithRawResponse:
    """``client.with_raw_response``: the client's groups and ``request``, returning raw results.

    ``client.with_raw_response.<group>.<method>(...)`` takes the method's arguments and returns
    ``RawResult`` (awaited) or ``RawIterator`` (``iter_*`` helpers); any group added to the
    client later works the same way. ``call(method, *args, **kwargs)`` is the typed form.

    Example::

        raw = await client.with_raw_response.work_items.get_details("space", "story", ids)
        items = raw.parsed
        print(raw.status, raw.log_id, raw.attempts, len(raw.responses))
    """

    def __init__(self, client: MeegleClient) -> None:
        self._client = client

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        target = getattr(self._client, attr)
        if isinstance(target, EndpointGroup):
            return RawGroup(target, attr)
        if attr == "request":
            return _raw_method(attr, target)
        raise AttributeError(
            f"with_raw_response has no {attr!r}: use an endpoint group (work_items, tasks, ...) "
            "or request"
        )

    async def call(
        self, method: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> RawResult[T]:
        """``await method(*args, **kwargs)`` with the answers of the requests it made.

        Example::

            raw = await client.with_raw_response.call(
                client.work_items.get_details, "space", "story", [101]
            )
            raw.parsed[0].name, raw.log_id
        """
        return await _collect(method(*args, **kwargs))

    def __repr__(self) -> str:
        return f"<WithRawResponse of {self._client!r}>"
