"""Polling server-side tasks that share one small request budget (batch updates: 1 QPS).

Every poll spends a request from a budget all the tasks share, so the poller spends it where an
answer can have changed:

* a task is first asked about ``first_delay`` seconds after it was submitted: it cannot be done
  before its work is, and a poll of a task submitted a moment ago is a request wasted;
* among the tasks that are due, the oldest goes first (it was submitted first, so it is the one
  most likely done), and only one poll is in flight at a time;
* a task that answers "still running" waits ``interval`` seconds, then longer each time
  (``backoff``, up to ``max_interval``).

Tasks may be added while the poller runs, so polling overlaps submission: with tasks submitted
one a second that each take two seconds, every task is polled once, two seconds after it was
submitted, and the whole batch ends two seconds after the last submission.

Example::

    poller = TaskPoller(fetch_status, lambda s: s.done, schedule=PollSchedule(first_delay=2))
    runner = asyncio.ensure_future(poller.run())
    for job in jobs:
        poller.add(await submit(job))
    poller.close()
    states = await runner  # {task id: final state}, in the order added
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Generic, TypeVar

import attrs

from .._text import shown
from ..errors import MeegleValidationError

__all__ = ["PollSchedule", "TaskPoller", "poll_until_final"]

K = TypeVar("K", bound=Hashable)
S = TypeVar("S")


def _seconds(value: object, name: str, *, positive: bool = False) -> None:
    ok = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > 0 if positive else value >= 0)
    )
    if not ok:
        need = "a positive" if positive else "a non-negative"
        raise MeegleValidationError(f"{name} must be {need} number of seconds, not {shown(value)}")


@attrs.frozen(kw_only=True)
class PollSchedule:
    """When to poll a task: first ``first_delay`` s after submission, then every ``interval`` s
    growing by ``backoff`` while it runs, never more than ``max_interval`` s apart."""

    first_delay: float = 2.0
    interval: float = 1.0
    backoff: float = 1.5
    max_interval: float = 10.0

    def __attrs_post_init__(self) -> None:
        _seconds(self.first_delay, "first_delay")
        _seconds(self.interval, "interval", positive=True)
        _seconds(self.max_interval, "max_interval", positive=True)
        if (
            not isinstance(self.backoff, (int, float))
            or isinstance(self.backoff, bool)
            or not math.isfinite(self.backoff)
            or self.backoff < 1
        ):
            raise MeegleValidationError(f"backoff must be a number >= 1, not {shown(self.backoff)}")
        if self.max_interval < self.interval:
            raise MeegleValidationError("max_interval must not be less than interval")


@attrs.define
class _Entry(Generic[K, S]):
    key: K
    seq: int
    next_at: float
    interval: float | None = None
    state: S | None = None
    polls: int = 0
    final: bool = False


class TaskPoller(Generic[K, S]):
    """Polls tasks until each reaches a final state, one poll at a time, oldest due task first.

    Args:
        fetch: asks the server about one task (its answer is the task's state).
        is_final: whether a state is final (the task changes no more).
        schedule: the timing (``PollSchedule()``: 2 s first delay, 1 s growing 1.5x to 10 s).
        clock: a monotonic clock in seconds (tests pass their own).

    ``add`` registers a task (submitted now); ``close`` says no more will come; ``run`` polls
    until every task added is final and the poller is closed. ``latest`` has the last state of
    each task at any time, for a caller that gives up early. An exception from ``fetch`` ends
    ``run`` with that exception.
    """

    def __init__(
        self,
        fetch: Callable[[K], Awaitable[S]],
        is_final: Callable[[S], bool],
        *,
        schedule: PollSchedule | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._is_final = is_final
        self._schedule = schedule or PollSchedule()
        self._clock = clock
        self._entries: dict[K, _Entry[K, S]] = {}
        self._closed = False
        self._wake = asyncio.Event()

    def add(self, key: K, *, submitted_at: float | None = None) -> None:
        """Register a task submitted at ``submitted_at`` (``clock()`` by default).

        A key already registered is ignored.
        """
        if self._closed:
            raise RuntimeError("TaskPoller.add after close()")
        if key in self._entries:
            return
        at = self._clock() if submitted_at is None else submitted_at
        self._entries[key] = _Entry(
            key=key, seq=len(self._entries), next_at=at + self._schedule.first_delay
        )
        self._wake.set()

    def close(self) -> None:
        """No more tasks will be added: ``run`` returns once every task is final."""
        self._closed = True
        self._wake.set()

    @property
    def latest(self) -> dict[K, S | None]:
        """Each task's last state (``None`` if not polled yet), in the order added."""
        return {k: e.state for k, e in self._entries.items()}

    @property
    def polls(self) -> int:
        """Polls made so far, all tasks together."""
        return sum(e.polls for e in self._entries.values())

    async def run(self) -> dict[K, S]:
        """Poll until every task is final and ``close()`` was called; the final states."""
        schedule = self._schedule
        while True:
            self._wake.clear()
            waiting = [e for e in self._entries.values() if not e.final]
            if not waiting:
                if self._closed:
                    return {k: e.state for k, e in self._entries.items() if e.state is not None}
                await self._wake.wait()
                continue
            now = self._clock()
            due = [e for e in waiting if e.next_at <= now]
            if not due:
                await self._sleep(min(e.next_at for e in waiting) - now)
                continue
            entry = min(due, key=lambda e: e.seq)
            state = await self._fetch(entry.key)
            entry.state = state
            entry.polls += 1
            if self._is_final(state):
                entry.final = True
                continue
            entry.interval = (
                schedule.interval
                if entry.interval is None
                else min(entry.interval * schedule.backoff, schedule.max_interval)
            )
            entry.next_at = self._clock() + entry.interval

    async def _sleep(self, delay: float) -> None:
        # A task added meanwhile may be due sooner than the one we wait for.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), max(delay, 0.0))


async def poll_until_final(
    keys: Iterable[K],
    fetch: Callable[[K], Awaitable[S]],
    is_final: Callable[[S], bool],
    *,
    schedule: PollSchedule | None = None,
) -> dict[K, S]:
    """Poll tasks that were all just submitted until each is final (see ``TaskPoller``)."""
    poller: TaskPoller[K, S] = TaskPoller(fetch, is_final, schedule=schedule)
    for key in keys:
        poller.add(key)
    poller.close()
    return await poller.run()
