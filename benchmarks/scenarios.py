"""The benchmark scenarios. Each runs once and returns its figures; the runner repeats and takes
medians. Every target is a ratio to a floor or a baseline measured in the same run."""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from meegle_async import MeegleClient, RetryPolicy
from meegle_async.models.base import structure_list
from meegle_async.models.work_items import WorkItem
from meegle_async.testing import FakeMeegle, Faults

from .files import FILE_SCENARIOS

Figures = dict[str, Any]
Scenario = Callable[[bool], Awaitable[Figures]]


def _client(fake: FakeMeegle, **kwargs: Any) -> MeegleClient:
    return MeegleClient(
        base_url=fake.base_url,
        plugin_id=fake.plugin_id,
        plugin_secret=fake.plugin_secret,
        user_key=fake.user_key,
        **kwargs,
    )


def _story_ids(fake: FakeMeegle, count: int) -> list[int]:
    # The fake's seeded store (tens of thousands of objects) lives in this process; a real
    # server does not share our garbage collector. Freezing it keeps its collection pauses
    # (100-200 ms each, measured) out of the client's figures.
    gc.collect()
    gc.freeze()
    ids = sorted(
        item.id
        for item in fake.store.items.values()
        if item.type_key == "story" and item.project_key == fake.project_key
    )
    if len(ids) < count:
        raise RuntimeError(f"seeded {len(ids)} stories, need {count}")
    return ids[:count]


def _seed_for(stories: int) -> int:
    return int(stories / 0.45) + 200  # about half the seeded items are stories of the default space


def _throttled(fake: FakeMeegle) -> int:
    return sum(fake.throttled.values())


async def bulk_details(quick: bool) -> Figures:
    """10,000 ids through get_details at 15 QPS with 20 ms latency: elapsed against the floor."""
    count = 1_000 if quick else 10_000
    async with FakeMeegle(seed_items=_seed_for(count), seed=1, latency=0.02) as fake:
        ids = _story_ids(fake, count)
        async with _client(fake) as client:
            started = time.monotonic()
            items = await client.work_items.get_details(fake.project_key, "story", ids)
            elapsed = time.monotonic() - started
            stats = client.stats().endpoints["get_work_item_details"]
        requests = -(-count // 50)
        floor = (requests - 1) / 15
        return {
            "ids": count,
            "requests": stats.requests,
            "elapsed_s": elapsed,
            "floor_s": floor,
            "ratio": elapsed / floor,
            "throttled": _throttled(fake),
            "all_ids_once_in_order": [i.id for i in items] == ids,
        }


async def batch_update(quick: bool) -> Figures:
    """batch_update_and_wait on 1,000 ids (20 tasks), tasks done 2 s after submission."""
    count = 100 if quick else 1_000
    duration = 2.0
    async with FakeMeegle(
        seed_items=_seed_for(count), seed=2, batch_task_duration=duration
    ) as fake:
        ids = _story_ids(fake, count)
        async with _client(fake) as client:
            started = time.monotonic()
            result = await client.work_items.batch_update_and_wait(
                fake.project_key,
                "story",
                ids,
                field_key="description",
                update_mode="UPDATE",
                after_field_value="benchmarked",
                timeout=120,
            )
            elapsed = time.monotonic() - started
            polls = client.stats().endpoints["get_batch_update_progress"].requests
        tasks = -(-count // 50)
        floor = (tasks - 1) * 1.0 + duration
        return {
            "ids": count,
            "tasks": tasks,
            "polls": polls,
            "elapsed_s": elapsed,
            "floor_s": floor,
            "ratio": elapsed / floor,
            "ok": result.ok,
            "throttled": _throttled(fake),
        }


async def overhead(quick: bool) -> Figures:
    """5,000 small calls, limits lifted, 32 in flight: the client against raw aiohttp."""
    calls = 1_000 if quick else 5_000
    in_flight = 32
    path = "/open_api/{project_key}/work_item/all-types"
    async with FakeMeegle(seed_items=10, rate_limits=False, record_requests=False) as fake:
        async with _client(
            fake, default_qps=1_000_000, adaptive_limits=False, max_concurrency=in_flight
        ) as client:
            await client.request(
                "types", "GET", path, path_params={"project_key": fake.project_key}
            )
            gate = asyncio.Semaphore(in_flight)

            async def one() -> None:
                async with gate:
                    await client.request(
                        "types", "GET", path, path_params={"project_key": fake.project_key}
                    )

            started = time.monotonic()
            await asyncio.gather(*(one() for _ in range(calls)))
            client_s = time.monotonic() - started
            token = await client._transport.auth.token()  # type: ignore[union-attr]

        url = f"{fake.base_url}/open_api/{fake.project_key}/work_item/all-types"
        headers = {"X-Plugin-Token": token, "X-User-Key": fake.user_key}
        connector = aiohttp.TCPConnector(limit=in_flight)
        async with aiohttp.ClientSession(connector=connector) as session:
            gate = asyncio.Semaphore(in_flight)

            async def raw() -> None:
                async with gate, session.get(url, headers=headers) as resp:
                    body = json.loads(await resp.read())
                    assert body["err_code"] == 0

            await raw()
            started = time.monotonic()
            await asyncio.gather(*(raw() for _ in range(calls)))
            raw_s = time.monotonic() - started
    return {
        "calls": calls,
        "client_per_s": calls / client_s,
        "raw_aiohttp_per_s": calls / raw_s,
        "ratio": raw_s / client_s,
    }


def _answer_bytes(items: int, fields: int) -> bytes:
    shapes: list[Callable[[int], Any]] = [
        lambda i: f"text value {i}",
        lambda i: {"label": f"P{i % 4}", "value": f"opt_{i % 4}"},
        lambda i: [f"user_{i}", f"user_{i + 1}"],
        lambda i: 1_720_000_000_000 + i,
        lambda i: {"doc": "[]", "doc_text": f"multi text {i}", "is_empty": False},
        lambda i: [{"role": "rd", "owners": [f"user_{i}"]}],
    ]
    data = []
    for n in range(items):
        data.append(
            {
                "id": 10_000 + n,
                "name": f"Story {n}",
                "work_item_type_key": "story",
                "project_key": "space_demo",
                "simple_name": "demo",
                "template_id": 400001,
                "pattern": "Node",
                "sub_stage": "doing",
                "created_by": "user_1",
                "updated_by": "user_2",
                "created_at": 1_720_000_000_000,
                "updated_at": 1_720_000_500_000,
                "current_nodes": [{"id": "dev", "name": "Develop", "owners": ["user_1"]}],
                "work_item_status": {"state_key": "doing", "is_archived_state": False},
                "fields": [
                    {
                        "field_key": f"field_{f:04d}",
                        "field_alias": f"alias_{f}",
                        "field_type_key": "text",
                        "field_value": shapes[f % len(shapes)](f),
                    }
                    for f in range(fields)
                ],
            }
        )
    return json.dumps({"err_code": 0, "err_msg": "", "err": {}, "data": data}).encode()


def _best_of(repeats: int, fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


async def decode(quick: bool) -> Figures:
    """One get_details answer of 50 items x 200 fields: structuring against json.loads alone."""
    raw = _answer_bytes(50, 200)
    repeats = 5 if quick else 20
    parsed = json.loads(raw)["data"]
    loads_s = _best_of(repeats, lambda: json.loads(raw))
    structure_s = _best_of(repeats, lambda: structure_list(parsed, WorkItem))

    def structure_and_read() -> None:
        for item in structure_list(parsed, WorkItem):
            _ = item.field_value_pairs

    full_s = _best_of(repeats, structure_and_read)
    return {
        "bytes": len(raw),
        "json_loads_ms": loads_s * 1000,
        "structure_ms": structure_s * 1000,
        "structure_with_all_fields_ms": full_s * 1000,
        "ratio": structure_s / loads_s,
        "ratio_with_all_fields": full_s / loads_s,
    }


_MEMORY_CHILD = r"""
import asyncio, json, sys, time
from meegle_async import MeegleClient
from meegle_async.testing import FakeMeegle

def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

async def main(count):
    start_ms = 1_735_000_000_000
    async with FakeMeegle(seed_items=10, rate_limits=False, record_requests=False) as fake:
        wid = next(iter(fake.store.items))
        fake.store.add_synthetic_change_log(wid, count, start_ms, start_ms + 6 * 86_400_000)
        async with MeegleClient(base_url=fake.base_url, plugin_id=fake.plugin_id,
                                plugin_secret=fake.plugin_secret, user_key=fake.user_key,
                                default_qps=1_000_000, adaptive_limits=False) as client:
            base = rss_mb()
            peak = base
            seen = 0
            async for record in client.work_items.iter_change_log(
                fake.project_key, [wid], start=start_ms, end=start_ms + 6 * 86_400_000,
                page_size=200,
            ):
                seen += 1
                if seen % 2000 == 0:
                    peak = max(peak, rss_mb())
            peak = max(peak, rss_mb())
    print(json.dumps({"records": seen, "baseline_mb": base, "growth_mb": peak - base}))

asyncio.run(main(int(sys.argv[1])))
"""


def _memory_run(count: int) -> Figures:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, str(count)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


async def memory(quick: bool) -> Figures:
    """iter_change_log over 200,000 records: peak RSS growth, and 50,000 against 200,000."""
    small_n, large_n = (5_000, 20_000) if quick else (50_000, 200_000)
    small = await asyncio.to_thread(_memory_run, small_n)
    large = await asyncio.to_thread(_memory_run, large_n)
    return {
        "records_small": small["records"],
        "records_large": large["records"],
        "growth_small_mb": small["growth_mb"],
        "growth_large_mb": large["growth_mb"],
        "growth_difference_mb": large["growth_mb"] - small["growth_mb"],
    }


async def faults(quick: bool) -> Figures:
    """Bulk details under 10% 429 and 5% 5xx: every id once; elapsed against a clean run."""
    count = 500 if quick else 5_000
    results = {}
    for name, plan in (("clean", None), ("faulty", Faults(p_429=0.10, p_5xx=0.05))):
        async with FakeMeegle(seed_items=_seed_for(count), seed=3, faults=plan) as fake:
            ids = _story_ids(fake, count)
            async with _client(fake, retry_policy=RetryPolicy(max_retries=8)) as client:
                started = time.monotonic()
                items = await client.work_items.get_details(fake.project_key, "story", ids)
                elapsed = time.monotonic() - started
                stats = client.stats().endpoints["get_work_item_details"]
            results[name] = {
                "elapsed_s": elapsed,
                "every_id_once_in_order": [i.id for i in items] == ids,
                "retries": stats.retries,
                "throttled": stats.throttled,
            }
    return {
        "ids": count,
        "clean_elapsed_s": results["clean"]["elapsed_s"],
        "faulty_elapsed_s": results["faulty"]["elapsed_s"],
        "ratio": results["faulty"]["elapsed_s"] / results["clean"]["elapsed_s"],
        "retries": results["faulty"]["retries"],
        "every_id_once_in_order": results["faulty"]["every_id_once_in_order"]
        and results["clean"]["every_id_once_in_order"],
    }


async def adaptive(quick: bool) -> Figures:
    """The token has 5 QPS left on an endpoint while the client starts at 15: 300 calls."""
    calls = 30 if quick else 300
    limit = 5
    async with FakeMeegle(
        seed_items=_seed_for(calls),
        seed=4,
        rate_limits={"get_work_item_details": limit},
        retry_after="float",
    ) as fake:
        ids = _story_ids(fake, calls)
        async with _client(fake, retry_policy=RetryPolicy(max_retries=10)) as client:
            started = time.monotonic()
            await asyncio.gather(
                *(client.work_items.get_details(fake.project_key, "story", [i]) for i in ids)
            )
            elapsed = time.monotonic() - started
            stats = client.stats().endpoints["get_work_item_details"]
    floor = calls / limit
    return {
        "calls": calls,
        "requests": stats.requests,
        "throttled": stats.throttled,
        "throttled_share": stats.throttled / stats.requests,
        "elapsed_s": elapsed,
        "floor_s": floor,
        "ratio": elapsed / floor,
        "errors": stats.errors,
    }


#: The official Go SDK (20 goroutines, a hand-written loop honouring Retry-After) on 2,000 ids
#: against the same server (20 ms round trip, strict window of 15 a second), as measured for
#: issue 17: the peer figure the ``burst`` scenario is quoted against.
GO_SDK_2000_IDS_S = 2.2


async def _timed(call: Awaitable[Any]) -> float:
    started = time.monotonic()
    await call
    return time.monotonic() - started


async def _retry_after_loop(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    chunks: list[list[int]],
    workers: int = 20,
) -> int:
    """The peer: ``workers`` coroutines through plain aiohttp, no limiter, each sleeping out
    ``Retry-After`` on a 429 and trying again (the Go SDK loop of issue 17). Returns the 429s."""
    queue: asyncio.Queue[list[int]] = asyncio.Queue()
    for chunk in chunks:
        queue.put_nowait(chunk)
    throttled = 0

    async def worker() -> None:
        nonlocal throttled
        while not queue.empty():
            chunk = queue.get_nowait()
            while True:
                body = {"work_item_ids": chunk}
                async with session.post(url, json=body, headers=headers) as resp:
                    raw = await resp.read()
                    if resp.status != 429:
                        assert json.loads(raw)["err_code"] == 0
                        break
                    throttled += 1
                    await asyncio.sleep(float(resp.headers.get("Retry-After", "1")))

    await asyncio.gather(*(worker() for _ in range(workers)))
    return throttled


async def burst(quick: bool) -> Figures:
    """15 calls from idle (20 ms round trip, strict window of 15/s): the slowest answer against
    a raw aiohttp burst. Then 2,000 ids (40 chunks) and 60 single-id calls against the
    strict-window floor (whole windows plus the last burst's own time from idle, measured), and
    2,000 ids through a plain Retry-After loop (the Go SDK's way) in the same run."""
    limit = 15
    chunks = 40
    singles = 60
    async with FakeMeegle(
        seed_items=_seed_for(chunks * 50), seed=5, latency=0.02, retry_after="float"
    ) as fake:
        ids = _story_ids(fake, chunks * 50)
        url = f"{fake.base_url}/open_api/{fake.project_key}/work_item/story/query"
        async with _client(fake) as client, aiohttp.ClientSession() as session:
            wi = client.work_items
            rtt = await _timed(wi.get_details(fake.project_key, "story", ids[:1]))
            rtt = min(rtt, await _timed(wi.get_details(fake.project_key, "story", ids[1:2])))
            token = await client._transport.auth.token()  # type: ignore[union-attr]
            headers = {"X-Plugin-Token": token, "X-User-Key": fake.user_key}

            async def raw(i: int) -> None:
                body = {"work_item_ids": [ids[i]]}
                async with session.post(url, json=body, headers=headers) as resp:
                    assert json.loads(await resp.read())["err_code"] == 0

            # The floor of a burst: the same 15 calls straight through aiohttp.
            await asyncio.sleep(1.1)  # the window is empty again
            raw_times = await asyncio.gather(*(_timed(raw(i)) for i in range(limit)))
            await asyncio.sleep(1.1)
            wait_before = client.stats().endpoints["get_work_item_details"].limiter_wait_seconds
            times = await asyncio.gather(
                *(_timed(wi.get_details(fake.project_key, "story", [ids[i]])) for i in range(limit))
            )
            stats = client.stats().endpoints["get_work_item_details"]
            burst_wait = stats.limiter_wait_seconds - wait_before
            client_throttled = _throttled(fake)

            # The strict-window floor: full windows, then the last burst's time from idle.
            last_chunks = chunks - (math.ceil(chunks / limit) - 1) * limit
            await asyncio.sleep(1.1)
            last_burst = await _timed(
                wi.get_details(fake.project_key, "story", ids[: last_chunks * 50])
            )
            await asyncio.sleep(1.1)
            bulk_s = await _timed(wi.get_details(fake.project_key, "story", ids))

            last_singles = singles - (math.ceil(singles / limit) - 1) * limit
            await asyncio.sleep(1.1)
            last_single_burst = await _timed(
                asyncio.gather(
                    *(wi.get_details(fake.project_key, "story", [i]) for i in ids[:last_singles])
                )
            )
            await asyncio.sleep(1.1)
            single_s = await _timed(
                asyncio.gather(
                    *(wi.get_details(fake.project_key, "story", [i]) for i in ids[:singles])
                )
            )
            client_throttled = _throttled(fake)

            await asyncio.sleep(1.1)
            started = time.monotonic()
            peer_throttled = await _retry_after_loop(
                session, url, headers, [ids[n : n + 50] for n in range(0, len(ids), 50)]
            )
            peer_s = time.monotonic() - started
    bulk_floor = (math.ceil(chunks / limit) - 1) * 1.0 + last_burst
    single_floor = (math.ceil(singles / limit) - 1) * 1.0 + last_single_burst
    times = sorted(times)
    return {
        "round_trip_ms": rtt * 1000,
        "burst_p50_ms": times[len(times) // 2] * 1000,
        "burst_slowest_ms": times[-1] * 1000,
        "raw_burst_slowest_ms": max(raw_times) * 1000,
        "burst_overhead_ms": (times[-1] - max(raw_times)) * 1000,
        "burst_limiter_wait_ms": burst_wait * 1000,
        "ids_2000_s": bulk_s,
        "ids_2000_floor_s": bulk_floor,
        "ids_2000_ratio": bulk_s / bulk_floor,
        "ids_2000_retry_after_loop_s": peer_s,
        "ids_2000_retry_after_loop_429s": peer_throttled,
        "ids_2000_go_sdk_quoted_s": GO_SDK_2000_IDS_S,
        "singles_60_s": single_s,
        "singles_60_floor_s": single_floor,
        "singles_60_ratio": single_s / single_floor,
        "throttled": client_throttled,
    }


async def coalesce(quick: bool) -> Figures:
    """50 concurrent single-item reads (20 ms round trip): work_items.get against 50
    get_details([id]) calls: requests sent and time to the last answer."""
    count = 50
    async with FakeMeegle(seed_items=_seed_for(count), seed=6, latency=0.02) as fake:
        ids = _story_ids(fake, count)
        async with _client(fake) as client:
            wi = client.work_items
            rtt = await _timed(wi.get_details(fake.project_key, "story", ids[:1]))
            await asyncio.sleep(1.1)
            before = fake.requests_to("get_work_item_details")
            get_s = await _timed(
                asyncio.gather(*(wi.get(fake.project_key, "story", i) for i in ids))
            )
            get_requests = len(fake.requests_to("get_work_item_details")) - len(before)
            await asyncio.sleep(1.1)
            before = fake.requests_to("get_work_item_details")
            details_s = await _timed(
                asyncio.gather(*(wi.get_details(fake.project_key, "story", [i]) for i in ids))
            )
            details_requests = len(fake.requests_to("get_work_item_details")) - len(before)
    return {
        "calls": count,
        "round_trip_ms": rtt * 1000,
        "get_requests": get_requests,
        "get_ms": get_s * 1000,
        "get_in_round_trips": get_s / rtt,
        "separate_requests": details_requests,
        "separate_ms": details_s * 1000,
        "throttled": _throttled(fake),
    }


#: name -> (scenario, the figure compared with the target, the target, how it is compared)
SCENARIOS: dict[str, tuple[Scenario, str, float, str]] = {
    "bulk_details": (bulk_details, "ratio", 1.05, "<="),
    "batch_update": (batch_update, "ratio", 1.15, "<="),
    "overhead": (overhead, "ratio", 0.75, ">="),
    "decode": (decode, "ratio_with_all_fields", 3.0, "<="),
    "memory": (memory, "growth_large_mb", 50.0, "<="),
    "faults": (faults, "ratio", float("inf"), "<="),
    "adaptive": (adaptive, "ratio", 1.3, "<="),
    "burst": (burst, "burst_overhead_ms", 5.0, "<="),
    "coalesce": (coalesce, "get_requests", 2, "<="),
    **FILE_SCENARIOS,
}
