"""What the Redis limiter and token store share: checks, health and fallback, key names,
calls that survive cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal, cast

import attrs
from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..errors import MeegleBackendError, MeegleValidationError
from ..transport.limits import (
    Permit,
)
from ..transport.log import logger
from ._redis_scripts import _WINDOW

#: Prefix of every key this module writes.
DEFAULT_KEY_PREFIX = "meegle"
#: Seconds an unanswered permit counts as in flight before it is presumed answered.
DEFAULT_PERMIT_LEASE = 15.0
#: Seconds the token fetch lock lives if its holder never releases it (a killed worker).
DEFAULT_TOKEN_LOCK_TTL = 10.0
#: Seconds between attempts to reach Redis again after it failed.
DEFAULT_PROBE_INTERVAL = 1.0
#: Socket timeouts of a client made from a URL (seconds); a URL's own options win.
DEFAULT_SOCKET_TIMEOUT = 2.0

BackendErrorMode = Literal["fallback", "raise"]


class _StateLost(Exception):
    """Redis no longer has a permit it granted: it restarted and lost the limiter state."""


#: What counts as "the backend failed". ``CancelledError`` is not among them.
_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, asyncio.TimeoutError, _StateLost)


def _jittered(seconds: float) -> float:
    # Processes told the same wait must not all come back at the same instant.
    return max(0.0, seconds) * (1.0 + 0.1 * random.random()) + 0.001


def _check_mode(on_backend_error: str) -> BackendErrorMode:
    if on_backend_error not in ("fallback", "raise"):
        raise MeegleValidationError(
            f'on_backend_error must be "fallback" or "raise", not {on_backend_error!r}'
        )
    return cast(BackendErrorMode, on_backend_error)


def _check_prefix(key_prefix: str) -> str:
    if not isinstance(key_prefix, str) or not key_prefix.strip():
        raise MeegleValidationError("key_prefix must be a non-empty string, such as 'meegle'")
    if any(c in key_prefix for c in "{} \n\r\t"):
        raise MeegleValidationError(
            f"key_prefix must not contain braces or whitespace, not {key_prefix!r}"
        )
    return key_prefix


def _check_positive(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise MeegleValidationError(f"{name} must be a positive number, not {value!r}")
    return float(value)


def _describe(redis: Redis) -> str:
    """``redis at host:port/db`` without credentials, for log lines and error messages."""
    kwargs = getattr(getattr(redis, "connection_pool", None), "connection_kwargs", {}) or {}
    if kwargs.get("path"):
        return f"Redis at {kwargs['path']}"
    return f"Redis at {kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


class _Health:
    """Whether Redis answers, shared by the limiter and the token store of one shared state.

    One warning per outage, one info line when Redis is back; while it is down, Redis is tried
    again every ``probe_interval`` seconds.
    """

    def __init__(self, redis: Redis, mode: BackendErrorMode, probe_interval: float) -> None:
        self.redis = redis
        self.mode = mode
        self.description = _describe(redis)
        self.probe_interval = probe_interval
        self.healthy = True
        self.failed_at = -math.inf
        self.recovered_at = -math.inf
        self.next_probe = -math.inf
        self.outages = 0
        self.warned_at = -math.inf

    def use_redis(self) -> bool:
        """Whether to try Redis now: always when healthy, else once per ``probe_interval``."""
        if self.healthy:
            return True
        now = time.monotonic()
        if now >= self.next_probe:
            self.next_probe = now + self.probe_interval * (1.0 + 0.2 * random.random())
            return True
        return False

    async def failed(self, exc: BaseException, doing: str, *, may_raise: bool = True) -> None:
        """Record a failure: raise ``MeegleBackendError`` in ``raise`` mode, else fall back."""
        # Idle pooled connections to a server that went away would each fail once more later
        # (a restarted Redis closes them): drop them now, so recovery is not a string of outages.
        pool = getattr(self.redis, "connection_pool", None)
        if pool is not None:
            with contextlib.suppress(Exception):
                await pool.disconnect(inuse_connections=False)
        if self.mode == "raise":
            if may_raise:
                reason = str(exc).rstrip(". ") or "no detail"
                raise MeegleBackendError(
                    f"the shared-state backend ({self.description}) failed while {doing} "
                    f"({type(exc).__name__}: {reason}); on_backend_error='fallback' would go on "
                    "with an in-process limiter instead"
                ) from exc
            logger.debug("%s failed while %s: %s", self.description, doing, type(exc).__name__)
            return
        now = time.monotonic()
        self.next_probe = now + self.probe_interval * (1.0 + 0.2 * random.random())
        if not self.healthy:
            return
        self.healthy = False
        self.failed_at = now
        self.outages += 1
        # One warning per outage; a flapping Redis gets one a minute, the rest at info level.
        level = logging.WARNING if now - self.warned_at > 60.0 else logging.INFO
        if level == logging.WARNING:
            self.warned_at = now
        logger.log(
            level,
            "%s failed while %s (%s: %s); going on with in-process rate limits at a reduced "
            "share and a locally cached token until it answers again",
            self.description,
            doing,
            type(exc).__name__,
            exc,
        )

    def succeeded(self) -> None:
        """Record that Redis answered; after an outage, start the hand-over."""
        if self.healthy:
            return
        self.healthy = True
        self.recovered_at = time.monotonic()
        logger.info(
            "%s answers again; back on shared rate limits after a %.1fs hand-over",
            self.description,
            self.handover,
        )

    @property
    def handover(self) -> float:
        """Seconds after recovery during which requests also keep to the fallback share."""
        # Long enough that a process still on its share when we recovered has probed too (at
        # most 1.2 probe intervals later) and its last local-only request has left the window.
        return self.probe_interval * 1.2 + _WINDOW + 0.25

    def in_handover(self) -> bool:
        """Whether Redis came back so recently that other processes may still be on their share."""
        return time.monotonic() < self.recovered_at + self.handover


@attrs.frozen
class _Keys:
    log: str
    state: str
    fleet: str


@attrs.frozen
class _Grant:
    """What ``Permit.backend_token`` holds: the Redis permit and/or the local one."""

    keys: _Keys | None
    permit_id: str | None
    local: Permit | None


def _as_int(value: Any) -> int:
    if isinstance(value, bytes):
        value = value.decode()
    return int(value)


class _Calls:
    """Runs Redis commands so that cancelling the caller always cancels the caller.

    redis-py 8.1's asyncio client loses a good share of the cancellations that reach a task while
    it waits for a command (the task carries on as if nothing happened), which would keep a
    cancelled call queueing for slots forever. Each command runs in a task of its own behind
    ``asyncio.shield``: the caller is cancelled at once, the command completes in the background
    (its connection stays usable), and ``orphan`` undoes what it did if it granted something.
    """

    def __init__(self) -> None:
        self.tasks: set[asyncio.Future[Any]] = set()

    def track(self, task: asyncio.Future[Any]) -> None:
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def run(
        self,
        call: Awaitable[Any],
        orphan: Callable[[Any], Awaitable[Any]] | None = None,
    ) -> Any:
        inner = asyncio.ensure_future(call)
        self.track(inner)
        try:
            return await asyncio.shield(inner)
        except asyncio.CancelledError:
            if orphan is not None:
                inner.add_done_callback(lambda done: self._undo(done, orphan))
            raise

    def _undo(self, done: asyncio.Future[Any], orphan: Callable[[Any], Awaitable[None]]) -> None:
        if done.cancelled() or done.exception() is not None:
            return
        self.track(asyncio.ensure_future(self._quietly(orphan(done.result()))))

    @staticmethod
    async def _quietly(call: Awaitable[Any]) -> None:
        with contextlib.suppress(*_ERRORS):
            await call

    async def drain(self) -> None:
        """Wait for commands still running for cancelled callers."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
