"""Tokens: where they come from, where they are cached, and when they are renewed.

Three providers, one per way in (API.md):

* ``PluginTokenProvider``: fetches a plugin token (``type`` 0) or a virtual plugin token
  (``type`` 1) from ``plugin_id``/``plugin_secret``; single flight (one request however many
  coroutines need it at once), cached in a ``TokenStore``, renewed ``renew_before`` seconds
  (3 minutes) before ``expire_time``.
* ``StaticTokenProvider``: a plugin token the caller already holds; it cannot be renewed.
* ``UserTokenProvider``: acts as a user; renewed through ``/open_api/authen/refresh_token`` when a
  ``refresh_token`` (and plugin credentials for the call's ``X-Plugin-Token``) are given.

``TokenStore`` is the seam for shared state: the in-memory store is the default; a Redis store
shares one token between processes. Expiry times are wall-clock (``time.time``) so that processes
on different machines agree on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from ..errors import MeegleAuthenticationError, MeegleValidationError

__all__ = [
    "DEFAULT_TOKEN_INVALID_CODES",
    "MemoryTokenStore",
    "PluginTokenProvider",
    "Secret",
    "StaticTokenProvider",
    "StoredToken",
    "TokenFetcher",
    "TokenProvider",
    "TokenStore",
    "UserTokenProvider",
]

#: err_codes that mean "this token is no longer good": the token is dropped, renewed once and
#: the call replayed. 10022 is reported by a community client as "plugin token expired".
DEFAULT_TOKEN_INVALID_CODES: frozenset[int] = frozenset({10211, 10022})
#: Renew this many seconds before ``expire_time``, like the official SDKs.
DEFAULT_RENEW_BEFORE = 180.0


class Secret:
    """A string that never shows itself in a repr, a log line or an exception message."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("a secret must be a non-empty string")
        self._value = value

    def get(self) -> str:
        """The secret value; pass it only to the place that needs it."""
        return self._value

    def fingerprint(self) -> str:
        """A short one-way digest: tells two secrets apart without revealing either."""
        return hashlib.sha256(self._value.encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@attrs.frozen(kw_only=True)
class StoredToken:
    """A token and its wall-clock expiry (``time.time()`` seconds; ``inf`` when unknown)."""

    value: Secret
    expires_at: float = float("inf")
    refresh_token: Secret | None = None
    refresh_expires_at: float = float("inf")

    def fresh(self, now: float, renew_before: float) -> bool:
        """Whether the token may still be used, ``renew_before`` seconds ahead of its expiry."""
        return now < self.expires_at - renew_before


@runtime_checkable
class TokenStore(Protocol):
    """Where tokens are cached, keyed by a name that carries no secret."""

    async def load(self, key: str) -> StoredToken | None:
        """The cached token under ``key``, if any."""
        ...

    async def save(self, key: str, token: StoredToken) -> None:
        """Cache ``token`` under ``key`` (until it expires)."""
        ...

    async def discard(self, key: str, value: str) -> None:
        """Drop the cached token under ``key`` if it is still ``value`` (not a newer one)."""
        ...

    def fetch_lock(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Held by whoever fetches the token for ``key``; the others wait, then read the cache."""
        ...


class MemoryTokenStore:
    """The default store: tokens cached in this process, shared by every client copy."""

    def __init__(self) -> None:
        self._tokens: dict[str, StoredToken] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def load(self, key: str) -> StoredToken | None:
        """The cached token under ``key``, if any."""
        return self._tokens.get(key)

    async def save(self, key: str, token: StoredToken) -> None:
        """Cache ``token`` under ``key``."""
        self._tokens[key] = token

    async def discard(self, key: str, value: str) -> None:
        """Drop the cached token if it is still ``value``."""
        current = self._tokens.get(key)
        if current is not None and current.value.get() == value:
            del self._tokens[key]

    @contextlib.asynccontextmanager
    async def fetch_lock(self, key: str) -> AsyncIterator[None]:
        """An ``asyncio.Lock`` per key."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            yield

    def rebind(self) -> None:
        """Forget the locks (bound to an event loop that has ended); the tokens stay cached."""
        self._locks.clear()


#: ``await fetch(path, body, headers)`` posts to a token endpoint and returns its ``data``,
#: raising ``MeegleAuthenticationError`` for a refusal. The transport provides it.
TokenFetcher = Callable[[str, Mapping[str, Any], Mapping[str, str]], Awaitable[Mapping[str, Any]]]


class TokenProvider(Protocol):
    """What the transport needs from a way of authenticating."""

    #: Stable, secret-free identity of the token: the key of its rate limits.
    identity: str
    #: Whether requests carry ``X-User-Key`` (plugin tokens) or not (user tokens).
    uses_user_key: bool

    async def token(self) -> str:
        """A token that is good now (fetched or renewed if needed)."""
        ...

    async def invalidate(self, value: str) -> bool:
        """The server refused ``value``: drop it. Returns whether a new token can be had."""
        ...


def _server_token(value: object, endpoint: str) -> str:
    """A token the server returned: refused when it could not be sent back in a header."""
    if not isinstance(value, str) or not value:
        raise MeegleAuthenticationError(
            f"the {endpoint} endpoint answered without a token", endpoint=endpoint
        )
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise MeegleValidationError(
            f"the {endpoint} endpoint returned a token with control characters (CR, LF, NUL, "
            "...): it cannot be sent in a header, so it was not used"
        )
    return value


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def _expires_at(data: Mapping[str, Any], now: float, name: str = "expire_time") -> float:
    raw = data.get(name)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw > 0:
        return now + float(raw)
    return float("inf")


class PluginTokenProvider:
    """Fetches, caches and renews a plugin token from the plugin's id and secret.

    Args:
        plugin_id: the plugin's id (developer platform, plugin page).
        plugin_secret: the plugin's secret.
        base_url: part of the cache key, so two tenants never share a token.
        fetch: the transport's token fetcher.
        store: where the token is cached (shared between client copies and, with Redis, processes).
        virtual: ask for a virtual plugin token (``type: 1``, development only).
        initial_token: a token the caller already holds, used until the server refuses it.
        renew_before: renew this many seconds before expiry.
        clock: wall clock in seconds; tests pass a controlled one.
    """

    uses_user_key = True

    def __init__(
        self,
        *,
        plugin_id: str,
        plugin_secret: Secret,
        base_url: str,
        fetch: TokenFetcher,
        store: TokenStore,
        virtual: bool = False,
        renew_before: float = DEFAULT_RENEW_BEFORE,
        clock: Callable[[], float] = time.time,
        initial_token: Secret | None = None,
    ) -> None:
        self._plugin_id = plugin_id
        self._initial = initial_token
        self._secret = plugin_secret
        self._fetch = fetch
        self._store = store
        self._type = 1 if virtual else 0
        self._renew_before = renew_before
        self._clock = clock
        self.identity = f"plugin-{_digest(base_url, plugin_id, str(self._type))}"
        self.store_key = self.identity
        self.fetches = 0
        self._last: str | None = None

    def secret_values(self) -> list[str]:
        """What errors must never show: the plugin secret and the tokens this provider knows."""
        values = [self._secret.get()]
        values += [t for t in (self._last,) if t]
        if self._initial is not None:
            values.append(self._initial.get())
        return values

    async def token(self) -> str:
        """The cached token, or a new one when it is missing or about to expire."""
        cached = await self._store.load(self.store_key)
        if cached is not None and cached.fresh(self._clock(), self._renew_before):
            return cached.value.get()
        if cached is None and self._initial is not None:
            initial, self._initial = self._initial, None
            await self._store.save(self.store_key, StoredToken(value=initial))
            return initial.get()
        async with self._store.fetch_lock(self.store_key):
            # Whoever held the lock before us may have fetched it already.
            cached = await self._store.load(self.store_key)
            if cached is not None and cached.fresh(self._clock(), self._renew_before):
                return cached.value.get()
            return await self._fetch_new()

    async def _fetch_new(self) -> str:
        self.fetches += 1
        body = {
            "plugin_id": self._plugin_id,
            "plugin_secret": self._secret.get(),
            "type": self._type,
        }
        data = await self._fetch("/open_api/authen/plugin_token", body, {})
        value = _server_token(data.get("token"), "plugin_token")
        self._last = value
        stored = StoredToken(value=Secret(value), expires_at=_expires_at(data, self._clock()))
        await self._store.save(self.store_key, stored)
        return value

    async def invalidate(self, value: str) -> bool:
        """Drop ``value`` from the cache; a new one will be fetched."""
        await self._store.discard(self.store_key, value)
        return True


class StaticTokenProvider:
    """A plugin token the caller already holds. It cannot be renewed here."""

    uses_user_key = True

    def __init__(self, token: Secret) -> None:
        self._token = token
        self.identity = f"static-{token.fingerprint()}"

    def secret_values(self) -> list[str]:
        """What errors must never show: the token."""
        return [self._token.get()]

    async def token(self) -> str:
        """The caller's token."""
        return self._token.get()

    async def invalidate(self, value: str) -> bool:
        """Nothing to renew from: the caller must supply a new token."""
        return False


class UserTokenProvider:
    """Acts as a user with a user token; renews it through the refresh endpoint when it can.

    Renewal needs ``refresh_token`` and a plugin token for the refresh call's ``X-Plugin-Token``
    (from ``plugin`` — a provider built from the plugin id and secret).
    """

    uses_user_key = False

    def __init__(
        self,
        *,
        user_token: Secret,
        refresh_token: Secret | None,
        plugin: PluginTokenProvider | StaticTokenProvider | None,
        fetch: TokenFetcher,
        store: TokenStore,
        renew_before: float = DEFAULT_RENEW_BEFORE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._plugin = plugin
        self._store = store
        self._renew_before = renew_before
        self._clock = clock
        # The first token's identity names the user for the limiter and the cache, even after
        # refreshes change the token itself.
        self.identity = f"user-{user_token.fingerprint()}"
        self.store_key = self.identity
        self._initial = StoredToken(value=user_token, refresh_token=refresh_token)
        self._seeded = False
        self.refreshes = 0
        self._seen: list[str] = []

    def secret_values(self) -> list[str]:
        """What errors must never show: the user and refresh tokens, and the plugin's secrets."""
        values = [self._initial.value.get(), *self._seen[-4:]]
        if self._initial.refresh_token is not None:
            values.append(self._initial.refresh_token.get())
        known = getattr(self._plugin, "secret_values", None)
        if callable(known):
            values += known()
        return values

    @property
    def renewable(self) -> bool:
        """Whether a refresh token and plugin credentials are at hand."""
        return self._plugin is not None and self._initial.refresh_token is not None

    async def _current(self) -> StoredToken:
        if not self._seeded:
            self._seeded = True
            if await self._store.load(self.store_key) is None:
                await self._store.save(self.store_key, self._initial)
        cached = await self._store.load(self.store_key)
        return cached if cached is not None else self._initial

    async def token(self) -> str:
        """The user token, refreshed first if it is known to be about to expire."""
        current = await self._current()
        if current.fresh(self._clock(), self._renew_before) or not self.renewable:
            return current.value.get()
        return await self._refresh(current.value.get())

    async def _refresh(self, stale: str) -> str:
        async with self._store.fetch_lock(self.store_key):
            current = await self._current()
            if current.value.get() != stale and current.fresh(self._clock(), self._renew_before):
                return current.value.get()
            refresh = current.refresh_token or self._initial.refresh_token
            if refresh is None or self._plugin is None:
                raise MeegleAuthenticationError(
                    "the user token expired and cannot be renewed without refresh_token, "
                    "plugin_id and plugin_secret",
                    endpoint="refresh_token",
                )
            plugin_token = await self._plugin.token()
            self.refreshes += 1
            now = self._clock()
            body = {"refresh_token": refresh.get(), "type": 1}
            try:
                data = await self._fetch(
                    "/open_api/authen/refresh_token", body, {"X-Plugin-Token": plugin_token}
                )
            except MeegleAuthenticationError as error:
                # The plugin token itself may have expired: renew it once and try again.
                if error.code not in DEFAULT_TOKEN_INVALID_CODES:
                    raise
                if not await self._plugin.invalidate(plugin_token):
                    raise
                data = await self._fetch(
                    "/open_api/authen/refresh_token",
                    body,
                    {"X-Plugin-Token": await self._plugin.token()},
                )
            value = _server_token(data.get("token"), "refresh_token")
            self._seen.append(value)
            new_refresh = data.get("refresh_token")
            if isinstance(new_refresh, str) and new_refresh:
                self._seen.append(new_refresh)
            stored = StoredToken(
                value=Secret(value),
                expires_at=_expires_at(data, now),
                refresh_token=Secret(new_refresh)
                if isinstance(new_refresh, str) and new_refresh
                else refresh,
                refresh_expires_at=_expires_at(data, now, "refresh_token_expire_time"),
            )
            await self._store.save(self.store_key, stored)
            return value

    async def invalidate(self, value: str) -> bool:
        """The server refused ``value``: refresh now if possible."""
        if not self.renewable:
            return False
        await self._refresh(value)
        return True
