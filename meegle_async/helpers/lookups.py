"""A cache for space look-ups (teams, business lines, flow roles, templates, type settings).

Exports and field builders resolve the same few ids over and over: which team is 123, which
role is ``rd``. ``LookupCache`` keeps each answer ``ttl`` seconds under a key naming the look-up
and its arguments; the first callers of a key share one fetch (single flight), a failed fetch
is not kept, and ``invalidate`` forgets a space's entries (or all). ``lookup_cache_for(owner)``
gives the one cache of a client's transport, so a client and its ``with_options`` copies share
it, like ``FieldMetadataCache`` (``helpers/field_builder.py``).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from .._text import shown
from ..errors import MeegleValidationError

__all__ = ["DEFAULT_LOOKUP_TTL", "LookupCache", "lookup_cache_for"]

#: Seconds a look-up answer is reused by default (space settings change rarely).
DEFAULT_LOOKUP_TTL = 600.0

T = TypeVar("T")
_Key = tuple[Hashable, ...]


class LookupCache:
    """Look-up answers by key (``("teams", "space")``), kept ``ttl`` seconds, one fetch per key
    at a time.

    A key's first element names the look-up and its second the space, so ``invalidate("space")``
    forgets everything of one space. ``ttl=None`` keeps entries until ``invalidate``; ``0``
    fetches on every use, sharing only concurrent fetches.

    Args:
        ttl: seconds an entry is reused (600).
        clock: a monotonic clock in seconds (``time.monotonic``); tests pass their own.

    Example::

        client.teams.lookups.ttl = 60
        client.teams.lookups.invalidate("space")
    """

    def __init__(
        self,
        *,
        ttl: float | None = DEFAULT_LOOKUP_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl is not None and (isinstance(ttl, bool) or not ttl >= 0):
            raise MeegleValidationError(f"ttl must be a number of seconds >= 0, not {shown(ttl)}")
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[_Key, tuple[float, Any]] = {}
        self._loading: dict[_Key, tuple[int, asyncio.Future[Any]]] = {}
        self._generation: dict[_Key, int] = {}

    def __repr__(self) -> str:
        return f"<LookupCache ttl={self.ttl} entries={len(self._entries)}>"

    def __len__(self) -> int:
        return len(self._entries)

    def _fresh(self, key: _Key) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        fetched_at, value = entry
        if self.ttl is not None and self.clock() - fetched_at >= self.ttl:
            return False, None
        return True, value

    async def get(self, key: _Key, load: Callable[[], Awaitable[T]]) -> T:
        """The fresh answer for ``key``, or ``await load()`` (once for concurrent callers)."""
        found, value = self._fresh(key)
        if found:
            return value  # type: ignore[no-any-return]
        generation = self._generation.get(key, 0)
        pending = self._loading.get(key)
        if pending is None or pending[0] != generation:
            future: asyncio.Future[Any] = asyncio.ensure_future(self._load(key, generation, load))
            # A fetch whose callers were all cancelled still ends; its error is not "lost".
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
            pending = (generation, future)
            self._loading[key] = pending
        # shield: one caller cancelled must not cancel the fetch the others wait for.
        return await asyncio.shield(pending[1])

    async def _load(self, key: _Key, generation: int, load: Callable[[], Awaitable[T]]) -> T:
        try:
            value = await load()
        finally:
            pending = self._loading.get(key)
            if pending is not None and pending[0] == generation:
                del self._loading[key]
        # An invalidate() during the fetch makes this answer stale: hand it to those who asked
        # before, keep it for no one after.
        if self._generation.get(key, 0) == generation:
            self._entries[key] = (self.clock(), value)
        return value

    def invalidate(self, project_key: str | None = None) -> None:
        """Forget the entries of one space (its project key as the look-up was called), or all."""
        for key in {*self._entries, *self._loading}:
            if project_key is None or (len(key) > 1 and key[1] == project_key):
                self._entries.pop(key, None)
                self._generation[key] = self._generation.get(key, 0) + 1


_CACHES: weakref.WeakKeyDictionary[object, LookupCache] = weakref.WeakKeyDictionary()


def lookup_cache_for(owner: object) -> LookupCache:
    """The ``LookupCache`` of ``owner`` (a client's transport), made on first use."""
    cache = _CACHES.get(owner)
    if cache is None:
        cache = _CACHES[owner] = LookupCache()
    return cache
