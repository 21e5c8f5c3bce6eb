"""The limiter contract, measured at a loopback server that counts arrivals in a sliding window.

These tests take real seconds (the contract is about seconds); bounds are generous for shared
machines. Speed targets are measured in benchmarks/, not here.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from meegle_async import MeegleClient
from meegle_async.client import SharedState
from meegle_async.transport.auth import MemoryTokenStore
from meegle_async.transport.limits import AdaptiveRate, MemoryLimiterBackend, RateTable
from tests.conftest import Recorded, Stub, ok

pytestmark = pytest.mark.slow

QUERY = "/open_api/{project_key}/work_item/{t}/query"


async def details(client: MeegleClient, i: int = 0) -> Any:
    return await client.request(
        "get_work_item_details",
        "POST",
        QUERY,
        path_params={"project_key": "space", "t": "story"},
        json={"work_item_ids": [i + 1]},
    )


async def batch_update(client: MeegleClient) -> Any:
    return await client.request(
        "batch_update_work_item_field", "POST", "/open_api/work_item/batch_update", json={}
    )


async def test_one_qps_endpoint_spaces_five_concurrent_calls_a_second_apart(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async with MeegleClient(**client_kwargs) as client:
        await asyncio.gather(*(batch_update(client) for _ in range(5)))
    arrivals = [r.arrival for r in stub.requests]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(arrivals) == 5
    assert min(gaps) >= 0.99
    assert stub.max_in_window(1.0) == 1


async def test_fifteen_qps_endpoint_keeps_the_window_in_bursts(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async with MeegleClient(**client_kwargs) as client:
        await asyncio.gather(*(details(client, i) for i in range(45)))
    arrivals = [r.arrival for r in stub.requests]
    assert len(arrivals) == 45
    assert stub.max_in_window(1.0) <= 15
    # Three bursts of 15: each starts a full window after the previous one was answered.
    assert arrivals[15] - arrivals[0] >= 1.0
    assert arrivals[30] - arrivals[15] >= 1.0


async def test_a_burst_up_to_the_limit_is_granted_without_waiting(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    # A frozen clock: any wait on the limiter would show as a positive limiter_wait.
    backend = MemoryLimiterBackend(clock=lambda: 1000.0)
    state = SharedState(limiter=backend, token_store=MemoryTokenStore())
    async with MeegleClient(**client_kwargs, shared_state=state) as client:
        await asyncio.gather(*(details(client, i) for i in range(15)))
        stats = client.stats().endpoints["get_work_item_details"]
    assert stats.requests == 15
    assert stats.limiter_wait_seconds == 0.0
    assert stub.max_in_window(1.0) == 15


async def test_calls_delayed_on_the_way_still_keep_the_window(stub: Stub) -> None:
    """A call granted by the limiter but held up before reaching the server (slow network, a
    paused process) must not let N+1 calls land in one second at the server."""
    delayed_once = False

    async def on_request_start(session: Any, ctx: Any, params: Any) -> None:
        nonlocal delayed_once
        if not delayed_once:
            delayed_once = True
            await asyncio.sleep(0.5)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        client = MeegleClient(
            base_url=stub.base_url,
            plugin_token="t",
            user_key="u",
            session=session,
            default_qps=5,
        )
        async with client:
            await asyncio.gather(*(details(client, i) for i in range(12)))
    assert len(stub.requests) == 12
    assert stub.max_in_window(1.0) <= 5


async def test_a_throttled_answer_pauses_every_caller_of_that_endpoint(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    throttled_at: list[float] = []

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        if not throttled_at:
            throttled_at.append(rec.arrival)
            return web.json_response({"err_code": 0}, status=429, headers={"Retry-After": "1"})
        return ok(None)

    stub.handler = handler
    seen_429 = asyncio.Event()

    def on_request(event: Any) -> None:
        if event.throttled:
            seen_429.set()

    async def after_the_429(i: int) -> Any:
        await seen_429.wait()
        return await details(client, i)

    async with MeegleClient(
        **client_kwargs, adaptive_limits=False, on_request=on_request
    ) as client:
        await asyncio.gather(details(client, 0), *(after_the_429(i) for i in range(1, 6)))
    after = [r.arrival for r in stub.requests[1:]]
    assert len(after) == 6  # five others plus the retry
    # Nobody stampeded during the pause the server asked for.
    assert min(after) - throttled_at[0] >= 0.99


async def test_retries_pass_the_limiter(stub: Stub, client_kwargs: dict[str, Any]) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        if len(stub.requests) == 1:
            return web.Response(status=503, text="busy")
        return ok(None)

    stub.handler = handler
    async with MeegleClient(**client_kwargs) as client:
        await batch_update(client)
    first, retry = stub.requests
    assert retry.arrival - first.arrival >= 0.99  # 1 QPS holds for the retry too


async def test_max_concurrency_bounds_requests_in_flight(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def slow(request: web.Request, rec: Recorded) -> web.StreamResponse:
        await asyncio.sleep(0.1)
        return ok(None)

    stub.handler = slow
    async with MeegleClient(**client_kwargs, max_concurrency=3, default_qps=1000) as client:
        await asyncio.gather(*(details(client, i) for i in range(12)))
    assert stub.max_in_flight == 3


async def test_limits_are_per_endpoint(stub: Stub, client_kwargs: dict[str, Any]) -> None:
    async with MeegleClient(**client_kwargs, rate_limits={"get_work_item_details": 2}) as client:
        started = time.monotonic()
        await asyncio.gather(
            batch_update(client), *(details(client, i) for i in range(2)), batch_update(client)
        )
        elapsed = time.monotonic() - started
    assert stub.max_in_window(1.0) <= 3  # 2 details + 1 batch update may share a second
    assert elapsed < 1.6


def test_rate_table_merges_overrides_over_the_built_in_table() -> None:
    table = RateTable(default_qps=10, overrides={"get_work_item_details": 3})
    assert table.qps("get_work_item_details") == 3
    assert table.qps("batch_update_work_item_field") == 1
    assert table.qps("get_batch_update_progress") == 1
    assert table.qps("anything_else") == 10
    with pytest.raises(ValueError, match="positive"):
        RateTable(overrides={"x": 0})


def test_adaptive_rate_drops_on_throttling_and_climbs_back_additively() -> None:
    now = [0.5]
    rate = AdaptiveRate(ceiling=15, clock=lambda: now[0])
    for _ in range(11):
        rate.on_success()
    rate.on_throttled(now=0.8, granted_at=0.7)  # one 429 among successes: noise
    assert rate.rate == 15
    rate.on_throttled(now=1.0, granted_at=0.9)  # 2 of 13 answers throttled: it persists
    assert rate.rate == pytest.approx(11.25)
    rate.on_throttled(now=1.1, granted_at=0.95)  # sent at the old rate: the same burst
    assert rate.rate == pytest.approx(11.25)
    # Sent at the new rate: 3 accepted, then throttled again and again. Half throttled is a
    # smaller budget, not noise: the rate drops to what the server accepted in the last second.
    now[0] = 2.0
    for _ in range(3):
        rate.on_success()
    for n in range(3):
        rate.on_throttled(now=2.01 + n / 100, granted_at=1.5)
    assert rate.rate == 3
    for _ in range(3):
        rate.on_success()
    assert rate.rate == pytest.approx(3.25)
    for _ in range(10_000):
        rate.on_success()
    assert rate.rate == 15  # never above the configured rate


def test_adaptive_rate_ignores_scattered_throttling() -> None:
    """One 429 in ten, each among successes, is noise: the rate stays at the ceiling."""
    rate = AdaptiveRate(ceiling=15)
    for n in range(1_000):
        if n % 10 == 9:
            rate.on_throttled(now=n / 15, granted_at=n / 15)
        else:
            rate.on_success()
    assert rate.rate == 15


async def test_memory_backend_pause_extends_never_shortens() -> None:
    now = [100.0]
    backend = MemoryLimiterBackend(clock=lambda: now[0])
    await backend.pause("k", 5)
    await backend.pause("k", 1)
    assert backend._state("k").paused_until == 105.0
