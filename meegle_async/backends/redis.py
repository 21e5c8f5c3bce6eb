"""Rate limits and the token cache on Redis: one budget and one token for a fleet of processes.

Every process that names the same Redis (and key prefix) keeps, together, the contract of
``meegle_async.transport.limits``: never more than N requests of one (token, endpoint) in any
1-second window as the server counts them (and M in any minute where the platform caps the
minute), with no wait while there is room. Needs
the ``meegle-async[redis]`` extra (``redis.asyncio``).

Example::

    from meegle_async import MeegleClient

    client = MeegleClient(plugin_id="...", plugin_secret="...", user_key="...",
                          shared_state="redis://127.0.0.1:6379/0")

How the limiter works (one Lua script per step, timed by the Redis server's ``TIME``, so the
workers' clocks never matter):

* **Reserve** (one ``EVALSHA`` per request). Each limiter key has a sorted set of permits whose
  score is the permit's *answer* time, or, while the request is in flight, its lease deadline
  (``permit_lease`` after its slot: a crashed worker cannot block a slot for longer). A permit
  counts from its grant until a window after its answer, so a request delayed in transit still
  counts. While fewer than N permits count, the script grants the slot *now* (a burst up to the
  limit goes out at once); otherwise it gives the moment the oldest answers leave the window,
  and the caller sleeps until then, nothing polling meanwhile. Endpoints with a minute cap are
  counted over 60 s the same way, in the same set. Only when the permits that block are in
  flight does the script say "ask again"; one coroutine per process and key asks, every
  ``0.5/N`` s (at most every 100 ms).
* **Confirm** (only when the slot lay in the future): a throttled answer seen by another process
  meanwhile paused the key, so the permit is given back and the caller waits out the pause.
* **Release** (one ``EVALSHA``): the permit's score becomes the answer time (Redis ``TIME``).
* **Pause**: a throttled answer's ``Retry-After`` is stored in Redis, so every process waits.

The token (``RedisTokenStore``) is one JSON value per token key, expiring with the token; one
process fetches it under a ``SET NX PX`` lock (``token_lock_ttl``, 10 s: a worker killed while
holding it holds nobody up for longer) while the others poll the lock every 50 ms and then read
the cache. Compare-and-delete (``discard``) is a Lua script, so a 10211 seen late never drops a
newer token.

Keys (``<key>`` is already a secret-free hash of the base URL, plugin id and token type, plus the
endpoint name; the braces keep one limiter's keys in one Redis Cluster slot)::

    <prefix>:limit:{<key>}:log      sorted set: permit id -> answer time (us) or lease deadline
    <prefix>:limit:{<key>}:state    hash: paused until (us, Redis clock)
    <prefix>:limit:{<key>}:fleet    sorted set: client id -> last seen (sizes the fallback share)
    <prefix>:token:{<key>}          the cached token (JSON), expiring with the token
    <prefix>:token:{<key>}:lock     the fetch lock

When Redis fails (``on_backend_error``):

* ``"fallback"`` (default): the process logs one warning and goes on with an in-process
  ``MemoryLimiterBackend`` at a conservative share of each rate: the rate divided by
  ``fallback_workers`` (or, when unset, by the number of processes seen on the key in the last
  30 s; 1 if Redis was never reached). It first waits one window, so its requests never share a
  second with requests granted through Redis. Tokens come from a copy kept in the process. Every
  ``probe_interval`` seconds one call tries Redis again; once it answers, each request takes both
  a Redis permit and a local one for a hand-over of ``probe_interval`` + 1 s, so that processes
  still on their share and processes back on Redis never add up to more than the limit.
* ``"raise"``: every operation a call depends on raises ``MeegleBackendError`` (no fallback).
  Recording an answer never raises: the permit's lease frees its slot.

No ``redis`` exception leaves this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from ..client import SharedState
from ..errors import MeegleValidationError
from ..transport.auth import Secret, StoredToken
from ..transport.limits import (
    MINUTE_WINDOW,
    MemoryLimiterBackend,
    Permit,
    RateSource,
    current_rate,
)

__all__ = [
    "DEFAULT_KEY_PREFIX",
    "RedisLimiterBackend",
    "RedisTokenStore",
    "redis_shared_state",
    "shared_state_from_url",
]

from ._redis_core import (
    _ERRORS,
    DEFAULT_KEY_PREFIX,
    DEFAULT_PERMIT_LEASE,
    DEFAULT_PROBE_INTERVAL,
    DEFAULT_SOCKET_TIMEOUT,
    DEFAULT_TOKEN_LOCK_TTL,
    BackendErrorMode,
    _as_int,
    _Calls,
    _check_mode,
    _check_positive,
    _check_prefix,
    _Grant,
    _Health,
    _jittered,
    _Keys,
    _StateLost,
)
from ._redis_scripts import (
    _CONFIRM,
    _DISCARD,
    _FLEET_WINDOW,
    _PAUSE,
    _RELEASE,
    _RESERVE,
    _UNLOCK,
    _US,
    _WINDOW,
)


class RedisLimiterBackend:
    """Rate limits shared through Redis by every process that uses the same key prefix.

    A ``LimiterBackend``; see the module docstring for the scripts and the fallback.

    Args:
        redis: a ``redis.asyncio.Redis`` client. Give it short socket timeouts (a few seconds):
            a call waits for Redis that long before falling back.
        key_prefix: prefix of every key (``"meegle"``); processes share limits only with the
            same prefix.
        on_backend_error: ``"fallback"`` (in-process limiter at a share, one warning) or
            ``"raise"`` (``MeegleBackendError``).
        fallback_workers: divide each rate by this while Redis is down; ``None`` uses the number
            of processes seen on the key in the last 30 s (1 if none was seen).
        permit_lease: seconds after its slot an unanswered permit is presumed answered, so a
            worker killed mid-request frees its slots after that long (15).
        probe_interval: seconds between attempts to reach Redis while it is down (1).
        owns_client: close ``redis`` in ``aclose`` (set for clients made from a URL).

    Raises:
        MeegleValidationError: an option is out of range.

    Example::

        from redis.asyncio import Redis
        from meegle_async.backends.redis import RedisLimiterBackend

        limiter = RedisLimiterBackend(Redis(host="redis", socket_timeout=2), key_prefix="sync")
    """

    def __init__(
        self,
        redis: Redis,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        on_backend_error: BackendErrorMode = "fallback",
        fallback_workers: int | None = None,
        permit_lease: float = DEFAULT_PERMIT_LEASE,
        probe_interval: float = DEFAULT_PROBE_INTERVAL,
        owns_client: bool = False,
    ) -> None:
        mode = _check_mode(on_backend_error)
        self._prefix = _check_prefix(key_prefix)
        if fallback_workers is not None and (
            isinstance(fallback_workers, bool)
            or not isinstance(fallback_workers, int)
            or fallback_workers < 1
        ):
            raise MeegleValidationError(
                f"fallback_workers must be an integer >= 1 or None, not {fallback_workers!r}"
            )
        self._redis = redis
        self._fallback_workers = fallback_workers
        self._lease = _check_positive(permit_lease, "permit_lease")
        self._health = _Health(redis, mode, _check_positive(probe_interval, "probe_interval"))
        self._owns_client = owns_client
        self._client_id = uuid.uuid4().hex
        self._fallback = MemoryLimiterBackend()
        self._locks: dict[str, asyncio.Lock] = {}
        self._fleet_seen = 0
        self._calls = _Calls()
        self._reserve = redis.register_script(_RESERVE)
        self._confirm = redis.register_script(_CONFIRM)
        self._release = redis.register_script(_RELEASE)
        self._pause = redis.register_script(_PAUSE)
        self._ttl_ms = int((self._lease + _WINDOW + 60.0) * 1000)

    @property
    def healthy(self) -> bool:
        """Whether Redis answered the last time it was asked."""
        return self._health.healthy

    def fallback_rate(self, rate: float) -> float:
        """The rate this process allows itself while Redis is down: ``rate`` divided by the
        expected number of processes."""
        workers = self._fallback_workers or max(1, self._fleet_seen)
        return rate / workers

    def _share(self, rate: RateSource) -> RateSource:
        return lambda: self.fallback_rate(current_rate(rate))

    def _keys(self, key: str) -> _Keys:
        base = f"{self._prefix}:limit:{{{key}}}"
        return _Keys(log=f"{base}:log", state=f"{base}:state", fleet=f"{base}:fleet")

    async def acquire(self, key: str, rate: RateSource, *, per_minute: int | None = None) -> Permit:
        """Wait for a slot that keeps the fleet's contract at ``rate`` (and ``per_minute``, when
        the endpoint has a minute cap), then grant it. A slot free now is granted at once.

        ``rate`` is read again at every attempt: adaptive limits may lower it while we wait.

        Raises:
            MeegleBackendError: Redis failed and ``on_backend_error="raise"``.
        """
        current_rate(rate)  # refuse a bad rate before waiting
        if per_minute is not None and (
            isinstance(per_minute, bool) or not isinstance(per_minute, int) or per_minute < 1
        ):
            raise ValueError(f"per_minute must be an integer >= 1, got {per_minute!r}")
        share = self._share(rate)
        minute_share = self._minute_share(per_minute)
        started = time.monotonic()
        health = self._health
        local: Permit | None = None
        if not health.use_redis():
            local = await self._local_acquire(key, share, minute_share)
            # Redis may have come back while we queued: then the fleet must count this one too.
            if not health.use_redis():
                return self._local_permit(key, started, local)
        elif not health.healthy or health.in_handover():
            # Other processes may still be on their share: keep to ours as well.
            local = await self._local_share(key, share, minute_share)
        try:
            permit = await self._acquire_redis(key, rate, per_minute, started, local)
        except _ERRORS as exc:
            await health.failed(exc, "granting a request")
            if local is None:
                local = await self._local_acquire(key, share, minute_share)
            return self._local_permit(key, started, local)
        except BaseException:
            if local is not None:
                await self._fallback.release(local)
            raise
        health.succeeded()
        return permit

    def _minute_share(self, per_minute: int | None) -> int | None:
        if per_minute is None:
            return None
        workers = self._fallback_workers or max(1, self._fleet_seen)
        return max(1, per_minute // workers)

    async def _local_share(self, key: str, share: RateSource, per_minute: int | None) -> Permit:
        if per_minute is None:
            return await self._fallback.acquire(key, share)
        return await self._fallback.acquire(key, share, per_minute=per_minute)

    async def _local_acquire(self, key: str, share: RateSource, per_minute: int | None) -> Permit:
        # Requests granted through Redis just before it failed must not share a window with ours.
        quiet = self._health.failed_at + _WINDOW - time.monotonic()
        if quiet > 0:
            await asyncio.sleep(quiet)
        return await self._local_share(key, share, per_minute)

    @staticmethod
    def _local_permit(key: str, started: float, local: Permit) -> Permit:
        return Permit(
            key=key,
            waited=local.granted_at - started,
            granted_at=local.granted_at,
            backend_token=_Grant(keys=None, permit_id=None, local=local),
        )

    async def _acquire_redis(
        self,
        key: str,
        rate: RateSource,
        per_minute: int | None,
        started: float,
        local: Permit | None,
    ) -> Permit:
        keys = self._keys(key)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        args: list[str | int] = [
            "",
            "",
            int(_WINDOW * _US),
            int(self._lease * _US),
            self._ttl_ms,
            self._client_id,
            int(_FLEET_WINDOW * _US),
            per_minute or 0,
            int(MINUTE_WINDOW * _US),
        ]
        while True:
            permit_id = uuid.uuid4().hex
            args[0] = permit_id
            # One coroutine per process and key talks to Redis; the others queue here.
            async with lock:
                while True:
                    qps = current_rate(rate)
                    args[1] = repr(qps)
                    reply = await self._calls.run(
                        self._reserve(keys=[keys.log, keys.state, keys.fleet], args=args),
                        self._orphan(keys, permit_id),
                    )
                    status, wait_us, fleet = (_as_int(v) for v in reply)
                    self._fleet_seen = fleet
                    if status == 1:
                        break
                    if wait_us < 0:
                        await asyncio.sleep(_jittered(min(0.1, max(0.005, 0.5 / qps))))
                    else:
                        await asyncio.sleep(_jittered(wait_us / _US))
            if wait_us > 0:
                try:
                    await asyncio.sleep(wait_us / _US)
                except asyncio.CancelledError:
                    self._forget(keys, permit_id)
                    raise
                # A throttled answer elsewhere may have paused the key while we slept.
                paused_us = _as_int(
                    await self._calls.run(
                        self._confirm(keys=[keys.log, keys.state], args=[permit_id]),
                        self._orphan(keys, permit_id),
                    )
                )
                if paused_us < 0:
                    raise _StateLost("Redis lost the limiter state (restarted?)")
                if paused_us > 0:
                    await asyncio.sleep(_jittered(paused_us / _US))
                    continue
            granted = time.monotonic()
            return Permit(
                key=key,
                waited=granted - started,
                granted_at=granted,
                backend_token=_Grant(keys=keys, permit_id=permit_id, local=local),
            )

    def _orphan(self, keys: _Keys, permit_id: str) -> Callable[[Any], Awaitable[None]]:
        """Gives back the permit a cancelled caller's command reserved after all."""

        async def give_back(_: Any) -> None:
            await self._redis.zrem(keys.log, permit_id)

        return give_back

    def _forget(self, keys: _Keys, permit_id: str) -> None:
        """Give back a slot whose request will never be sent (the caller was cancelled)."""
        self._calls.track(
            asyncio.ensure_future(self._calls._quietly(self._redis.zrem(keys.log, permit_id)))
        )

    async def release(self, permit: Permit) -> None:
        """Record the answer time (Redis ``TIME``). Never raises: a lost release only keeps the
        slot until the permit's lease runs out."""
        permit.mark_answered(time.monotonic())
        grant = permit.backend_token
        if not isinstance(grant, _Grant):
            return
        if grant.local is not None:
            await self._fallback.release(grant.local)
        if grant.keys is None or grant.permit_id is None or not self._health.healthy:
            return
        try:
            await self._calls.run(self._release(keys=[grant.keys.log], args=[grant.permit_id]))
        except _ERRORS as exc:
            await self._health.failed(exc, "recording an answer", may_raise=False)

    async def pause(self, key: str, seconds: float) -> None:
        """Pause ``key`` for every process for ``seconds`` (extends, never shortens).

        Raises:
            MeegleBackendError: Redis failed and ``on_backend_error="raise"``.
        """
        seconds = max(0.0, seconds)
        await self._fallback.pause(key, seconds)
        if not self._health.use_redis():
            return
        keys = self._keys(key)
        try:
            await self._calls.run(
                self._pause(keys=[keys.state], args=[int(seconds * _US), self._ttl_ms])
            )
        except _ERRORS as exc:
            await self._health.failed(exc, "storing a pause")
        else:
            self._health.succeeded()

    async def aclose(self) -> None:
        """Close the Redis client if this backend made it (a URL); a given client is left open."""
        await self._calls.drain()
        if self._owns_client:
            with contextlib.suppress(*_ERRORS):
                await self._redis.aclose()


def _encode_token(token: StoredToken) -> str:
    def finite(value: float) -> float | None:
        return value if math.isfinite(value) else None

    return json.dumps(
        {
            "value": token.value.get(),
            "expires_at": finite(token.expires_at),
            "refresh_token": token.refresh_token.get() if token.refresh_token else None,
            "refresh_expires_at": finite(token.refresh_expires_at),
        }
    )


def _decode_token(raw: bytes | str | None) -> StoredToken | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        value = data["value"]
        if not isinstance(value, str) or not value:
            return None
        refresh = data.get("refresh_token")
        expires = data.get("expires_at")
        refresh_expires = data.get("refresh_expires_at")
        return StoredToken(
            value=Secret(value),
            expires_at=float(expires) if expires is not None else math.inf,
            refresh_token=Secret(refresh) if isinstance(refresh, str) and refresh else None,
            refresh_expires_at=float(refresh_expires) if refresh_expires is not None else math.inf,
        )
    except (ValueError, TypeError, KeyError):
        # Not ours or corrupt: as good as missing, a new token will be fetched over it.
        return None


async def _nothing() -> None:
    return None


class RedisTokenStore:
    """Tokens cached in Redis: one token for every process, fetched by one of them at a time.

    A ``TokenStore``. The stored token expires in Redis when the token does. A copy is kept in
    the process, so a Redis outage needs no new token.

    Args:
        redis: a ``redis.asyncio.Redis`` client (short socket timeouts, see
            ``RedisLimiterBackend``).
        key_prefix: prefix of every key (``"meegle"``).
        on_backend_error: ``"fallback"`` (the in-process copy and an in-process lock) or
            ``"raise"`` (``MeegleBackendError``).
        lock_ttl: seconds the fetch lock lives if its holder dies holding it (10).
        lock_poll: seconds between attempts to take the lock while another process holds it.
        probe_interval: seconds between attempts to reach Redis while it is down (1).

    Raises:
        MeegleValidationError: an option is out of range.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        on_backend_error: BackendErrorMode = "fallback",
        lock_ttl: float = DEFAULT_TOKEN_LOCK_TTL,
        lock_poll: float = 0.05,
        probe_interval: float = DEFAULT_PROBE_INTERVAL,
    ) -> None:
        mode = _check_mode(on_backend_error)
        self._prefix = _check_prefix(key_prefix)
        self._redis = redis
        self._lock_ttl_ms = max(1, int(_check_positive(lock_ttl, "lock_ttl") * 1000))
        self._lock_poll = _check_positive(lock_poll, "lock_poll")
        self._health = _Health(redis, mode, _check_positive(probe_interval, "probe_interval"))
        self._calls = _Calls()
        self._mirror: dict[str, StoredToken] = {}
        self._local_locks: dict[str, asyncio.Lock] = {}
        self._discard = redis.register_script(_DISCARD)
        self._unlock = redis.register_script(_UNLOCK)

    @property
    def healthy(self) -> bool:
        """Whether Redis answered the last time it was asked."""
        return self._health.healthy

    def token_key(self, key: str) -> str:
        """The Redis key the token of ``key`` is stored under."""
        return f"{self._prefix}:token:{{{key}}}"

    async def _call(self, doing: str, call: Awaitable[Any]) -> tuple[bool, Any]:
        try:
            result = await self._calls.run(call)
        except _ERRORS as exc:
            await self._health.failed(exc, doing)
            return False, None
        self._health.succeeded()
        return True, result

    async def load(self, key: str) -> StoredToken | None:
        """The cached token under ``key``: from Redis, or the process's copy while it is down.

        Raises:
            MeegleBackendError: Redis failed and ``on_backend_error="raise"``.
        """
        if self._health.use_redis():
            ok, raw = await self._call(
                "reading the cached token", self._redis.get(self.token_key(key))
            )
            if ok:
                token = _decode_token(cast("bytes | str | None", raw))
                if token is None:
                    self._mirror.pop(key, None)
                else:
                    self._mirror[key] = token
                return token
        return self._mirror.get(key)

    async def save(self, key: str, token: StoredToken) -> None:
        """Cache ``token`` under ``key`` until it expires.

        Raises:
            MeegleBackendError: Redis failed and ``on_backend_error="raise"``.
        """
        self._mirror[key] = token
        if not self._health.use_redis():
            return
        name = self.token_key(key)
        if math.isfinite(token.expires_at):
            ttl_ms = int((token.expires_at - time.time()) * 1000)
            if ttl_ms <= 0:
                await self._call("dropping an expired token", self._redis.delete(name))
                return
            await self._call(
                "caching the token", self._redis.set(name, _encode_token(token), px=ttl_ms)
            )
        else:
            await self._call("caching the token", self._redis.set(name, _encode_token(token)))

    async def discard(self, key: str, value: str) -> None:
        """Drop the cached token under ``key`` if it is still ``value`` (compare-and-delete).

        Raises:
            MeegleBackendError: Redis failed and ``on_backend_error="raise"``.
        """
        current = self._mirror.get(key)
        if current is not None and current.value.get() == value:
            del self._mirror[key]
        if self._health.use_redis():
            await self._call(
                "dropping a refused token",
                self._discard(keys=[self.token_key(key)], args=[value]),
            )

    @contextlib.asynccontextmanager
    async def fetch_lock(self, key: str) -> AsyncIterator[None]:
        """Held by the one process (and coroutine) fetching the token for ``key``.

        Raises:
            MeegleBackendError: Redis failed and ``on_backend_error="raise"``.
        """
        local = self._local_locks.get(key)
        if local is None:
            local = self._local_locks[key] = asyncio.Lock()
        async with local:
            name = f"{self.token_key(key)}:lock"
            owner: str | None = None
            if self._health.use_redis():
                try:
                    owner = await self._take_lock(name)
                except _ERRORS as exc:
                    await self._health.failed(exc, "taking the token lock")
                else:
                    self._health.succeeded()
            try:
                yield
            finally:
                if owner is not None:
                    # If this fails the lock expires by itself after lock_ttl.
                    with contextlib.suppress(*_ERRORS):
                        await self._calls.run(self._unlock(keys=[name], args=[owner]))

    async def _take_lock(self, name: str) -> str:
        owner = uuid.uuid4().hex
        while True:
            taken = await self._calls.run(
                self._redis.set(name, owner, nx=True, px=self._lock_ttl_ms),
                lambda ok: self._unlock(keys=[name], args=[owner]) if ok else _nothing(),
            )
            if taken:
                return owner
            await asyncio.sleep(_jittered(self._lock_poll))


def redis_shared_state(
    redis: Redis,
    *,
    key_prefix: str = DEFAULT_KEY_PREFIX,
    on_backend_error: str = "fallback",
    fallback_workers: int | None = None,
    permit_lease: float = DEFAULT_PERMIT_LEASE,
    token_lock_ttl: float = DEFAULT_TOKEN_LOCK_TTL,
    probe_interval: float = DEFAULT_PROBE_INTERVAL,
    owns_client: bool = False,
) -> SharedState:
    """A ``SharedState`` on a Redis client you made: limits and tokens for every process.

    The limiter and the token store share one view of Redis's health, so an outage logs one
    warning. Arguments as for ``RedisLimiterBackend`` and ``RedisTokenStore``.

    Returns:
        A ``SharedState`` to pass as ``MeegleClient(shared_state=...)``; share it between
        clients of one process too.

    Raises:
        MeegleValidationError: an option is out of range.

    Example::

        from redis.asyncio import Redis
        from meegle_async import MeegleClient
        from meegle_async.backends.redis import redis_shared_state

        state = redis_shared_state(Redis(host="redis", socket_timeout=2), key_prefix="sync")
        client = MeegleClient(plugin_id="...", plugin_secret="...", shared_state=state)
    """
    mode = _check_mode(on_backend_error)
    limiter = RedisLimiterBackend(
        redis,
        key_prefix=key_prefix,
        on_backend_error=mode,
        fallback_workers=fallback_workers,
        permit_lease=permit_lease,
        probe_interval=probe_interval,
        owns_client=owns_client,
    )
    store = RedisTokenStore(
        redis,
        key_prefix=key_prefix,
        on_backend_error=mode,
        lock_ttl=token_lock_ttl,
        probe_interval=probe_interval,
    )
    store._health = limiter._health
    store._calls = limiter._calls  # the limiter's aclose waits for the store's commands too
    return SharedState(limiter=limiter, token_store=store)


_BOOLEAN_OPTIONS = frozenset(
    {"socket_keepalive", "retry_on_timeout", "ssl_check_hostname", "legacy_responses"}
)
_TRUE = frozenset({"1", "true", "yes", "on", "y"})
_FALSE = frozenset({"0", "false", "no", "off", "n", ""})
_CERT_REQS = frozenset({"none", "optional", "required"})


def _check_url(url: object) -> str:
    """Refuse what ``redis-py`` would accept now and fail on (or misread) at the first call."""
    if not isinstance(url, str):
        raise MeegleValidationError(f"the Redis URL must be a string, not {type(url).__name__}")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    where = f"{scheme}://{parts.hostname or ''}" if scheme != "unix" else "unix://..."
    if scheme not in ("redis", "rediss", "unix"):
        raise MeegleValidationError(
            f"the Redis URL must start with redis://, rediss:// or unix://, not {scheme or '?'}://"
        )
    if scheme != "unix":
        db = parts.path.lstrip("/")
        if db and not db.isdigit():
            raise MeegleValidationError(
                f"the Redis URL {where}/... names database {db!r}: it must be a number >= 0, "
                "as in redis://host:6379/0"
            )
        try:
            parts.port  # noqa: B018  (raises on a port that is not a number)
        except ValueError:
            raise MeegleValidationError(
                f"the Redis URL {where}:... has a port that is not a number"
            ) from None
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        lowered = value.strip().lower()
        if name == "ssl_cert_reqs" and value not in _CERT_REQS:
            raise MeegleValidationError(
                f"the Redis URL has ssl_cert_reqs={value!r}: use none, optional or required"
            )
        if name in _BOOLEAN_OPTIONS and lowered not in _TRUE | _FALSE:
            raise MeegleValidationError(f"the Redis URL has {name}={value!r}: use true or false")
        if name == "db" and not value.strip().isdigit():
            raise MeegleValidationError(f"the Redis URL has db={value!r}: it must be a number >= 0")
    return url


def shared_state_from_url(
    url: str,
    *,
    on_backend_error: str = "fallback",
    key_prefix: str = DEFAULT_KEY_PREFIX,
    fallback_workers: int | None = None,
    permit_lease: float = DEFAULT_PERMIT_LEASE,
    token_lock_ttl: float = DEFAULT_TOKEN_LOCK_TTL,
    probe_interval: float = DEFAULT_PROBE_INTERVAL,
    socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
) -> SharedState:
    """A ``SharedState`` on the Redis at ``url`` (``redis://``, ``rediss://`` or ``unix://``).

    Nothing connects until the first call. The client gets ``socket_timeout`` for connecting and
    for each command (options in the URL's query win). A command that fails on a broken
    connection is retried once, at once, on a new one (a restarted Redis); beyond that a failure
    falls back (or raises) at once. ``MeegleClient(shared_state=url)`` calls this with the
    defaults.

    Returns:
        A ``SharedState`` whose limiter closes the Redis client with the ``MeegleClient``.

    Raises:
        MeegleValidationError: the URL or an option is invalid.

    Example::

        from meegle_async import MeegleClient
        from meegle_async.backends.redis import shared_state_from_url

        state = shared_state_from_url("redis://redis:6379/0", key_prefix="sync",
                                      fallback_workers=8)
        client = MeegleClient(plugin_id="...", plugin_secret="...", shared_state=state)
    """
    mode = _check_mode(on_backend_error)
    timeout = _check_positive(socket_timeout, "socket_timeout")
    _check_url(url)
    try:
        client = Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            # One immediate retry on a fresh connection: a pooled connection to a Redis that
            # restarted fails once although the server is back.
            retry=Retry(NoBackoff(), 1),
        )
    except (ValueError, TypeError) as exc:
        raise MeegleValidationError(
            f"shared_state is not a valid Redis URL ({exc}); "
            "use redis://host:6379/0, rediss://... or unix:///path/to/redis.sock"
        ) from None
    return redis_shared_state(
        client,
        key_prefix=key_prefix,
        on_backend_error=mode,
        fallback_workers=fallback_workers,
        permit_lease=permit_lease,
        token_lock_ttl=token_lock_ttl,
        probe_interval=probe_interval,
        owns_client=True,
    )
