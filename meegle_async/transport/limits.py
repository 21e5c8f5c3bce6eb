"""Rate limits: the table of rates, the limiter backends, and the adaptive rate.

Meegle counts every endpoint on its own, per token: 15 requests per second, and 1 per second for
``batch_update_work_item_field`` and ``get_batch_update_progress``; a few search endpoints are
also capped at 450 a minute (``DEFAULT_MINUTE_LIMITS``). The contract this module keeps, as the
*server* counts arrivals: never more than N requests of one (token, endpoint) in any 1-second
window (and never more than M in any minute where a minute cap applies), retries included; and
no waiting at all while there is room.

**A sliding window over answers.** A call granted at ``t`` reaches the server somewhere between
``t`` and the moment its answer comes back, so a request counts from its grant until one window
after its answer. A call is granted at once when fewer than N requests count; otherwise it waits
until the oldest answers leave the window (or, with N requests in flight, until one is answered).
Bursts up to N therefore go out together, and even a call delayed on the way (a slow network, a
paused process) can never make N+1 arrivals fall in one second at the server. The minute window
works the same way with M and 60 s.

Answers are kept as (time, count) pairs merged within 1/1000 of the window (a merged pair takes
the latest time, so the window only ever errs on the safe side), and requests in flight as a
count: memory per key stays bounded whatever the rate.

Smooth pacing (grants spaced 1/N s apart) is an option of ``MemoryLimiterBackend`` for servers
whose bucket is smaller than their advertised rate; adaptive limits also find such a server by
themselves, since a lower rate is a smaller burst.

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
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, runtime_checkable

import attrs

from ..catalogue import ENDPOINTS

__all__ = [
    "DEFAULT_MINUTE_LIMITS",
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
#: Per-second limits of endpoints the catalogue does not describe yet (the platform's table).
_UNCATALOGUED_RATES: Mapping[str, float] = {
    "search_work_items_relation": 10.0,
    "actual_time_update": 10.0,
}
#: The endpoints the platform limits below (or above) the default: the catalogue's ``qps``.
DEFAULT_RATE_LIMITS: Mapping[str, float] = {
    **_UNCATALOGUED_RATES,
    **{entry.name: entry.qps for entry in ENDPOINTS if entry.qps != DEFAULT_QPS},
}
#: Minute caps of endpoints the catalogue does not describe with one yet (the platform's table).
_UNCATALOGUED_MINUTE_LIMITS: Mapping[str, int] = {
    "filter_work_item": 450,
    "search_work_item_by_params": 450,
    "filter_work_item_across_project": 450,
    "get_task_list_across_space": 450,
    "update_condition_view": 450,
}
#: The endpoints the platform also caps per minute (requests per minute, on top of the second):
#: the catalogue's ``per_minute``.
DEFAULT_MINUTE_LIMITS: Mapping[str, int] = {
    **_UNCATALOGUED_MINUTE_LIMITS,
    **{entry.name: entry.per_minute for entry in ENDPOINTS if entry.per_minute is not None},
}
#: Widening of the 1 s (and 60 s) window, so that clock granularity at the server cannot put
#: N+1 in it.
WINDOW_MARGIN = 0.005
#: The second window and the minute window, as this module counts them.
SECOND_WINDOW = 1.0 + WINDOW_MARGIN
MINUTE_WINDOW = 60.0 + WINDOW_MARGIN
#: With ``pacing``, grants that fell behind the 1/N schedule may catch up this many slots.
PACING_CATCH_UP = 2
#: Answers closer than ``window / WINDOW_GRAIN`` share one entry (memory stays bounded).
WINDOW_GRAIN = 1000


def _check_rate(name: str, value: object) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
        raise ValueError(f"rate for {name} must be a positive number, got {value!r}")


@attrs.frozen(kw_only=True)
class RateTable:
    """Per endpoint name: requests per second and, where capped, requests per minute.

    ``overrides`` (per second) and ``minute_overrides`` (per minute; ``None`` lifts a built-in
    cap) are merged over ``DEFAULT_RATE_LIMITS`` and ``DEFAULT_MINUTE_LIMITS``.
    """

    default_qps: float = DEFAULT_QPS
    overrides: Mapping[str, float] = attrs.field(factory=dict)
    minute_overrides: Mapping[str, int | None] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        for name, qps in {"default_qps": self.default_qps, **self.overrides}.items():
            _check_rate(name, qps)
        for name, cap in self.minute_overrides.items():
            if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
                raise ValueError(
                    f"minute limit for {name} must be an integer >= 1 or None, got {cap!r}"
                )

    def qps(self, endpoint: str) -> float:
        """The configured requests per second for ``endpoint``."""
        if endpoint in self.overrides:
            return float(self.overrides[endpoint])
        return float(DEFAULT_RATE_LIMITS.get(endpoint, self.default_qps))

    def per_minute(self, endpoint: str) -> int | None:
        """The configured requests per minute for ``endpoint``, or ``None`` when uncapped."""
        if endpoint in self.minute_overrides:
            return self.minute_overrides[endpoint]
        return DEFAULT_MINUTE_LIMITS.get(endpoint)


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


def capacity_of(qps: float) -> int:
    """Requests one second's window holds at ``qps`` (at least one)."""
    return max(1, math.floor(qps + 1e-9))


@runtime_checkable
class LimiterBackend(Protocol):
    """Where the limiter state of each key lives. Keys look like ``<token id>:<endpoint>``.

    ``rate`` is a number, or a function that gives the current rate: adaptive limits change it
    while calls wait, so a backend reads it when it grants, not when the caller started waiting.
    ``per_minute`` is passed (as a keyword) only for endpoints with a minute cap.
    """

    async def acquire(self, key: str, rate: RateSource, *, per_minute: int | None = None) -> Permit:
        """Wait until one more request of ``key`` keeps the contract, then grant it."""
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


class _Window:
    """Answer times of one key inside one window, merged to a bounded number of entries."""

    __slots__ = ("answered", "entries", "grain", "span")

    def __init__(self, span: float) -> None:
        self.span = span
        self.grain = span / WINDOW_GRAIN
        self.entries: deque[list[float]] = deque()  # [answer time, count], oldest first
        self.answered = 0

    def add(self, when: float) -> None:
        last = self.entries[-1] if self.entries else None
        if last is not None and when - last[0] < self.grain:
            # The later time stands for both: the entry leaves the window later, never earlier.
            last[0] = max(last[0], when)
            last[1] += 1
        else:
            self.entries.append([when, 1.0])
        self.answered += 1

    def wait(self, now: float, limit: int, in_flight: int) -> float:
        """Seconds until one more request fits (0: now; ``inf``: when one in flight answers)."""
        entries = self.entries
        while entries and entries[0][0] + self.span <= now:
            self.answered -= int(entries.popleft()[1])
        excess = in_flight + self.answered - limit + 1
        if excess <= 0:
            return 0.0
        if excess > self.answered:
            return math.inf
        seen = 0
        for when, count in entries:
            seen += int(count)
            if seen >= excess:
                return when + self.span - now
        return math.inf  # unreachable: the counts add up to ``answered``


class _KeyState:
    __slots__ = ("answer", "in_flight", "last_grant", "lock", "minute", "paused_until", "second")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.answer = asyncio.Event()
        self.in_flight = 0
        self.paused_until = 0.0
        self.last_grant = -math.inf  # with pacing: the next slot of the 1/N schedule
        self.second = _Window(SECOND_WINDOW)
        self.minute: _Window | None = None


class MemoryLimiterBackend:
    """The default backend: limiter state in this process, shared by every client copy.

    Args:
        clock: a monotonic clock in seconds (``time.monotonic``).
        sleep: how to wait (``asyncio.sleep``); tests pass one that advances their ``clock``.
        pacing: also space grants ``1/rate`` s apart (off: a burst up to the limit goes out at
            once). For a server whose bucket is smaller than the rate it advertises.
        minute_window: the span of the per-minute window, in seconds (60 s plus the margin);
            tests shorten it.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        pacing: bool = False,
        minute_window: float = MINUTE_WINDOW,
    ) -> None:
        if not minute_window > 0:
            raise ValueError(f"minute_window must be positive, got {minute_window!r}")
        self._minute_window = minute_window
        self._clock = clock
        self._sleep = sleep
        self._pacing = pacing
        self._states: dict[str, _KeyState] = {}

    def _state(self, key: str) -> _KeyState:
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _KeyState()
        return state

    async def acquire(self, key: str, rate: RateSource, *, per_minute: int | None = None) -> Permit:
        """Wait for any pause and for room in the windows (and the pacing, if on); then grant."""
        current_rate(rate)  # refuse a bad rate before waiting
        if per_minute is not None and (isinstance(per_minute, bool) or per_minute < 1):
            raise ValueError(f"per_minute must be an integer >= 1, got {per_minute!r}")
        state = self._state(key)
        if per_minute is not None and state.minute is None:
            state.minute = _Window(self._minute_window)
        started = self._clock()
        # The lock lines waiters up in arrival order; each waits out its own turn in it.
        async with state.lock:
            while True:
                # Read the rate now: it may have dropped while this call waited.
                qps = current_rate(rate)
                now = self._clock()
                wait = max(
                    state.paused_until - now,
                    state.second.wait(now, capacity_of(qps), state.in_flight),
                )
                if per_minute is not None and state.minute is not None:
                    wait = max(wait, state.minute.wait(now, per_minute, state.in_flight))
                if self._pacing:
                    wait = max(wait, state.last_grant - now)
                if wait <= 0:
                    break
                if math.isinf(wait):
                    state.answer.clear()
                    await state.answer.wait()
                else:
                    await self._sleep(wait)
            granted = self._clock()
            if self._pacing:
                # The schedule moves 1/rate per grant. A grant made late by a busy event loop
                # keeps it (the next ones catch up, so lags never add up); after an idle spell
                # it starts again from now, with no credit.
                step = 1.0 / current_rate(rate)
                behind = granted - state.last_grant
                state.last_grant = (
                    granted + step if behind > PACING_CATCH_UP * step else state.last_grant + step
                )
            state.in_flight += 1
            return Permit(key=key, waited=granted - started, granted_at=granted)

    async def release(self, permit: Permit) -> None:
        """Record the answer time, which frees the permit's place in the window a second later."""
        if permit.released:
            return
        now = self._clock()
        permit.mark_answered(now)
        state = self._states.get(permit.key)
        if state is None or state.in_flight <= 0:
            return
        state.in_flight -= 1
        state.second.add(now)
        if state.minute is not None:
            state.minute.add(now)
        state.answer.set()

    async def pause(self, key: str, seconds: float) -> None:
        """Hold every request of ``key`` for ``seconds`` from now (extends, never shortens)."""
        state = self._state(key)
        state.paused_until = max(state.paused_until, self._clock() + max(0.0, seconds))

    async def aclose(self) -> None:
        """Nothing to release."""


@attrs.define(kw_only=True)
class AdaptiveRate:
    """The rate a key currently allows itself: AIMD below the configured ceiling.

    A throttled answer, although the limiter kept to its rate, may mean the token's budget is
    shared with traffic we do not see, or may be noise (a server hiccup). One 429 among answers
    that succeed is noise: the rate drops only when throttling *persists*, that is when at least
    ``persist_share`` of the last ``2 x ceiling`` answers (at least 5) were throttled, counting
    at least half a second's worth of answers (at the current rate) and two throttled ones. It
    then drops to ``decrease`` times the rate; when a third or more were throttled, to what the
    server did accept in the last second if that is lower (never below a quarter of the rate).
    Only answers to requests granted *after* the last drop count, so a burst of 429s for
    requests already on their way at the old rate lowers it once (TCP's "once per window").
    Each clean stretch of about one second of traffic raises the rate by ``step`` again, never
    above ``ceiling``.
    """

    ceiling: float
    rate: float = attrs.field()
    decrease: float = 0.75
    step: float = 0.25
    floor: float = 0.2
    persist_share: float = 0.15
    clock: Callable[[], float] = attrs.field(default=time.monotonic, repr=False)
    _clean: int = 0
    _last_decrease: float = -math.inf
    _outcomes: deque[bool] = attrs.field(factory=deque, repr=False)  # True: throttled
    _throttled: int = 0
    _accepted: deque[float] = attrs.field(factory=deque, repr=False)  # answer times

    @rate.default
    def _rate_default(self) -> float:
        return self.ceiling

    def current(self) -> float:
        """The rate now (a ``RateSource`` for the limiter backends)."""
        return self.rate

    def _record(self, throttled: bool) -> None:
        size = max(5, math.ceil(2 * self.ceiling))
        self._outcomes.append(throttled)
        self._throttled += throttled
        while len(self._outcomes) > size:
            self._throttled -= self._outcomes.popleft()

    def _accepted_since(self, since: float) -> int:
        while self._accepted and self._accepted[0] < since:
            self._accepted.popleft()
        return len(self._accepted)

    def on_throttled(self, now: float, granted_at: float = math.inf) -> None:
        """Count a throttled answer to a request granted at ``granted_at``; lower the rate when
        throttling persists."""
        if granted_at < self._last_decrease:
            return
        self._clean = 0
        self._record(True)
        if (
            self._throttled < 2
            or len(self._outcomes) < max(3, math.ceil(self.rate / 2))
            or self._throttled < self.persist_share * len(self._outcomes)
        ):
            return
        share = self._throttled / len(self._outcomes)
        self._last_decrease = now
        self._outcomes.clear()
        self._throttled = 0
        rate = min(self.rate, self.ceiling)
        lower = rate * self.decrease
        if share >= 1 / 3:
            # Clearly a smaller budget: what the server accepted in the last second measures it.
            lower = min(lower, max(self._accepted_since(now - SECOND_WINDOW), rate / 4))
        self.rate = max(self.floor, lower)

    def on_success(self) -> None:
        """Count a clean answer; after about a second's worth, raise the rate by ``step``."""
        self._record(False)
        now = self.clock()
        self._accepted.append(now)
        self._accepted_since(now - SECOND_WINDOW)
        if self.rate >= self.ceiling:
            return
        self._clean += 1
        if self._clean >= max(1.0, self.rate):
            self._clean = 0
            self.rate = min(self.ceiling, self.rate + self.step)
