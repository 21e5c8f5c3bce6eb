"""Rate limits: the table of rates, the limiter backends, and the adaptive rate.

Meegle counts every endpoint on its own, per token: 15 requests per second, and 1 per second for
``batch_update_work_item_field`` and ``get_batch_update_progress``. The contract this module keeps,
as the *server* counts: never more than N requests of one (token, endpoint) in any 1-second
window, and under sustained demand a pace close to N per second.

Two mechanisms keep it together:

* **Pacing.** Grants are spaced 1/N s apart by a leaky bucket (``aiolimiter``) of three slots that
  starts with no credit, so it catches up to two slots only after a stall. A bucket sized N would
  let N calls through at once and up to 2N-1 within one second.
* **A sliding window over answers.** A call granted at ``t`` reaches the server somewhere between
  ``t`` and the moment its answer comes back. A new call is granted only when the N-th call before
  it has been *answered* more than a second ago, so even a call delayed on the way (a slow network,
  a paused process) can never make N+1 arrivals fall in one second at the server.

A throttled answer pauses the key for ``Retry-After`` (or a backoff), so every coroutine waiting on
that endpoint waits too instead of stampeding.

``LimiterBackend`` is the seam for shared state: the in-memory backend here is the default; a Redis
backend (``meegle_async.backends.redis``) shares one budget between processes.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Protocol, runtime_checkable

import attrs
from aiolimiter import AsyncLimiter

from ..catalogue import ENDPOINTS

__all__ = [
    "DEFAULT_QPS",
    "DEFAULT_RATE_LIMITS",
    "AdaptiveRate",
    "LimiterBackend",
    "MemoryLimiterBackend",
    "Permit",
    "RateSource",
    "RateTable",
    "current_rate",
]

#: Requests per second per token for every endpoint not in ``DEFAULT_RATE_LIMITS``.
DEFAULT_QPS = 15.0
#: The endpoints the platform limits below (or above) the default: the catalogue's ``qps``.
DEFAULT_RATE_LIMITS: Mapping[str, float] = {
    entry.name: entry.qps for entry in ENDPOINTS if entry.qps != DEFAULT_QPS
}
#: Slots of the pacing bucket: the pace is N a second, and after a stall (a paused event loop, a
#: garbage collection) up to two late slots are caught up; a new bucket starts with no credit.
#: The window below, not the bucket, caps the count at N a second, so catching up never breaks
#: the limit.
PACING_BURST = 3
#: Widening of the 1 s window, so that clock granularity at the server cannot put N+1 in it.
WINDOW_MARGIN = 0.005


@attrs.frozen(kw_only=True)
class RateTable:
    """Requests per second per endpoint name: ``overrides`` merged over the built-in table."""

    default_qps: float = DEFAULT_QPS
    overrides: Mapping[str, float] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        for name, qps in {"default_qps": self.default_qps, **self.overrides}.items():
            if not isinstance(qps, (int, float)) or isinstance(qps, bool) or not qps > 0:
                raise ValueError(f"rate for {name} must be a positive number, got {qps!r}")

    def qps(self, endpoint: str) -> float:
        """The configured requests per second for ``endpoint``."""
        if endpoint in self.overrides:
            return float(self.overrides[endpoint])
        return float(DEFAULT_RATE_LIMITS.get(endpoint, self.default_qps))


@attrs.define(eq=False)
class Permit:
    """One granted request. Release it when its answer came back (or the attempt failed)."""

    key: str
    waited: float
    granted_at: float
    answered_at: float = math.inf
    _answered: asyncio.Event = attrs.field(factory=asyncio.Event, repr=False)
    backend_token: object = attrs.field(default=None, repr=False)

    @property
    def released(self) -> bool:
        """Whether the answer (or failure) of this request has been recorded."""
        return self._answered.is_set()

    def mark_answered(self, when: float) -> None:
        """Record the moment the request was known to have reached the server at the latest."""
        if not self._answered.is_set():
            self.answered_at = when
            self._answered.set()

    async def wait_answered(self) -> None:
        """Wait until ``mark_answered`` has been called."""
        await self._answered.wait()


#: A rate in requests per second, or a function returning the current one.
RateSource = float | Callable[[], float]


def current_rate(rate: RateSource) -> float:
    """The rate now, from a number or a function; refuses anything but a positive number."""
    value = rate() if callable(rate) else rate
    if not value > 0:
        raise ValueError(f"rate must be positive, got {value!r}")
    return float(value)


@runtime_checkable
class LimiterBackend(Protocol):
    """Where the limiter state of each key lives. Keys look like ``<token id>:<endpoint>``.

    ``rate`` is a number, or a function that gives the current rate: adaptive limits change it
    while calls wait, so a backend reads it when it grants, not when the caller started waiting.
    """

    async def acquire(self, key: str, rate: RateSource) -> Permit:
        """Wait until one more request of ``key`` keeps the contract at ``rate``, then grant it."""
        ...

    async def release(self, permit: Permit) -> None:
        """Record that the permit's request has been answered (or failed) now."""
        ...

    async def pause(self, key: str, seconds: float) -> None:
        """Grant nothing for ``key`` during the next ``seconds`` (a throttled answer)."""
        ...

    async def aclose(self) -> None:
        """Release resources (connections); the in-memory backend has none."""
        ...


class _KeyState:
    __slots__ = ("bucket", "bucket_rate", "last_grant", "lock", "paused_until", "recent")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.recent: deque[Permit] = deque()
        self.paused_until = 0.0
        self.bucket: AsyncLimiter | None = None
        self.bucket_rate = 0.0
        self.last_grant = -math.inf


class MemoryLimiterBackend:
    """The default backend: limiter state in this process, shared by every client copy.

    Args:
        clock: a monotonic clock in seconds (``time.monotonic``).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._states: dict[str, _KeyState] = {}

    def _state(self, key: str) -> _KeyState:
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _KeyState()
        return state

    async def acquire(self, key: str, rate: RateSource) -> Permit:
        """Wait for any pause, the sliding window and the pacing; then grant one request."""
        current_rate(rate)  # refuse a bad rate before waiting
        state = self._state(key)
        started = self._clock()
        # The lock lines waiters up in arrival order; each waits out its own turn in it.
        async with state.lock:
            while True:
                # Read the rate now: it may have dropped while this call waited for the lock.
                qps = current_rate(rate)
                capacity = max(1, math.floor(qps + 1e-9))
                await self._wait_for_window(state, capacity)
                if state.bucket is None or state.bucket_rate != qps:
                    # A new rate starts a fresh bucket, which would grant at once: keep the
                    # new spacing from the last grant first.
                    state.bucket = AsyncLimiter(PACING_BURST, PACING_BURST / qps)
                    # Start with no catch-up credit: it is earned only by falling behind.
                    await state.bucket.acquire(PACING_BURST - 1)
                    state.bucket_rate = qps
                    gap = state.last_grant + 1.0 / qps - self._clock()
                    if gap > 0:
                        await asyncio.sleep(gap)
                        continue
                await state.bucket.acquire()
                # A throttled answer may have paused the key, or lowered the rate, meanwhile.
                if current_rate(rate) < qps or self._clock() < state.paused_until:
                    continue
                break
            granted = self._clock()
            state.last_grant = granted
            permit = Permit(key=key, waited=granted - started, granted_at=granted)
            state.recent.append(permit)
            while len(state.recent) > capacity:
                state.recent.popleft()
            return permit

    async def _wait_for_window(self, state: _KeyState, capacity: int) -> None:
        window = 1.0 + WINDOW_MARGIN
        while True:
            while len(state.recent) > capacity:
                state.recent.popleft()
            now = self._clock()
            wait = state.paused_until - now
            if len(state.recent) == capacity:
                oldest = state.recent[0]
                if not oldest.released:
                    await oldest.wait_answered()
                    continue
                wait = max(wait, oldest.answered_at + window - now)
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def release(self, permit: Permit) -> None:
        """Record the answer time, which frees the permit's place in the window a second later."""
        permit.mark_answered(self._clock())

    async def pause(self, key: str, seconds: float) -> None:
        """Hold every request of ``key`` for ``seconds`` from now (extends, never shortens)."""
        state = self._state(key)
        state.paused_until = max(state.paused_until, self._clock() + max(0.0, seconds))

    async def aclose(self) -> None:
        """Nothing to release."""


@attrs.define(kw_only=True)
class AdaptiveRate:
    """The rate a key currently allows itself: AIMD below the configured ceiling.

    A throttled answer, although the limiter kept to its rate, means the token's budget is shared
    with traffic we do not see: the rate drops multiplicatively. Only answers to requests granted
    *after* the last drop count, so a burst of 429s for requests already on their way at the old
    rate lowers it once (TCP's "once per window"). Each clean stretch of about one second of
    traffic raises the rate by ``step`` again, never above ``ceiling``.
    """

    ceiling: float
    rate: float = attrs.field()
    decrease: float = 0.75
    step: float = 0.25
    floor: float = 0.2
    _clean: int = 0
    _last_decrease: float = -math.inf

    @rate.default
    def _rate_default(self) -> float:
        return self.ceiling

    def current(self) -> float:
        """The rate now (a ``RateSource`` for the limiter backends)."""
        return self.rate

    def on_throttled(self, now: float, granted_at: float = math.inf) -> None:
        """Lower the rate after a throttled answer to a request granted at ``granted_at``."""
        if granted_at < self._last_decrease:
            return
        self._last_decrease = now
        self._clean = 0
        self.rate = max(self.floor, min(self.rate, self.ceiling) * self.decrease)

    def on_success(self) -> None:
        """Count a clean answer; after about a second's worth, raise the rate by ``step``."""
        if self.rate >= self.ceiling:
            return
        self._clean += 1
        if self._clean >= max(1.0, self.rate):
            self._clean = 0
            self.rate = min(self.ceiling, self.rate + self.step)
