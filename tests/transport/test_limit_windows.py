"""The limiter's windows on virtual time: bursts, the minute cap, requests in flight, memory.

A fake clock and a sleep that advances it make these exact and instant: every grant time below
is what the limiter decided, not what a busy machine happened to do.
"""

from __future__ import annotations

import asyncio
import itertools
import tracemalloc

import pytest

from meegle_async.transport.limits import (
    DEFAULT_MINUTE_LIMITS,
    DEFAULT_RATE_LIMITS,
    MINUTE_WINDOW,
    SECOND_WINDOW,
    MemoryLimiterBackend,
    Permit,
    RateTable,
)


class VirtualTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)

    def backend(self, **options: bool) -> MemoryLimiterBackend:
        return MemoryLimiterBackend(clock=self.clock, sleep=self.sleep, **options)


def max_in_window(times: list[float], span: float) -> int:
    return max(sum(1 for t in times[i:] if t < start + span) for i, start in enumerate(times))


async def test_a_burst_up_to_the_limit_goes_at_once_and_the_next_waits_for_the_window() -> None:
    vt = VirtualTime()
    backend = vt.backend()
    permits = [await backend.acquire("k", 15) for _ in range(15)]
    assert [p.waited for p in permits] == [0.0] * 15
    assert vt.sleeps == []
    vt.now += 0.02  # one round trip
    for permit in permits:
        await backend.release(permit)
    answered = vt.now
    sixteenth = await backend.acquire("k", 15)
    # The window counts from the answers, not from the grants.
    assert sixteenth.granted_at == pytest.approx(answered + SECOND_WINDOW)


async def test_a_full_window_in_flight_waits_for_an_answer_not_a_timer() -> None:
    vt = VirtualTime()
    backend = vt.backend()
    permits = [await backend.acquire("k", 3) for _ in range(3)]
    waiting = asyncio.ensure_future(backend.acquire("k", 3))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()
    assert vt.sleeps == []  # nothing polls while the requests are in flight
    vt.now += 5.0  # a request held up in transit for 5 s
    await backend.release(permits[0])
    granted = await waiting
    # It could have reached the server only just now: a full window after its answer.
    assert granted.granted_at == pytest.approx(1005.0 + SECOND_WINDOW)


async def test_the_minute_cap_and_the_second_cap_hold_together() -> None:
    vt = VirtualTime()
    backend = vt.backend()
    grants: list[float] = []

    async def call() -> None:
        permit = await backend.acquire("k", 15, per_minute=450)
        grants.append(permit.granted_at)
        vt.now += 0.001
        await backend.release(permit)

    for _ in range(1000):
        await call()
    grants.sort()
    assert max_in_window(grants, 1.0) <= 15
    assert max_in_window(grants, 60.0) <= 450
    # A short walk runs at 15 a second: the first 450 take about 30 windows, not a minute.
    assert grants[449] - grants[0] < 31 * (SECOND_WINDOW + 0.002)
    # The 451st waits for the minute to free, and then bursts go on at 15 a second.
    assert grants[450] - grants[0] >= MINUTE_WINDOW
    assert grants[464] - grants[450] < 0.1


async def test_the_minute_window_counts_requests_in_flight() -> None:
    vt = VirtualTime()
    backend = vt.backend()
    held = [await backend.acquire("k", 100, per_minute=4) for _ in range(4)]
    waiting = asyncio.ensure_future(backend.acquire("k", 100, per_minute=4))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()
    await backend.release(held[0])
    granted = await waiting
    assert granted.granted_at == pytest.approx(1000.0 + MINUTE_WINDOW)


async def test_pacing_is_an_option() -> None:
    vt = VirtualTime()
    backend = vt.backend(pacing=True)
    grants = []
    for _ in range(5):
        permit = await backend.acquire("k", 10)
        grants.append(permit.granted_at)
        await backend.release(permit)
    gaps = [b - a for a, b in itertools.pairwise(grants)]
    assert gaps == pytest.approx([0.1] * 4)


async def test_a_pause_holds_a_burst() -> None:
    vt = VirtualTime()
    backend = vt.backend()
    await backend.pause("k", 2.0)
    permit = await backend.acquire("k", 15)
    assert permit.granted_at == pytest.approx(1002.0)
    assert permit.waited == pytest.approx(2.0)


async def test_releasing_twice_counts_once() -> None:
    vt = VirtualTime()
    backend = vt.backend()
    permit = await backend.acquire("k", 1)
    await backend.release(permit)
    await backend.release(permit)
    vt.now += SECOND_WINDOW
    assert (await backend.acquire("k", 1)).waited == 0.0


async def test_memory_stays_flat_at_any_rate() -> None:
    """With limits lifted the limiter keeps no per-request state: 41,000 calls, a bounded size."""
    backend = MemoryLimiterBackend()

    async def calls(count: int) -> None:
        for _ in range(count):
            permit: Permit = await backend.acquire("k", 1_000_000, per_minute=10_000_000)
            await backend.release(permit)

    await calls(1_000)  # warm up: the key's state exists
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        await calls(41_000)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    # Two windows of at most 1,000 merged entries each: well under a megabyte.
    assert grown < 1_000_000


def test_rate_table_has_minute_caps_and_overrides() -> None:
    table = RateTable(
        minute_overrides={"filter_work_item": 100, "get_task_list_across_space": None}
    )
    assert table.per_minute("filter_work_item") == 100
    assert table.per_minute("get_task_list_across_space") is None
    assert table.per_minute("search_work_item_by_params") == 450
    assert table.per_minute("update_condition_view") == 450
    assert table.per_minute("get_work_item_details") is None
    assert table.qps("filter_work_item") == 15
    assert table.qps("search_work_items_relation") == 10
    assert table.qps("actual_time_update") == 10
    assert set(DEFAULT_MINUTE_LIMITS) >= {
        "filter_work_item",
        "search_work_item_by_params",
        "filter_work_item_across_project",
        "get_task_list_across_space",
        "update_condition_view",
    }
    assert DEFAULT_RATE_LIMITS["batch_update_work_item_field"] == 1
    with pytest.raises(ValueError, match="minute limit"):
        RateTable(minute_overrides={"x": 0})


async def test_a_bad_minute_cap_is_refused_before_waiting() -> None:
    backend = MemoryLimiterBackend()
    with pytest.raises(ValueError, match="per_minute"):
        await backend.acquire("k", 15, per_minute=0)
