"""client.charts: exact requests, refusals, codes, and charts that count what a view holds."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    ENDPOINTS,
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeegleTimeoutError,
    MeegleValidationError,
)
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, fail, ok

P = "space_demo"


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


async def test_requests_and_models(stub: Stub, client: MeegleClient) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        if request.method == "POST":
            return ok(
                {
                    "chart_list": [{"chart_id": "c1", "chart_name": "Per priority"}],
                    "chart_page": {"total": 1, "page_num": 1, "page_size": 200},
                }
            )
        return ok(
            {
                "chart_id": "c1",
                "chart_data_list": [[{"dim": {"0": "P0"}, "value": {"0": "4"}}]],
                "dim_titles": ["Priority"],
                "quota_titles": ["Count"],
            }
        )

    stub.handler = handler
    page = await client.charts.list("space", "view1", page_num=1, page_size=200)
    data = await client.charts.get_data("space", "c/1")
    listed, got = stub.requests
    assert (listed.method, listed.path) == ("POST", "/open_api/measure/charts")
    assert listed.json == {
        "project_key": "space",
        "view_id": "view1",
        "page_num": 1,
        "page_size": 200,
    }
    assert got.method == "GET"
    assert got.raw_path == "/open_api/space/measure/c%2F1"
    assert page.total == 1
    assert [c.chart_id for c in page.items or []] == ["c1"]
    assert data.rows() == [{"Priority": "P0", "Count": "4"}]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.list("space", "v", page_size=201), "page_size"),
        (lambda c: c.list("", "v"), "project_key"),
        (lambda c: c.get_data("space", ""), "chart_id"),
    ],
)
async def test_bad_input_is_refused(
    stub: Stub, client: MeegleClient, call: Any, message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        await call(client.charts)
    assert stub.requests == []


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (1000050535, MeegleNotFoundError),
        (500006, MeegleNotFoundError),
        (50006, MeegleInvalidParamsError),
    ],
)
async def test_chart_codes(stub: Stub, client: MeegleClient, code: int, error: type) -> None:
    async def refuse(request: web.Request, rec: Recorded) -> web.Response:
        return fail(code, "chart error")

    stub.handler = refuse
    with pytest.raises(error) as info:
        await client.charts.get_data("space", "c1")
    assert info.value.code == code


@pytest.mark.meegle_fake(seed_items=80, seed=6)
async def test_charts_count_what_the_view_holds(meegle_fake: MeegleFakeFixture) -> None:
    client = meegle_fake.client
    ids = meegle_fake.ids("story", limit=7)
    view = await client.views.create_fixed(P, "story", name="Seven", work_item_ids=ids)
    charts = [c async for c in client.charts.iter(P, view.view_id)]
    assert len(charts) == 2
    by_id = {c.chart_id: c for c in charts}
    priority = next(i for i in by_id if i.endswith("_priority"))
    data = await client.charts.get_data(P, priority)
    total = sum(int(row["Count"]) for row in data.rows())
    assert total == 7
    details = await client.work_items.get_details(P, "story", ids)
    expected: Counter[str] = Counter()
    for item in details:
        value = item.field("priority")
        expected[str((value or {}).get("label") or (value or {}).get("value") or "none")] += 1
    assert {row["Priority"]: int(row["Count"]) for row in data.rows()} == dict(expected)
    await client.views.delete(P, view.view_id)
    with pytest.raises(MeegleNotFoundError):
        await client.charts.get_data(P, priority)


async def test_chart_data_waits_past_the_client_timeout(
    stub: Stub, client_kwargs: dict[str, Any]
) -> None:
    """The catalogue gives chart data a longer per-attempt timeout than the client's."""
    assert ENDPOINTS["get_chart_data"].timeout == 180.0

    async def slow(request: web.Request, rec: Recorded) -> web.Response:
        await asyncio.sleep(0.6)
        return ok({"chart_id": "c1"})

    stub.handler = slow
    async with MeegleClient(**client_kwargs, timeout=0.3, max_retries=0) as client:
        data = await client.charts.get_data("space", "c1")
        assert data.chart_id == "c1"
        # Other endpoints keep the client's 0.3 s.
        with pytest.raises(MeegleTimeoutError):
            await client.charts.list("space", "v1")
