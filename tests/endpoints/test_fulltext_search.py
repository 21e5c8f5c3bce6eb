"""work_items.compositive_search / universal_search / integrate_search: requests, refusals,
the JSON-string answers decoded, and walks against the fake."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleServerError,
    MeegleValidationError,
)
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, fail, ok

P = "space_demo"
ALL = {"conjunction": "AND", "search_params": []}


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


async def test_compositive_request_and_capitalised_answer(stub: Stub, client: MeegleClient) -> None:
    stub.handler = lambda request, rec: _ok(
        [{"ID": "101", "name": "Login", "WorkItemTypeKey": "story", "ProjectKey": "space"}],
        pagination={"page_num": 1, "page_size": 50, "total": 1},
    )
    page = await client.work_items.compositive_search(
        "login", project_keys=["space"], work_item_type_keys=["story"], page_size=50
    )
    (rec,) = stub.requests
    assert (rec.method, rec.path) == ("POST", "/open_api/compositive_search")
    assert rec.json == {
        "query": "login",
        "query_type": "workitem",
        "project_keys": ["space"],
        "query_sub_type": ["story"],
        "page_size": 50,
    }
    (hit,) = page.items or []
    assert (hit.id, hit.work_item_type_key, hit.project_key) == (101, "story", "space")


@pytest.mark.parametrize("data", [None, "", "[]"])
async def test_universal_search_reads_the_top_level_datas_of_the_spec(
    stub: Stub, client: MeegleClient, data: Any
) -> None:
    # the spec's outputs and the Go SDK's UniversalSearchResp name a top-level "datas" list
    # (the new model: "id", not "work_item_id"): an answer with only that is not an empty page
    item = {
        "id": 6100000004,
        "name": "Login",
        "work_item_type_key": "story",
        "project_key": "space",
        "fields": [{"field_key": "priority", "field_value": {"label": "P0", "value": "0"}}],
    }
    stub.handler = lambda request, rec: _ok(
        data, datas=[item], pagination={"page_size": 1, "search_after": "", "total": 1}
    )
    page = await client.work_items.universal_search("space", "story", ALL, page_size=1)
    (hit,) = page.items or []
    assert (hit.work_item_id, hit.name, hit.project_key) == (6100000004, "Login", "space")
    assert hit.get("fields") == item["fields"]
    assert page.next_search_after is None


async def test_universal_search_refuses_datas_that_is_not_a_list(
    stub: Stub, client: MeegleClient
) -> None:
    stub.handler = lambda request, rec: _ok(None, datas={"id": 1})
    with pytest.raises(MeegleServerError, match="datas"):
        await client.work_items.universal_search("space", "story", ALL)


async def _ok(data: Any, **extra: Any) -> web.Response:
    return ok(data, **extra)


async def test_universal_search_decodes_the_json_string(stub: Stub, client: MeegleClient) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        return ok(
            json.dumps([{"work_item_id": 5, "name": "x", "fields": []}]),
            pagination={"page_size": 1, "search_after": "5", "total": 3},
        )

    stub.handler = handler
    page = await client.work_items.universal_search(
        "space", "story", ALL, field_selected=["name"], page_size=1, search_after="4"
    )
    (rec,) = stub.requests
    assert rec.path == "/open_api/view_search/universal_search"
    assert rec.json == {
        "project_key": "space",
        "work_item_type_key": "story",
        "search_group": {"conjunction": "AND", "search_params": []},
        "pagination": {"page_size": 1, "search_after": "4"},
        "field_selected": ["name"],
    }
    assert [i.work_item_id for i in page.items or []] == [5]
    assert page.next_search_after == "5"


async def test_a_data_string_that_is_not_json_is_a_server_error(
    stub: Stub, client: MeegleClient
) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        return ok("[{not json", headers={"X-Tt-Logid": "L1"})

    stub.handler = handler
    with pytest.raises(MeegleServerError) as info:
        await client.work_items.universal_search("space", "story", ALL)
    assert info.value.log_id == "L1"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda w: w.compositive_search("", project_keys=["s"]), "query"),
        (lambda w: w.compositive_search("x" * 201, project_keys=["s"]), "200"),
        (lambda w: w.compositive_search("x"), "spaces"),
        (lambda w: w.compositive_search("x", project_keys=["s"], query_type="doc"), "query_type"),
        (
            lambda w: w.compositive_search(
                "x", project_keys=["s"], query_type="view", work_item_type_keys=["story"]
            ),
            "workitem",
        ),
        (lambda w: w.universal_search("s", "story", {"conjunction": "NOT"}), "conjunction"),
        (
            lambda w: w.universal_search(
                "s", "story", ALL, field_selected=[f"f{i}" for i in range(21)]
            ),
            "at most 20",
        ),
        (
            lambda w: w.universal_search(
                "s",
                "story",
                {
                    "conjunction": "AND",
                    "search_params": [{"param_key": "name", "operator": "=", "value": "x"}] * 51,
                },
            ),
            "50 conditions",
        ),
        (lambda w: w.integrate_search([], {}), "data_sources"),
        (
            lambda w: w.integrate_search(
                [{"project_key": "s", "work_item_type_keys": "story"}], "q"
            ),
            "mapping",
        ),
    ],
)
async def test_bad_input_is_refused(
    stub: Stub, client: MeegleClient, call: Any, message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        await call(client.work_items)
    assert stub.requests == []


async def test_query_codes(stub: Stub, client: MeegleClient) -> None:
    async def refuse(request: web.Request, rec: Recorded) -> web.Response:
        return fail(20081, "Query type is not supported")

    stub.handler = refuse
    with pytest.raises(MeegleInvalidParamsError) as info:
        await client.work_items.compositive_search("x", project_keys=["s"])
    assert info.value.code == 20081


@pytest.mark.meegle_fake(seed_items=150, seed=11)
async def test_universal_walk_matches_search_by_params(meegle_fake: MeegleFakeFixture) -> None:
    wi = meegle_fake.client.work_items
    # Option values (the fake matches values, not labels, in conditions).
    group = {
        "conjunction": "AND",
        "search_params": [{"param_key": "priority", "operator": "HAS ANY OF", "value": ["0", "1"]}],
    }
    walked = [i async for i in wi.iter_universal_search(P, "story", group, page_size=7)]
    expected = [i.id async for i in wi.iter_search_by_params(P, "story", group)]
    assert [i.work_item_id for i in walked] == sorted(expected)
    assert len(walked) > 7
    pages = meegle_fake.server.requests_to("universal_search")
    assert len(pages) == -(-len(walked) // 7)


@pytest.mark.meegle_fake(seed_items=120, seed=11)
async def test_integrate_search_over_two_spaces(meegle_fake: MeegleFakeFixture) -> None:
    wi = meegle_fake.client.work_items
    first = meegle_fake.ids("story", limit=1)[0]
    page = await wi.integrate_search(
        [
            {"project_key": P, "work_item_type_keys": "story"},
            {"project_key": "space_ops", "work_item_type_keys": "story"},
        ],
        {
            "filter": {
                "conjunction": "AND",
                "conditions": [
                    {
                        "field_item": {"field_key": "work_item_id"},
                        "operator": ">",
                        "original_value": json.dumps(first),
                    }
                ],
            },
            "pagination": {"page_size": 200},
        },
        field_selected=["name", "project_key"],
    )
    items = page.items or []
    assert items
    assert all((i.work_item_id or 0) > first for i in items)
    assert {i.project_key for i in items} <= {P, "space_ops"}


@pytest.mark.meegle_fake(seed_items=150, seed=11)
async def test_compositive_search_finds_names(meegle_fake: MeegleFakeFixture) -> None:
    wi = meegle_fake.client.work_items
    some = next(i for i in meegle_fake.server.store.items.values() if i.type_key == "story")
    word = some.name.split()[0]
    hits = [h async for h in wi.iter_compositive_search(word, project_keys=[P, "space_ops"])]
    assert some.id in {h.id for h in hits}
    assert all(word.lower() in (h.name or "").lower() or h.SearchHit for h in hits)
    assert len(hits) <= 200
    views = await wi.compositive_search("stories", project_keys=[P], query_type="view")
    assert {v.name for v in views.items or []} >= {"All stories", "Stories of every space"}
