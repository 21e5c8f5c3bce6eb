"""The Redis backend against a real ``redis-server`` and real worker processes.

The fleet tests start worker processes (``python -c WORKER``) that share one token and one Redis
and call one loopback server (``tests.conftest.Stub``, in this process) that counts arrivals in a
strict sliding window per endpoint and answers HTTP 429 to the N+1-th.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections import deque
from typing import Any

import pytest
from aiohttp import web
from redis.asyncio import Redis

from meegle_async import MeegleBackendError, MeegleClient, MeegleValidationError, RetryPolicy
from meegle_async.backends.redis import (
    RedisLimiterBackend,
    RedisTokenStore,
    redis_shared_state,
    shared_state_from_url,
)
from meegle_async.client import SharedState
from meegle_async.transport.auth import Secret, StoredToken
from tests.backends.conftest import RedisServer
from tests.conftest import Recorded, Stub, ok

QUERY_PATH = "/open_api/{project_key}/work_item/{work_item_type_key}/query"
QUERY_PARAMS = {"project_key": "space", "work_item_type_key": "story"}
BATCH_PATH = "/open_api/work_item/batch_update"
PLUGIN = {"plugin_id": "plugin-id", "plugin_secret": "plugin-secret-value", "user_key": "user-1"}

# A worker process: builds a client on the shared Redis, says "ready", waits for "go" on stdin,
# then runs `coroutines` loops of queries until `duration` is over (or `calls` calls each) plus
# `batch_calls` batch updates, and prints a JSON summary.
WORKER = r"""
import asyncio, json, sys, time
from meegle_async import MeegleClient, RetryPolicy

async def main(cfg):
    state = cfg["redis_url"]
    if cfg.get("state_options"):
        from meegle_async.backends.redis import shared_state_from_url
        state = shared_state_from_url(cfg["redis_url"], **cfg["state_options"])
    client = MeegleClient(
        base_url=cfg["base_url"], plugin_id="plugin-id", plugin_secret="plugin-secret-value",
        user_key="user-1", shared_state=state, default_qps=cfg.get("default_qps", 15.0),
        retry_policy=RetryPolicy(max_retries=2, backoff_base=0.01, backoff_max=0.05),
    )
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    deadline = time.monotonic() + cfg.get("duration", 0)
    done, errors = 0, []

    async def query():
        return await client.request(
            "get_work_item_details", "POST",
            "/open_api/{project_key}/work_item/{work_item_type_key}/query",
            path_params={"project_key": "space", "work_item_type_key": "story"},
            json={"work_item_ids": [1]},
        )

    async def loop():
        nonlocal done
        n = 0
        while (cfg.get("calls") and n < cfg["calls"]) or (
            not cfg.get("calls") and time.monotonic() < deadline
        ):
            n += 1
            try:
                await query()
                done += 1
            except Exception as exc:
                errors.append(repr(exc))

    async def batch():
        nonlocal done
        for _ in range(cfg.get("batch_calls", 0)):
            try:
                await client.request(
                    "batch_update_work_item_field", "POST", "/open_api/work_item/batch_update",
                    json={"project_key": "space", "work_item_ids": [1]},
                )
                done += 1
            except Exception as exc:
                errors.append(repr(exc))

    await asyncio.gather(*(loop() for _ in range(cfg["coroutines"])), batch())
    stats = client.stats()
    throttled = sum(s.throttled for s in stats.endpoints.values())
    await client.aclose()
    print(json.dumps({"done": done, "errors": errors[:5], "error_count": len(errors),
                      "throttled": throttled}), flush=True)

asyncio.run(main(json.loads(sys.argv[1])))
"""


class WindowedMeegle:
    """The stub's handler: N per endpoint in any sliding second, HTTP 429 beyond (like Meegle)."""

    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self.limits = {"query": 15, "batch": 1}
        self.accepted: dict[str, deque[float]] = {name: deque() for name in self.limits}
        self.throttled = 0
        stub.handler = self.handle

    @staticmethod
    def endpoint(rec: Recorded) -> str:
        return "batch" if rec.path.endswith("/batch_update") else "query"

    async def handle(self, request: web.Request, rec: Recorded) -> web.StreamResponse:
        name = self.endpoint(rec)
        window = self.accepted[name]
        while window and rec.arrival - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.limits[name]:
            self.throttled += 1
            return web.json_response(
                {"err_code": 0, "err_msg": "too many requests"},
                status=429,
                headers={"Retry-After": "1"},
            )
        window.append(rec.arrival)
        return ok({"ok": True})

    def arrivals(self, name: str) -> list[Recorded]:
        return [r for r in self.stub.requests if self.endpoint(r) == name]


def pace(records: list[Recorded]) -> float:
    times = sorted(r.arrival for r in records)
    return (len(times) - 1) / (times[-1] - times[0])


async def run_workers(configs: list[dict[str, Any]], timeout: float = 40.0) -> list[dict[str, Any]]:
    """Start the workers, wait until all are ready, start them together, collect summaries."""
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            json.dumps(cfg),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for cfg in configs
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 20.0)
            if line.strip() != b"ready":
                assert proc.stderr is not None
                raise AssertionError(
                    f"worker failed to start: {line!r} {await proc.stderr.read()!r}"
                )
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
        results = []
        for proc in procs:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
            assert proc.returncode == 0, err.decode(errors="replace")
            results.append(json.loads(out.decode().strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


def plugin_client(stub: Stub, shared_state: SharedState | str, **kwargs: Any) -> MeegleClient:
    return MeegleClient(
        base_url=stub.base_url,
        shared_state=shared_state,
        retry_policy=RetryPolicy(max_retries=2, backoff_base=0.01, backoff_max=0.05),
        **PLUGIN,
        **kwargs,
    )


async def query(client: MeegleClient) -> Any:
    return await client.request(
        "get_work_item_details",
        "POST",
        QUERY_PATH,
        path_params=QUERY_PARAMS,
        json={"work_item_ids": [1]},
    )


# -- a fleet of processes ---------------------------------------------------------------------


@pytest.mark.slow
async def test_four_processes_keep_the_window_and_the_pace_with_one_token(
    stub: Stub, redis_url: str
) -> None:
    server = WindowedMeegle(stub)
    configs = [
        {
            "base_url": stub.base_url,
            "redis_url": redis_url,
            "coroutines": 20,
            "calls": 1,
            "batch_calls": 2 if i == 0 else 1,
        }
        for i in range(4)
    ]

    results = await run_workers(configs)

    assert [r["error_count"] for r in results] == [0, 0, 0, 0], results
    assert server.throttled == 0
    assert sum(r["throttled"] for r in results) == 0
    assert len(stub.token_requests) == 1
    queries = server.arrivals("query")
    assert stub.max_in_window(1.0, queries) <= 15
    assert 15 * 0.95 <= pace(queries) <= 15 * 1.05, pace(queries)
    assert all(r["done"] > 0 for r in results)
    batches = server.arrivals("batch")
    assert len(batches) == 5
    assert stub.max_in_window(1.0, batches) <= 1
    assert 0.95 <= pace(batches) <= 1.05, pace(batches)


async def test_a_refused_token_is_renewed_once_for_the_whole_fleet(
    stub: Stub, redis_url: str
) -> None:
    # The fleet starts with a cached token the server no longer accepts (10211).
    stub.valid_tokens = set()
    probe = plugin_client(stub, redis_url)
    store_key = probe._transport.auth.store_key  # type: ignore[union-attr]
    await probe.aclose()
    redis = Redis.from_url(redis_url)
    seed = RedisTokenStore(redis)
    await seed.save(
        store_key, StoredToken(value=Secret("stale-token"), expires_at=time.time() + 600)
    )
    configs = [
        {
            "base_url": stub.base_url,
            "redis_url": redis_url,
            "coroutines": 20,
            "calls": 1,
            "default_qps": 100.0,
        }
        for _ in range(4)
    ]

    results = await run_workers(configs)

    assert [r["error_count"] for r in results] == [0, 0, 0, 0], results
    assert sum(r["done"] for r in results) == 80
    assert len(stub.token_requests) == 1
    sent = [r.headers["X-Plugin-Token"] for r in stub.requests]
    assert set(sent) == {"stale-token", "tok-1"}
    assert sent.count("tok-1") == 80
    assert (await seed.load(store_key)).value.get() == "tok-1"  # type: ignore[union-attr]
    await redis.aclose()


async def test_a_worker_killed_holding_the_token_lock_holds_nobody_up_past_its_expiry(
    stub: Stub, redis_url: str
) -> None:
    holding = asyncio.Event()
    done = asyncio.Event()

    async def hang(request: web.Request, rec: Recorded) -> web.StreamResponse:
        if len(stub.token_requests) == 1:
            holding.set()
            await done.wait()
        return await stub._default_token(request, rec)

    stub.token_handler = hang
    options = {"token_lock_ttl": 1.5}
    config = {
        "base_url": stub.base_url,
        "redis_url": redis_url,
        "state_options": options,
        "coroutines": 1,
        "calls": 1,
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WORKER,
        json.dumps(config),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert worker.stdout is not None
    assert worker.stdin is not None
    assert (await asyncio.wait_for(worker.stdout.readline(), 20.0)).strip() == b"ready"
    worker.stdin.write(b"go\n")
    await worker.stdin.drain()
    await asyncio.wait_for(holding.wait(), 10.0)  # it holds the lock and waits for its token
    worker.kill()  # SIGKILL: no finally block runs, the lock stays in Redis
    await worker.wait()

    state = shared_state_from_url(redis_url, **options)
    client = plugin_client(stub, state)
    store = state.token_store
    assert isinstance(store, RedisTokenStore)
    redis = Redis.from_url(redis_url)
    lock_key = store.token_key(client._transport.auth.store_key) + ":lock"  # type: ignore[union-attr]
    left = await redis.pttl(lock_key) / 1000
    assert 0 < left <= 1.5
    started = time.monotonic()
    assert await query(client) == {"ok": True}
    waited = time.monotonic() - started
    assert left - 0.1 <= waited <= left + 1.0
    assert len(stub.token_requests) == 2
    assert stub.requests[-1].headers["X-Plugin-Token"] == "tok-1"  # the killed one got none
    done.set()
    await client.aclose()
    await redis.aclose()


# -- faults: Redis stopped and started mid-run ------------------------------------------------


@pytest.mark.slow
async def test_redis_stopped_and_restarted_mid_run_falls_back_warns_once_and_recovers(
    stub: Stub, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="meegle_async")
    server = WindowedMeegle(stub)
    # Two shared states with their own fallback memory: two processes as far as limits go.
    states = [
        shared_state_from_url(redis_server.url, fallback_workers=2, probe_interval=0.3)
        for _ in range(2)
    ]
    clients = [plugin_client(stub, state) for state in states]
    errors: list[BaseException] = []
    deadline = time.monotonic() + 5.0

    async def loop(client: MeegleClient) -> None:
        while time.monotonic() < deadline:
            try:
                await query(client)
            except Exception as exc:
                errors.append(exc)

    async def outage() -> None:
        await asyncio.sleep(1.2)
        await asyncio.to_thread(redis_server.stop)
        await asyncio.sleep(1.3)
        await asyncio.to_thread(redis_server.start)

    await asyncio.gather(*(loop(c) for c in clients for _ in range(10)), outage())

    assert errors == []
    assert server.throttled == 0
    assert stub.max_in_window(1.0) <= 15
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, [r.getMessage() for r in warnings]  # one per process
    assert all("Redis at 127.0.0.1" in r.getMessage() for r in warnings)
    assert all(state.limiter.healthy for state in states)  # type: ignore[attr-defined]
    # Back on Redis: the restarted server holds limiter state again.
    redis = Redis.from_url(redis_server.url)
    assert await redis.keys("meegle:limit:*")
    # The restart lost the cached token: one fetch for both, under the shared lock.
    assert len(stub.token_requests) == 2
    await redis.aclose()
    for client in clients:
        await client.aclose()


async def test_raise_mode_raises_a_clear_backend_error_and_sends_nothing(
    stub: Stub, redis_server: RedisServer
) -> None:
    client = plugin_client(stub, redis_server.url, on_backend_error="raise")
    assert await query(client) == {"ok": True}
    redis_server.stop()
    sent = len(stub.requests)

    with pytest.raises(
        MeegleBackendError, match=r"\(Redis at 127\.0\.0\.1:\d+/0\) failed while"
    ) as info:
        await query(client)
    assert "plugin-secret-value" not in str(info.value)
    assert len(stub.requests) == sent

    redis_server.start()
    assert await query(client) == {"ok": True}
    await client.aclose()


async def test_fallback_with_redis_down_from_the_start_keeps_going_at_the_share(
    stub: Stub, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    redis_server.stop()
    state = shared_state_from_url(redis_server.url, fallback_workers=3)
    client = plugin_client(stub, state, rate_limits={"get_work_item_details": 6.0})

    await asyncio.gather(*(query(client) for _ in range(4)))

    arrivals = sorted(r.arrival for r in stub.requests)
    # 6 QPS shared by 3 expected workers: 2 per second for this one.
    assert stub.max_in_window(1.0) <= 2
    assert arrivals[-1] - arrivals[0] >= 1.0
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    await client.aclose()


# -- the limiter shared between processes (two backends stand for two processes) ---------------


def two_limiters(url: str, **options: Any) -> tuple[RedisLimiterBackend, RedisLimiterBackend]:
    pair = []
    for _ in range(2):
        limiter = shared_state_from_url(url, **options).limiter
        assert isinstance(limiter, RedisLimiterBackend)
        pair.append(limiter)
    return pair[0], pair[1]


async def test_permits_in_flight_elsewhere_hold_the_window_until_answered(redis_url: str) -> None:
    a, b = two_limiters(redis_url)
    permits = [await a.acquire("t:e", 3.0) for _ in range(3)]
    started = time.monotonic()

    async def answer_later() -> None:
        await asyncio.sleep(0.3)
        for permit in permits:
            await a.release(permit)

    releasing = asyncio.create_task(answer_later())
    granted = await b.acquire("t:e", 3.0)
    # A request delayed on its way may reach the server as late as its answer: the window
    # counts from the answers (0.3 s), not from the grants.
    assert time.monotonic() - started >= 1.3
    await releasing
    await b.release(granted)
    await a.aclose()
    await b.aclose()


async def test_a_throttled_answer_pauses_the_endpoint_for_every_process(redis_url: str) -> None:
    a, b = two_limiters(redis_url)
    await a.pause("t:e", 0.6)
    started = time.monotonic()
    permit = await b.acquire("t:e", 15.0)
    assert time.monotonic() - started >= 0.6
    await b.release(permit)
    await a.aclose()
    await b.aclose()


async def test_a_permit_of_a_crashed_worker_frees_its_slot_after_the_lease(redis_url: str) -> None:
    a, b = two_limiters(redis_url, permit_lease=0.3)
    await a.acquire("t:e", 1.0)  # never released: the worker died mid-request
    started = time.monotonic()
    permit = await b.acquire("t:e", 1.0)
    assert 1.2 <= time.monotonic() - started <= 2.0
    await b.release(permit)
    await a.aclose()
    await b.aclose()


async def test_a_cancelled_wait_gives_its_slot_back(redis_url: str) -> None:
    a, _ = two_limiters(redis_url)
    first = await a.acquire("t:e", 1.0)
    await a.release(first)
    waiting = asyncio.create_task(a.acquire("t:e", 1.0))
    await asyncio.sleep(0.2)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    redis = Redis.from_url(redis_url)
    await a.aclose()  # waits for the give-back
    assert await redis.zcard("meegle:limit:{t:e}:log") == 1
    await redis.aclose()


async def test_cancelled_callers_stop_even_mid_command(redis_url: str) -> None:
    # redis-py 8.1 loses many cancellations that arrive while a command is in flight; the
    # backend must not: a cancelled caller that carried on would queue for slots forever.
    a, _ = two_limiters(redis_url)
    state = shared_state_from_url(redis_url)
    store = state.token_store
    await store.save("k", StoredToken(value=Secret("v")))

    async def busy(i: int) -> None:
        while True:
            permit = await a.acquire(f"t{i}:e", 1000.0)
            await a.release(permit)
            await store.load("k")

    for round_ in range(20):
        tasks = [asyncio.create_task(busy(i)) for i in range(5)]
        await asyncio.sleep(0.002 * (round_ % 5))
        for task in tasks:
            task.cancel()
        _, pending = await asyncio.wait(tasks, timeout=2.0)
        assert not pending
    await a.aclose()
    await state.limiter.aclose()


# -- the token store and the keys -------------------------------------------------------------


async def test_keys_carry_the_prefix_and_no_secret_and_the_token_expires_with_it(
    stub: Stub, redis_url: str
) -> None:
    redis = Redis.from_url(redis_url)
    client = plugin_client(stub, redis_shared_state(redis, key_prefix="acme"))
    await query(client)

    keys = sorted(k.decode() for k in await redis.keys("*"))
    assert keys
    assert all(k.startswith("acme:") for k in keys), keys
    assert not any(s in k for k in keys for s in ("plugin-secret-value", "plugin-id", "tok-1"))
    token_keys = [k for k in keys if k.startswith("acme:token:")]
    assert len(token_keys) == 1
    assert 7190_000 <= await redis.pttl(token_keys[0]) <= 7200_000
    await client.aclose()  # the given client stays open
    assert await redis.ping()
    await redis.aclose()


async def test_discard_deletes_only_the_refused_token(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    store = RedisTokenStore(redis, key_prefix="t")
    await store.save("k", StoredToken(value=Secret("new")))
    await store.discard("k", "old")
    assert (await store.load("k")).value.get() == "new"  # type: ignore[union-attr]
    await store.discard("k", "new")
    assert await store.load("k") is None
    assert await redis.exists(store.token_key("k")) == 0
    await redis.aclose()


async def test_one_fetch_lock_holder_across_stores(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    stores = [RedisTokenStore(redis, lock_poll=0.01) for _ in range(3)]
    inside = 0
    most = 0

    async def hold(store: RedisTokenStore) -> None:
        nonlocal inside, most
        async with store.fetch_lock("k"):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.05)
            inside -= 1

    await asyncio.gather(*(hold(s) for s in stores for _ in range(2)))
    assert most == 1
    await redis.aclose()


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"key_prefix": ""}, "key_prefix"),
        ({"key_prefix": "a{b}"}, "braces"),
        ({"on_backend_error": "ignore"}, "on_backend_error"),
        ({"fallback_workers": 0}, "fallback_workers"),
        ({"permit_lease": 0}, "permit_lease"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], match: str) -> None:
    with pytest.raises(MeegleValidationError, match=match):
        shared_state_from_url("redis://127.0.0.1:1/0", **options)


def test_a_bad_url_is_refused() -> None:
    with pytest.raises(MeegleValidationError, match="Redis URL"):
        shared_state_from_url("redis://127.0.0.1:notaport/0")


def test_from_env_reads_meegle_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEEGLE_REDIS_URL", "redis://127.0.0.1:1/0")
    client = MeegleClient.from_env(**PLUGIN)
    assert isinstance(client._state.limiter, RedisLimiterBackend)
    assert isinstance(client._state.token_store, RedisTokenStore)
