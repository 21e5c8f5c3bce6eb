"""The fake's strict sliding-window limiter (seconds and minutes), and the client keeping both
windows against it with no throttled answer."""

from __future__ import annotations

import asyncio

import pytest

from meegle_async import MeegleClient
from meegle_async.client import SharedState
from meegle_async.testing import FakeMeegle
from meegle_async.testing.rules import WindowLimiter
from meegle_async.transport.auth import MemoryTokenStore
from meegle_async.transport.limits import WINDOW_MARGIN, MemoryLimiterBackend


def test_the_second_window_counts_arrivals_strictly() -> None:
    limiter = WindowLimiter({"e": 3})
    assert [limiter.hit("t", "e", 10.0 + n / 10) for n in range(3)] == [None] * 3
    assert limiter.hit("t", "e", 10.5) == pytest.approx(0.5)
    assert limiter.hit("t", "e", 10.999) is not None
    assert limiter.hit("t", "e", 11.0) is None  # the first left the window
    assert limiter.hit("other-token", "e", 11.0) is None  # per token


def test_the_minute_window_caps_the_platforms_search_endpoints() -> None:
    limiter = WindowLimiter()
    accepted = 0
    for n in range(600):
        if limiter.hit("t", "filter_work_item", n / 15) is None:
            accepted += 1
    assert accepted == 450  # 40 seconds at 15 a second, but 450 in the minute
    assert limiter.hit("t", "filter_work_item", 59.9) == pytest.approx(0.1)
    assert limiter.hit("t", "filter_work_item", 60.0) is None
    assert limiter.limit_for("search_work_items_relation") == 10
    assert WindowLimiter(False).hit("t", "filter_work_item", 0.0) is None


@pytest.mark.slow
async def test_the_client_keeps_both_windows_with_no_throttled_answer() -> None:
    """A shortened minute (2 s, 8 calls) and 5 a second, on both sides: 20 filter pages."""
    async with FakeMeegle(seed_items=20, seed=11) as fake:
        fake.limiter = WindowLimiter(  # type: ignore[assignment]
            {"filter_work_item": 5}, minute_limits={"filter_work_item": 8}, minute_window=2.0
        )
        backend = MemoryLimiterBackend(minute_window=2.0 + WINDOW_MARGIN)
        async with MeegleClient(
            base_url=fake.base_url,
            plugin_id=fake.plugin_id,
            plugin_secret=fake.plugin_secret,
            user_key=fake.user_key,
            rate_limits={"filter_work_item": 5},
            minute_limits={"filter_work_item": 8},
            shared_state=SharedState(limiter=backend, token_store=MemoryTokenStore()),
        ) as client:
            await asyncio.gather(
                *(client.work_items.filter(fake.project_key, page_num=1) for _ in range(20))
            )
            stats = client.stats().endpoints["filter_work_item"]
    arrivals = sorted(r.arrival for r in fake.requests_to("filter_work_item"))
    assert len(arrivals) == 20
    assert stats.throttled == 0
    assert fake.throttled.get("filter_work_item", 0) == 0
    for i, start in enumerate(arrivals):
        assert sum(1 for t in arrivals[i:] if t - start < 1.0) <= 5
        assert sum(1 for t in arrivals[i:] if t - start < 2.0) <= 8
