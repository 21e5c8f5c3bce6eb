"""Fault runs: the client against a fake that throttles, fails, drops connections and loses
answers, and against the real rate limits: every id once and in order, every write applied once,
no throttled answer when nothing else shares the budget."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from meegle_async import PollSchedule
from meegle_async.testing import Faults
from meegle_async.testing.pytest_plugin import MeegleFakeFixture

FAST = PollSchedule(first_delay=0.1, interval=0.1, backoff=1.5, max_interval=0.3)


@pytest.mark.slow
@pytest.mark.meegle_fake(
    seed_items=4000,
    seed_subtasks=0,
    seed_resources=0,
    seed=1,
    retry_after="float",
    faults=Faults(p_429=0.10, p_5xx=0.05, p_drop_before=0.01, p_drop_after=0.01),
)
async def test_2000_ids_under_throttling_5xx_and_drops_come_back_once_in_order(
    meegle_fake: MeegleFakeFixture,
) -> None:
    ids = meegle_fake.ids("story", limit=2000)
    assert len(ids) == 2000
    random.Random(5).shuffle(ids)  # input order, not id order, is what comes back
    items = await meegle_fake.client.work_items.get_details(meegle_fake.project_key, "story", ids)
    assert [i.id for i in items] == ids

    injected = meegle_fake.server.faults.injected
    assert injected.get("429", 0) > 0
    assert sum(injected.get(k, 0) for k in ("500", "502", "503")) > 0
    assert injected.get("drop_before", 0) + injected.get("drop_after", 0) > 0
    stats = meegle_fake.client.stats().endpoints["get_work_item_details"]
    assert stats.retries == sum(injected.values())  # each fault cost exactly one retry
    assert stats.requests == 40 + stats.retries
    assert stats.errors == 0


@pytest.mark.meegle_fake(
    seed_items=0,
    seed=3,
    faults=Faults(p_drop_after=0.3, endpoints={"create_work_item"}),
)
async def test_40_creates_with_30_percent_lost_answers_leave_exactly_40_items(
    meegle_fake: MeegleFakeFixture,
) -> None:
    wi = meegle_fake.client.work_items
    p = meegle_fake.project_key
    names = [f"idempotent #{n}" for n in range(40)]
    new_ids = await asyncio.gather(*(wi.create(p, "story", name=name) for name in names))

    server = meegle_fake.server
    lost = server.faults.injected.get("drop_after", 0)
    assert lost >= 5  # about 30% of the 40 first attempts, plus some retries
    created = [i for i in server.store.items.values() if i.name.startswith("idempotent #")]
    assert len(created) == 40
    assert sorted(i.name for i in created) == sorted(names)
    # each call returned the id of the item it made, even when the first answer was lost
    by_name = {i.name: i.id for i in created}
    assert list(new_ids) == [by_name[name] for name in names]
    replayed = [r for r in server.requests_to("create_work_item") if r.replayed]
    assert len(replayed) >= lost - 1  # retries after a lost answer were replays, not new items
    keys = [r.headers["X-Idem-UUID"] for r in server.requests_to("create_work_item")]
    assert len(set(keys)) == 40


@pytest.mark.meegle_fake(seed_items=0, seed=3)
async def test_updates_with_lost_answers_apply_once(meegle_fake: MeegleFakeFixture) -> None:
    wi = meegle_fake.client.work_items
    p = meegle_fake.project_key
    wid = await wi.create(p, "story", name="counted")
    server = meegle_fake.server
    server.faults.inject("update_work_item", "drop_after", "drop_after", "503")
    await wi.update(p, "story", wid, [{"field_key": "description", "field_value": "once"}])
    attempts = server.requests_to("update_work_item")
    assert len(attempts) == 4
    assert len({r.headers["X-Idem-UUID"] for r in attempts}) == 1
    records = [r async for r in wi.iter_change_log(p, [wid]) if r.operation_type == "modify"]
    assert len(records) == 1  # the change was applied once, the three retries replayed it


@pytest.mark.slow
@pytest.mark.meegle_fake(seed_items=150, seed=6, batch_task_duration=0.2)
async def test_batch_submissions_with_lost_answers_start_each_task_once(
    meegle_fake: MeegleFakeFixture,
) -> None:
    server = meegle_fake.server
    ids = meegle_fake.ids("story", limit=70)
    server.faults.inject("batch_update_work_item_field", "drop_after", "drop_after")
    result = await meegle_fake.client.work_items.batch_update_and_wait(
        meegle_fake.project_key,
        "story",
        ids,
        field_key="description",
        update_mode="UPDATE",
        after_field_value="exactly once",
        poll_schedule=FAST,
        timeout=60,
    )
    assert result.raise_for_failures().ok
    assert len(server.store.batch_tasks) == 2  # not 4: the resent chunks were replays
    assert sorted(result.success_ids) == sorted(ids)


@pytest.mark.slow
@pytest.mark.meegle_fake(seed_items=200, seed=9, batch_task_duration=0.3)
async def test_no_throttled_answer_at_the_real_limits(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    p = meegle_fake.project_key
    stories = meegle_fake.ids("story")
    assert len(stories) >= 100
    t0 = time.monotonic()

    async def batch(chunk: list[int], n: int) -> None:
        result = await client.work_items.batch_update_and_wait(
            p,
            "story",
            chunk,
            field_key="description",
            update_mode="UPDATE",
            after_field_value=f"round {n}",
            poll_schedule=FAST,
            timeout=60,
        )
        result.raise_for_failures()

    calls = [
        *(client.work_items.get_details(p, "story", [wid]) for wid in stories[:100]),
        *(client.work_items.get_change_log(p, [wid]) for wid in stories[:100]),
        *(client.tasks.get_details(p, "story", wid) for wid in stories[:100]),
        *(batch(stories[i * 30 : (i + 1) * 30], i) for i in range(3)),
    ]
    await asyncio.gather(*calls)
    elapsed = time.monotonic() - t0

    assert meegle_fake.server.throttled == {}
    stats = client.stats()
    assert stats.total.throttled == 0
    assert stats.total.retries == 0
    for name in ("get_work_item_details", "get_work_item_change_log", "get_task_details"):
        assert stats.endpoints[name].requests == 100
    assert stats.endpoints["batch_update_work_item_field"].requests == 3
    # 100 calls of one endpoint, 15 in any second: 7 bursts, at least 6 windows apart
    assert elapsed >= 6 * 1.0 - 0.1
