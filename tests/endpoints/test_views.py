"""client.views: exact requests, refusals before sending, error codes, and views that behave
against the fake (a fixed view holds its ids, a conditional one what matches, a panorama view
is routed to its own call)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleNotFoundError,
    MeeglePermissionError,
    MeegleValidationError,
    to_dict,
)
from meegle_async.models.views import FixView
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from tests.conftest import Recorded, Stub, fail, ok

P = "space_demo"


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


def answer(data: Any, **extra: Any) -> Callable[[web.Request, Recorded], Awaitable[web.Response]]:
    async def handler(request: web.Request, rec: Recorded) -> web.Response:
        return ok(data, **extra)

    return handler


# -- exact requests ------------------------------------------------------------------------------


async def test_list_sends_the_filters(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer(
        [{"view_id": "v1", "name": "Mine", "view_type": 2, "new_key": 1}],
        pagination={"page_num": 1, "page_size": 10, "total": 1},
    )
    page = await client.views.list(
        "space",
        "story",
        view_name="Mi",
        created_by="u1",
        created_at={"start": 1_700_000_000_000},
        quick_filters=True,
        page_num=1,
        page_size=10,
    )
    (rec,) = stub.requests
    assert (rec.method, rec.path) == ("POST", "/open_api/space/view_conf/list")
    assert rec.json == {
        "work_item_type_key": "story",
        "view_name": "Mi",
        "created_by": "u1",
        "created_at": {"start": 1_700_000_000_000},
        "is_query_quick_filter": True,
        "page_num": 1,
        "page_size": 10,
    }
    assert "X-Idem-UUID" not in rec.headers
    assert page.items is not None
    assert page.items[0].view_id == "v1"
    assert to_dict(page.items[0])["new_key"] == 1
    assert page.pagination is not None
    assert page.pagination.total == 1


async def test_get_items_sends_a_get_with_query(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer(
        {"view_id": "v/1", "name": "Fixed", "work_item_id_list": [3, 4]},
        pagination={"page_num": 2, "page_size": 200, "total": 202},
    )
    page = await client.views.get_items("space", "v/1", quick_filter_id="qf", page_num=2)
    (rec,) = stub.requests
    assert rec.method == "GET"
    assert rec.raw_path.startswith("/open_api/space/fix_view/v%2F1?")
    assert rec.query == {"quick_filter_id": "qf", "page_num": "2"}
    assert page.view is not None
    assert page.view.work_item_id_list == [3, 4]
    assert page.total == 202


async def test_create_fixed_body_and_idempotency(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer({"view_id": "v9", "work_item_id_list": [1, 2]})
    view = await client.views.create_fixed(
        "space",
        "story",
        name="Release",
        work_item_ids=[1, "2", 1],
        cooperation_mode=1,
        cooperation_user_keys=["u1"],
        cooperation_team_ids=[7],
        idempotency_key="idem-1",
    )
    (rec,) = stub.requests
    assert (rec.method, rec.path) == ("POST", "/open_api/space/story/fix_view")
    assert rec.json == {
        "name": "Release",
        "work_item_id_list": [1, 2],
        "cooperation_mode": 1,
        "cooperation_user_keys": ["u1"],
        "cooperation_team_ids": [7],
    }
    assert rec.headers["X-Idem-UUID"] == "idem-1"
    assert isinstance(view, FixView)
    assert view.view_id == "v9"


async def test_update_fixed_sends_one_list(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer(None)
    assert await client.views.update_fixed("space", "story", "v1", remove=[5]) is None
    (rec,) = stub.requests
    assert (rec.method, rec.path) == ("POST", "/open_api/space/story/fix_view/v1")
    assert rec.json == {"remove_work_item_ids": [5]}


async def test_conditional_views_bodies(stub: Stub, client: MeegleClient) -> None:
    group = {
        "conjunction": "AND",
        "search_params": [{"param_key": "priority", "operator": "=", "value": "0"}],
    }
    stub.handler = answer({"view_id": "cv1"})
    assert await client.views.create_conditional(
        "space", "story", name="C", search_group=group
    ) == ("cv1")
    stub.handler = answer(None)
    await client.views.update_conditional("space", "story", "cv1", search_group=group, name="D")
    create, update = stub.requests
    assert create.path == "/open_api/view/v1/create_condition_view"
    assert create.json["project_key"] == "space"
    assert create.json["work_item_type_key"] == "story"
    assert create.json["name"] == "C"
    assert create.json["search_group"]["search_params"][0]["param_key"] == "priority"
    assert update.path == "/open_api/view/v1/update_condition_view"
    assert update.json["view_id"] == "cv1"
    assert update.json["name"] == "D"


async def test_delete_and_aggregate_fields(stub: Stub, client: MeegleClient) -> None:
    stub.handler = answer(None)
    await client.views.delete("space", "v1")
    stub.handler = answer({"agg_resource_items": [{"key": "priority", "label": "Priority"}]})
    fields = await client.views.get_aggregate_fields("space")
    delete, agg = stub.requests
    assert (delete.method, delete.path) == ("DELETE", "/open_api/space/fix_view/v1")
    assert "X-Idem-UUID" in delete.headers
    assert agg.json == {"project_key": "space"}
    assert [f.key for f in fields] == ["priority"]


# -- refused before sending ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda v: v.list("space", "story", page_size=11), "page_size"),
        (lambda v: v.list("space", "", page_size=1), "work_item_type_key"),
        (lambda v: v.list("space", "story", created_at={"start": 5}), "created_at"),
        (lambda v: v.get_items("space", "v1", page_size=201), "page_size"),
        (lambda v: v.get_panorama_items("space", "v1", page_size=51), "page_size"),
        (
            lambda v: v.create_fixed("space", "story", name="x", work_item_ids=range(1, 202)),
            "at most 200",
        ),
        (lambda v: v.create_fixed("space", "story", name="x", work_item_ids=[]), "empty"),
        (lambda v: v.create_fixed("space", "story", name="", work_item_ids=[1]), "name"),
        (lambda v: v.create_fixed("space", "story", name="x", work_item_ids=[True]), "bool"),
        (lambda v: v.update_fixed("space", "story", "v1"), "exactly one"),
        (lambda v: v.update_fixed("space", "story", "v1", add=[1], remove=[2]), "exactly one"),
        (lambda v: v.update_fixed("space", "story", "v1", add=[]), "empty"),
        (
            lambda v: v.create_fixed(
                "space", "story", name="x", work_item_ids=[1], cooperation_mode=4
            ),
            "cooperation_mode",
        ),
        (
            lambda v: v.create_fixed(
                "space",
                "story",
                name="x",
                work_item_ids=[1],
                cooperation_mode=3,
                cooperation_user_keys=["u"],
            ),
            "only with cooperation_mode=1",
        ),
        (
            lambda v: v.create_conditional(
                "space", "story", name="x", search_group={"conjunction": "XOR"}
            ),
            "conjunction",
        ),
        (lambda v: v.delete("space", ""), "view_id"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    stub: Stub, client: MeegleClient, call: Any, message: str
) -> None:
    with pytest.raises(MeegleValidationError, match=message):
        await call(client.views)
    assert stub.requests == []


# -- error codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (30004, MeegleNotFoundError),
        (20012, MeegleInvalidParamsError),
        (50006, MeegleInvalidParamsError),
    ],
)
async def test_get_items_codes(stub: Stub, client: MeegleClient, code: int, error: type) -> None:
    async def refuse(request: web.Request, rec: Recorded) -> web.Response:
        return fail(code, "no", **{"X-Tt-Logid": "log-1"})

    stub.handler = refuse
    with pytest.raises(error) as info:
        await client.views.get_items("space", "v1")
    assert info.value.code == code
    assert info.value.log_id == "log-1"
    assert info.value.endpoint == "work_item_list"


async def test_update_fixed_permission_and_limit_codes(stub: Stub, client: MeegleClient) -> None:
    async def refuse(request: web.Request, rec: Recorded) -> web.Response:
        return fail(10001 if rec.json.get("add_work_item_ids") else 1000053645)

    stub.handler = refuse
    with pytest.raises(MeeglePermissionError):
        await client.views.update_fixed("space", "story", "v1", add=[1])
    with pytest.raises(MeegleInvalidParamsError):
        await client.views.update_fixed("space", "story", "v1", remove=[1])


# -- against the fake ----------------------------------------------------------------------------


@pytest.mark.meegle_fake(seed_items=60, seed=3)
async def test_fixed_view_lifecycle(meegle_fake: MeegleFakeFixture) -> None:
    views = meegle_fake.client.views
    ids = meegle_fake.ids("story", limit=5)
    view = await views.create_fixed(P, "story", name="Release", work_item_ids=ids[:3])
    assert view.view_id
    assert view.work_item_id_list == ids[:3]
    await views.update_fixed(P, "story", view.view_id, add=ids[3:])
    await views.update_fixed(P, "story", view.view_id, remove=[ids[0]])
    assert [i async for i in views.iter_items(P, view.view_id)] == ids[1:]
    listed = await views.list(P, "story", view_name="release")
    assert [v.view_id for v in listed.items or []] == [view.view_id]
    await views.delete(P, view.view_id)
    with pytest.raises(MeegleNotFoundError) as info:
        await views.get_items(P, view.view_id)
    assert info.value.code == 30004


@pytest.mark.meegle_fake(seed_items=60, seed=3)
async def test_fixed_view_refuses_items_of_another_type(meegle_fake: MeegleFakeFixture) -> None:
    bug = meegle_fake.ids("bug", limit=1)
    with pytest.raises(MeegleInvalidParamsError) as info:
        await meegle_fake.client.views.create_fixed(P, "story", name="x", work_item_ids=bug)
    assert info.value.code == 20010


@pytest.mark.meegle_fake(seed_items=80, seed=5)
async def test_conditional_view_holds_what_matches(meegle_fake: MeegleFakeFixture) -> None:
    views = meegle_fake.client.views
    stories = meegle_fake.ids("story", limit=1000)
    first = stories[0]
    view_id = await views.create_conditional(
        P,
        "story",
        name="One",
        search_group={
            "conjunction": "AND",
            "search_params": [{"param_key": "work_item_id", "operator": "=", "value": first}],
        },
    )
    assert [i async for i in views.iter_items(P, view_id)] == [first]
    await views.update_conditional(
        P,
        "story",
        view_id,
        search_group={
            "conjunction": "AND",
            "search_params": [{"param_key": "work_item_id", "operator": ">", "value": first}],
        },
    )
    assert [i async for i in views.iter_items(P, view_id)] == [i for i in stories if i > first]


@pytest.mark.meegle_fake(seed_items=120, seed=9)
async def test_panorama_view_is_routed_to_its_call(meegle_fake: MeegleFakeFixture) -> None:
    views = meegle_fake.client.views
    page = await views.list(P, "story")
    panorama = next(v for v in page.items or [] if v.view_type == 3)
    with pytest.raises(MeegleInvalidParamsError):
        await views.get_items(P, panorama.view_id)
    items = [i async for i in views.iter_items(P, panorama.view_id)]
    assert items
    assert all(not isinstance(i, int) for i in items)
    assert {i.project_key for i in items} <= {"space_demo", "space_ops"}  # type: ignore[union-attr]
    expected = sorted(
        w.id
        for w in meegle_fake.server.store.items.values()
        if w.type_key == "story" and not w.deleted and not w.is_resource
    )
    assert [i.id for i in items] == expected  # type: ignore[union-attr]
    requests = [r.endpoint for r in meegle_fake.server.requests]
    assert "query_work_item_details_by_view_id" in requests


@pytest.mark.meegle_fake(seed_items=30, seed=2)
async def test_list_pages_ten_at_a_time(meegle_fake: MeegleFakeFixture) -> None:
    views = meegle_fake.client.views
    ids = meegle_fake.ids("story", limit=1)
    made = [
        (await views.create_fixed(P, "story", name=f"V{n}", work_item_ids=ids)).view_id
        for n in range(12)
    ]
    seen = [v.view_id async for v in views.iter(P, "story")]
    assert len(seen) == len(set(seen)) == 15
    assert set(made) <= set(seen)
    assert len(meegle_fake.server.requests_to("view_list")) == 2


@pytest.mark.meegle_fake(seed_items=30, seed=2)
async def test_aggregate_fields_from_the_fake(meegle_fake: MeegleFakeFixture) -> None:
    fields = await meegle_fake.client.views.get_aggregate_fields(P)
    assert {"name", "priority"} <= {f.key for f in fields}
