"""client.work_hours: exact requests, refusals before sending, records that add up on the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import MeegleClient, MeegleNotFoundError, MeegleValidationError
from meegle_async.models.work_hours import WorkHourEntry, WorkHourRecord
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, ok

P = "space_demo"
MONDAY = 1_767_571_200_000  # 2026-01-05
FRIDAY = MONDAY + 4 * 86_400_000
SUNDAY = MONDAY + 6 * 86_400_000


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


async def test_requests_on_the_wire(stub: Stub, client: MeegleClient) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        if request.path.endswith("records"):
            return ok([{"id": 1, "work_time": 2.5, "work_date": MONDAY}], pagination={"total": 1})
        if request.method == "POST":
            return ok([{"id": 2, "work_time": 8}])
        return ok(None)

    stub.handler = handler
    page = await client.work_hours.list("space", "story", "101", page_num=1, page_size=20)
    created = await client.work_hours.create(
        "space",
        "story",
        101,
        [
            WorkHourEntry(resource_type="node", resource_id="started", work_time=8),
            {"resource_type": "work_item", "resource_id": "101", "work_time": 0.5},
        ],
        work_begin_date=MONDAY,
        work_end_date=FRIDAY,
        include_holidays=False,
        idempotency_key="k1",
    )
    await client.work_hours.update("space", "story", 101, [{"id": 2, "work_description": "x"}])
    await client.work_hours.delete("space", "story", 101, [2, "3"])
    listed, create, update, delete = stub.requests
    assert (listed.method, listed.path) == ("POST", "/open_api/work_item/man_hour/records")
    assert listed.json == {
        "project_key": "space",
        "work_item_type_key": "story",
        "work_item_id": 101,
        "page_num": 1,
        "page_size": 20,
    }
    path = "/open_api/space/work_item/story/101/work_hour_record"
    assert (create.method, create.path) == ("POST", path)
    assert create.json == {
        "work_begin_date": MONDAY,
        "work_end_date": FRIDAY,
        "include_holidays": False,
        "working_hour_records": [
            {"resource_type": "node", "resource_id": "started", "work_time": "8"},
            {"resource_type": "work_item", "resource_id": "101", "work_time": "0.5"},
        ],
    }
    assert create.headers["X-Idem-UUID"] == "k1"
    assert (update.method, update.path) == ("PUT", path)
    assert update.json == {"working_hour_records": [{"id": 2, "work_description": "x"}]}
    assert (delete.method, delete.path) == ("DELETE", path)
    assert delete.json == {"working_hour_record_ids": [2, 3]}
    assert page.items == [WorkHourRecord(id=1, work_time=2.5, work_date=MONDAY)]
    assert created[0].work_time == 8.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda w: w.list("space", "story", 0), "work_item_id"),
        (lambda w: w.list("space", "story", 1, page_size=0), "page_size"),
        (
            lambda w: w.create(
                "space", "story", 1, [], work_begin_date=MONDAY, work_end_date=MONDAY
            ),
            "empty",
        ),
        (
            lambda w: w.create(
                "space",
                "story",
                1,
                [{"resource_type": "node", "resource_id": "n", "work_time": float("nan")}],
                work_begin_date=MONDAY,
                work_end_date=MONDAY,
            ),
            "finite",
        ),
        (
            lambda w: w.create(
                "space",
                "story",
                1,
                [{"resource_type": "node", "resource_id": "n", "work_time": -1}],
                work_begin_date=MONDAY,
                work_end_date=MONDAY,
            ),
            "positive",
        ),
        (
            lambda w: w.create(
                "space",
                "story",
                1,
                [{"resource_type": "", "resource_id": "n", "work_time": 1}],
                work_begin_date=MONDAY,
                work_end_date=MONDAY,
            ),
            "resource_type",
        ),
        (
            lambda w: w.create(
                "space",
                "story",
                1,
                [{"resource_type": "node", "resource_id": "n", "work_time": 1}],
                work_begin_date=FRIDAY,
                work_end_date=MONDAY,
            ),
            "after",
        ),
        (
            lambda w: w.create(
                "space",
                "story",
                1,
                [{"resource_type": "node", "resource_id": "n", "work_time": 1}],
                work_begin_date=MONDAY // 1000,
                work_end_date=MONDAY,
            ),
            "seconds",
        ),
        (lambda w: w.update("space", "story", 1, [{"id": 5}]), "changes nothing"),
        (lambda w: w.update("space", "story", 1, []), "empty"),
        (lambda w: w.delete("space", "story", 1, []), "empty"),
        (lambda w: w.delete("space", "story", 1, [True]), "bool"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    stub: Stub, client: MeegleClient, call: Any, message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        await call(client.work_hours)
    assert stub.requests == []


@pytest.mark.meegle_fake(seed_items=40, seed=4)
async def test_hours_add_up_on_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    wh = meegle_fake.client.work_hours
    item = meegle_fake.ids("story", limit=1)[0]
    entry = {"resource_type": "work_item", "resource_id": str(item), "work_time": 10}
    week = await wh.create(P, "story", item, [entry], work_begin_date=MONDAY, work_end_date=SUNDAY)
    assert len(week) == 5  # weekends left out
    assert sum(r.work_time or 0 for r in week) == pytest.approx(10)
    whole = await wh.create(
        P,
        "story",
        item,
        [{**entry, "work_time": 7}],
        work_begin_date=MONDAY,
        work_end_date=SUNDAY,
        include_holidays=True,
    )
    assert len(whole) == 7
    records = [r async for r in wh.iter(P, "story", item)]
    assert len(records) == 12
    assert sum(r.work_time or 0 for r in records) == pytest.approx(17)
    await wh.update(P, "story", item, [{"id": week[0].id, "work_time": 4}])
    await wh.delete(P, "story", item, [r.id for r in whole])
    records = [r async for r in wh.iter(P, "story", item)]
    assert sum(r.work_time or 0 for r in records) == pytest.approx(10 - 2 + 4)


@pytest.mark.meegle_fake(seed_items=40, seed=4)
async def test_unknown_records_and_nodes_are_typed_errors(meegle_fake: MeegleFakeFixture) -> None:
    wh = meegle_fake.client.work_hours
    item = meegle_fake.ids("story", limit=1)[0]
    with pytest.raises(MeegleNotFoundError):
        await wh.delete(P, "story", item, [1])
    with pytest.raises(MeegleNotFoundError):
        await wh.create(
            P,
            "story",
            item,
            [{"resource_type": "node", "resource_id": "no_such_node", "work_time": 1}],
            work_begin_date=MONDAY,
            work_end_date=MONDAY,
        )


@pytest.mark.meegle_fake(seed_items=40, seed=4)
async def test_iter_walks_every_page(meegle_fake: MeegleFakeFixture) -> None:
    wh = meegle_fake.client.work_hours
    item = meegle_fake.ids("story", limit=1)[0]
    entries = [
        {"resource_type": "work_item", "resource_id": str(item), "work_time": 1} for _ in range(11)
    ]
    await wh.create(P, "story", item, entries, work_begin_date=MONDAY, work_end_date=FRIDAY)
    records = [r async for r in wh.iter(P, "story", item)]
    assert len(records) == len({r.id for r in records}) == 55
    assert len(meegle_fake.server.requests_to("get_work_item_man_hour_records")) == 2
