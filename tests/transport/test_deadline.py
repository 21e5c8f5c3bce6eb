"""A deadline for the whole logical call (issue 17), and one client across event loops (issue 18).

The deadline bounds the queue, every attempt and the backoff; the error says where the time
went. Guards (``asyncio.wait_for``) only turn a hang into a failure.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    MeegleClient,
    MeegleError,
    MeegleTimeoutError,
    MeegleValidationError,
    RetryPolicy,
)
from meegle_async.client import SharedState
from meegle_async.transport.auth import MemoryTokenStore
from meegle_async.transport.limits import MemoryLimiterBackend, Permit, RateSource
from tests.conftest import Recorded, Stub, ok

TYPES = "/open_api/{project_key}/work_item/all-types"
GUARD = 60.0


async def get_types(client: MeegleClient, **kw: Any) -> Any:
    return await asyncio.wait_for(
        client.request(
            "get_work_item_types", "GET", TYPES, path_params={"project_key": "space"}, **kw
        ),
        GUARD,
    )


async def test_a_deadline_ends_retries_and_backoff_and_says_where_the_time_went(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def always_502(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return web.Response(status=502, text="bad gateway")

    stub.handler = always_502
    policy = RetryPolicy(max_retries=1000, backoff_base=0.05, backoff_max=0.05)
    async with MeegleClient(**{**client_kwargs, "retry_policy": policy}) as client:
        with pytest.raises(MeegleTimeoutError) as info:
            await get_types(client, deadline=0.6)
    error = info.value
    assert error.endpoint == "get_work_item_types"
    assert "deadline of 0.6s" in str(error)
    assert "attempts" in str(error)
    assert set(error.spent) >= {"attempts", "backoff"}
    assert 1 < len(stub.requests) < 1000  # retried, then stopped by the deadline
    sent = len(stub.requests)
    await asyncio.sleep(0.3)
    assert len(stub.requests) == sent  # nothing more after the deadline


async def test_a_deadline_while_queued_names_the_queue_and_frees_its_place(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async with MeegleClient(**client_kwargs, rate_limits={"get_work_item_types": 1}) as client:
        assert await get_types(client) == {"ok": True}
        with pytest.raises(MeegleTimeoutError) as info:
            await get_types(client, deadline=0.2)  # the 1 s window is still taken
        assert "queue" in str(info.value)
        assert info.value.spent.get("queued", 0) > 0
        assert len(stub.requests) == 1
        # The call that gave up holds nothing: the next one goes through.
        assert await get_types(client) == {"ok": True}
    assert len(stub.requests) == 2


async def test_a_deadline_during_a_stalled_attempt_releases_the_limiter_permit(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    release = asyncio.Event()

    async def stall_first(request: web.Request, rec: Recorded) -> web.StreamResponse:
        if len(stub.requests) == 1:
            await release.wait()
        return ok("fine")

    stub.handler = stall_first
    # A window of one call a second: a permit never released would block every later call.
    async with MeegleClient(**client_kwargs, rate_limits={"get_work_item_types": 1}) as client:
        with pytest.raises(MeegleTimeoutError) as info:
            await get_types(client, deadline=0.3)
        assert "may have received" in str(info.value)
        assert info.value.spent["attempts"] > 0
        release.set()
        assert await get_types(client) == "fine"


async def test_the_deadline_comes_from_the_client_its_copies_or_the_call(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    gate = asyncio.Event()

    async def slow(request: web.Request, rec: Recorded) -> web.StreamResponse:
        await gate.wait()
        return ok("late")

    stub.handler = slow
    async with MeegleClient(**client_kwargs, deadline=0.2) as client:
        with pytest.raises(MeegleTimeoutError, match=r"deadline of 0\.2s"):
            await get_types(client)
        hasty = client.with_options(deadline=0.1)
        with pytest.raises(MeegleTimeoutError, match=r"deadline of 0\.1s"):
            await get_types(hasty)
        with pytest.raises(MeegleTimeoutError, match=r"deadline of 0\.15s"):
            await get_types(client, deadline=0.15)
        patient = client.with_options(deadline=None)
        call = asyncio.create_task(get_types(patient))
        await asyncio.sleep(0.4)  # longer than every deadline above
        gate.set()
        assert await call == "late"


async def test_the_per_attempt_timeout_still_applies_under_a_deadline(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    async def slow(request: web.Request, rec: Recorded) -> web.StreamResponse:
        await asyncio.sleep(5)
        return ok("late")

    stub.handler = slow
    async with MeegleClient(**client_kwargs, timeout=0.2, max_retries=0, deadline=30) as client:
        with pytest.raises(MeegleTimeoutError) as info:
            await get_types(client)
    assert "deadline" not in str(info.value)  # the attempt's timeout, not the deadline


async def test_a_callers_own_cancellation_is_not_turned_into_a_timeout(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    arrived = asyncio.Event()

    async def slow(request: web.Request, rec: Recorded) -> web.StreamResponse:
        arrived.set()
        await asyncio.sleep(5)
        return ok("late")

    stub.handler = slow
    async with MeegleClient(**client_kwargs, deadline=30) as client:
        call = asyncio.create_task(get_types(client))
        await asyncio.wait_for(arrived.wait(), GUARD)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "1", True])
async def test_bad_deadlines_are_refused_before_sending(
    stub: Stub, client_kwargs: dict[str, Any], bad: Any
) -> None:
    with pytest.raises(MeegleValidationError, match="deadline"):
        MeegleClient(**client_kwargs, deadline=bad)
    async with MeegleClient(**client_kwargs) as client:
        with pytest.raises(MeegleValidationError, match="deadline"):
            client.with_options(deadline=bad)
        with pytest.raises(MeegleValidationError, match="deadline"):
            await get_types(client, deadline=bad)
    assert stub.requests == []


# -- one client, two event loops -----------------------------------------------------------------


class ThreadStub:
    """The loopback stub on a loop of its own (in a thread), so it outlives the test's loops."""

    def __init__(self) -> None:
        self.stub = Stub()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Stub:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.stub.start(), self.loop).result(GUARD)
        return self.stub

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.stub.close(), self.loop).result(GUARD)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(GUARD)
        self.loop.close()


@pytest.fixture
def thread_stub() -> Iterator[Stub]:
    with ThreadStub() as stub:
        yield stub


def _kwargs(stub: Stub, **kw: Any) -> dict[str, Any]:
    return {
        "base_url": stub.base_url,
        "plugin_id": "plugin-id",
        "plugin_secret": "plugin-secret-value",
        "user_key": "user-key-1",
        **kw,
    }


async def _burst(client: MeegleClient, count: int) -> list[Any]:
    return list(await asyncio.gather(*(get_types(client) for _ in range(count))))


def test_one_client_works_from_two_asyncio_run_calls_without_warnings(thread_stub: Stub) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = MeegleClient(**_kwargs(thread_stub))
        first = asyncio.run(get_types(client))
        second = asyncio.run(get_types(client))
        third = asyncio.run(_burst(client, 20))
        asyncio.run(client.aclose())
        del client
        gc.collect()
    assert first == second == {"ok": True}
    assert third == [{"ok": True}] * 20
    assert len(thread_stub.token_requests) == 1  # the token outlived the first loop
    noisy = [
        str(w.message)
        for w in caught
        if issubclass(w.category, (ResourceWarning, RuntimeWarning, DeprecationWarning))
    ]
    assert noisy == []


def test_limits_hold_across_two_loops(thread_stub: Stub) -> None:
    client = MeegleClient(**_kwargs(thread_stub, rate_limits={"get_work_item_types": 2}))

    async def two() -> None:
        await asyncio.gather(get_types(client), get_types(client))

    asyncio.run(two())
    asyncio.run(two())
    asyncio.run(client.aclose())
    assert len(thread_stub.requests) == 4
    assert thread_stub.max_in_window(1.0) <= 2


def test_a_client_with_shared_state_says_one_client_per_event_loop(thread_stub: Stub) -> None:
    client = MeegleClient(**_kwargs(thread_stub, shared_state=SharedState.in_memory()))
    assert asyncio.run(get_types(client)) == {"ok": True}
    with pytest.raises(MeegleError, match="one client per event loop"):
        asyncio.run(get_types(client))
    assert len(thread_stub.requests) == 1
    asyncio.run(client.aclose())


def test_two_loops_running_at_once_cannot_share_a_client(thread_stub: Stub) -> None:
    client = MeegleClient(**_kwargs(thread_stub))
    started = threading.Event()
    finish = threading.Event()

    async def hold_the_loop() -> None:
        await get_types(client)
        started.set()
        await asyncio.to_thread(finish.wait, GUARD)

    holder = threading.Thread(target=asyncio.run, args=(hold_the_loop(),))
    holder.start()
    try:
        assert started.wait(GUARD)
        with pytest.raises(MeegleError, match="one client per event loop"):
            asyncio.run(get_types(client))
    finally:
        finish.set()
        holder.join(GUARD)
    assert len(thread_stub.requests) == 1


class SlowRelease:
    """A limiter backend whose release takes a while (as a remote one may)."""

    def __init__(self) -> None:
        self.inner = MemoryLimiterBackend()
        self.released = 0
        self.releasing = asyncio.Event()

    async def acquire(self, key: str, rate: RateSource) -> Permit:
        return await self.inner.acquire(key, rate)

    async def release(self, permit: Permit) -> None:
        self.releasing.set()
        await asyncio.sleep(0.5)
        await self.inner.release(permit)
        self.released += 1

    async def pause(self, key: str, seconds: float) -> None:
        await self.inner.pause(key, seconds)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_deadline_passing_while_a_permit_is_released_lets_the_release_finish(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    limiter = SlowRelease()
    state = SharedState(limiter=limiter, token_store=MemoryTokenStore())
    async with MeegleClient(**client_kwargs, shared_state=state) as client:
        with pytest.raises(MeegleTimeoutError, match="deadline"):
            await get_types(client, deadline=0.25)
        assert limiter.releasing.is_set()
        assert limiter.released == 1  # not cut short by the deadline
    assert len(stub.requests) == 1
