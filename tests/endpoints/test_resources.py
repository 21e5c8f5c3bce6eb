"""client.resources: what each method sends and returns, what it refuses (with nothing sent),
chunking in input order, and the search walked by ``search_after`` to the end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from meegle_async import (
    CreateFromResourceResult,
    DataSource,
    MeegleAPIError,
    MeegleClient,
    MeegleInvalidParamsError,
    MeegleMissingIdsError,
    MeegleNotFoundError,
    MeeglePaginationError,
    MeegleServerError,
    MeegleValidationError,
    ResourceInstance,
    ResourceSearchItem,
    ResourceSearchPage,
    SearchGroup,
    SearchParam,
    to_dict,
)
from tests.conftest import Recorded, Stub, fail, ok

SOURCES = [{"project_key": "space", "work_item_type_keys": "component"}]
GROUP = {
    "conjunction": "AND",
    "search_params": [{"param_key": "created_at", "operator": ">", "value": 1}],
}
PAIR = {"field_key": "f", "field_value": 1}


@pytest.fixture
async def client(client_kwargs: dict[str, Any]) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(**client_kwargs, default_qps=1000) as c:
        yield c


def answer_with(stub: Stub, answer: Callable[[Recorded], Any]) -> None:
    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        result = answer(rec)
        return result if isinstance(result, web.StreamResponse) else ok(result)

    stub.handler = handler


def instance(item_id: int) -> dict[str, Any]:
    return {
        "id": item_id,
        "name": f"res {item_id}",
        "work_item_type_key": "component",
        "project_key": "space",
        "created_by": "u1",
        "fields": [{"field_key": "version", "field_alias": "ver", "field_value": "1.2"}],
        "resource_only_key": {"kept": 1},
    }


async def test_get_details_sends_the_body_and_types_the_instances(
    stub: Stub, client: MeegleClient
) -> None:
    answer_with(stub, lambda rec: [instance(501)])
    (got,) = await client.resources.get_details(
        "space", "component", [501], fields=["version"], expand={"need_user_detail": True}
    )
    (rec,) = stub.requests
    assert (rec.method, rec.raw_path) == ("POST", "/open_api/work_item/resource/query")
    assert "X-Idem-UUID" not in rec.headers
    assert rec.json == {
        "project_key": "space",
        "work_item_type_key": "component",
        "work_item_ids": [501],
        "fields": ["version"],
        "expand": {"need_user_detail": True},
    }
    assert isinstance(got, ResourceInstance)
    assert got.field("ver") == "1.2"
    assert got.created_by == "u1"
    assert to_dict(got) == instance(501)


async def test_get_details_with_120_ids_chunks_by_50_in_input_order(
    stub: Stub, client: MeegleClient
) -> None:
    ids = [*range(1000, 1100), *range(1000, 1020)]  # 120 ids, 20 repeated
    answer_with(
        stub, lambda rec: [instance(i) for i in sorted(rec.json["work_item_ids"], reverse=True)]
    )
    got = await client.resources.get_details("space", "component", ids)
    assert sorted(len(r.json["work_item_ids"]) for r in stub.requests) == [50, 50]
    assert [g.id for g in got] == ids


async def test_update_create_and_create_work_item(stub: Stub, client: MeegleClient) -> None:
    def answer(rec: Recorded) -> Any:
        if rec.path.endswith("/create_work_item"):
            return {"work_item_id": 777}
        if rec.path.endswith("/create_instance"):
            return {
                "work_item_id": 888,
                "ignore_create_info": {"field_keys": ["x"], "role_ids": []},
                "more": 1,
            }
        return {}

    answer_with(stub, answer)
    res = client.resources
    assert await res.update("space", "component", "501", [PAIR], idempotency_key="u-1") is None
    assert await res.create("space", "component", template_id=3, field_value_pairs=[PAIR]) == 777
    result = await res.create_work_item(
        "space",
        501,
        work_item_type_key="story",
        name="From res",
        template_id=4,
        field_value_pairs=[PAIR],
    )
    sent = [(r.method, r.raw_path, r.json) for r in stub.requests]
    assert sent == [
        (
            "POST",
            "/open_api/work_item/resource/update",
            {
                "project_key": "space",
                "work_item_type_key": "component",
                "work_item_id": 501,
                "update_fields": [PAIR],
            },
        ),
        (
            "POST",
            "/open_api/work_item/resource/create_work_item",
            {
                "project_key": "space",
                "work_item_type_key": "component",
                "template_id": 3,
                "field_value_pairs": [PAIR],
            },
        ),
        (
            "POST",
            "/open_api/work_item/resource/space/501/create_instance",
            {
                "work_item_type_key": "story",
                "name": "From res",
                "template_id": 4,
                "field_value_pairs": [PAIR],
            },
        ),
    ]
    assert stub.requests[0].headers["X-Idem-UUID"] == "u-1"
    assert all(r.headers.get("X-Idem-UUID") for r in stub.requests)
    assert isinstance(result, CreateFromResourceResult)
    assert result.work_item_id == 888
    assert result.ignore_create_info is not None
    assert result.ignore_create_info.field_keys == ["x"]
    assert to_dict(result)["more"] == 1


async def test_create_with_an_answer_that_lacks_the_id_raises(
    stub: Stub, client: MeegleClient
) -> None:
    answer_with(stub, lambda rec: {"something": "else"})
    with pytest.raises(MeegleServerError, match="work_item_id"):
        await client.resources.create("space", "component")


async def test_search_sends_pagination_inside_an_object_and_returns_a_page(
    stub: Stub, client: MeegleClient
) -> None:
    data = [
        {
            "work_item_id": 501,
            "name": "Button",
            "created_by": {"user_key": "u1", "name_en": "Ann"},
            "role_owners": [{"role": "PM", "role_key": "pm", "owners": [{"user_key": "u2"}]}],
            "template": {"id": 3, "work_flow_key": "wf"},
            "field_version": "1.2",
        }
    ]

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok(data, pagination={"page_size": 1, "search_after": "abc", "total": 5})

    stub.handler = handler
    page = await client.resources.search(
        [DataSource(project_key="space", work_item_type_keys="component")],
        SearchGroup(
            conjunction="AND",
            search_params=[SearchParam(param_key="created_at", operator=">", value=1)],
            search_groups=[SearchGroup(conjunction="OR", search_params=[])],
        ),
        field_selected=["name", "field_version"],
        page_size=1,
        search_after="prev",
        features={"FindAborted": "true"},
    )
    (rec,) = stub.requests
    assert (rec.method, rec.raw_path) == ("POST", "/open_api/work_item/resource/search/params")
    assert "X-Idem-UUID" not in rec.headers
    assert rec.json == {
        "data_sources": SOURCES,
        "search_group": {
            "conjunction": "AND",
            "search_params": [{"param_key": "created_at", "operator": ">", "value": 1}],
            "search_groups": [{"conjunction": "OR", "search_params": []}],
        },
        "field_selected": ["name", "field_version"],
        "pagination": {"page_size": 1, "search_after": "prev"},
        "features": {"FindAborted": "true"},
    }
    assert isinstance(page, ResourceSearchPage)
    (item,) = page.items
    assert isinstance(item, ResourceSearchItem)
    assert item.work_item_id == 501
    assert item.created_by is not None
    assert item.created_by.name_en == "Ann"
    assert item.role_owners is not None
    assert item.role_owners[0].owners is not None
    assert item.get("field_version") == "1.2"
    assert page.next_search_after == "abc"
    assert page.pagination is not None
    assert page.pagination.total == 5
    assert to_dict(page)["data"] == data


async def test_iter_search_follows_search_after_to_the_empty_cursor(
    stub: Stub, client: MeegleClient
) -> None:
    pages = {None: ([1, 2], "c1"), "c1": ([3, 4], "c2"), "c2": ([5], "")}

    async def handler(request: web.Request, rec: Recorded) -> web.StreamResponse:
        cursor = (rec.json.get("pagination") or {}).get("search_after")
        ids, nxt = pages[cursor]
        return ok(
            [{"work_item_id": i} for i in ids], pagination={"page_size": 2, "search_after": nxt}
        )

    stub.handler = handler
    got = [i.work_item_id async for i in client.resources.iter_search(SOURCES, GROUP, page_size=2)]
    assert got == [1, 2, 3, 4, 5]
    assert [r.json["pagination"] for r in stub.requests] == [
        {"page_size": 2},
        {"page_size": 2, "search_after": "c1"},
        {"page_size": 2, "search_after": "c2"},
    ]


async def test_iter_search_ends_without_pagination_and_refuses_a_repeated_cursor(
    stub: Stub, client: MeegleClient
) -> None:
    answer_with(stub, lambda rec: [{"work_item_id": 1}])  # no pagination at all: one page
    assert [i.work_item_id async for i in client.resources.iter_search(SOURCES, GROUP)] == [1]
    assert "pagination" not in stub.requests[0].json

    async def same(request: web.Request, rec: Recorded) -> web.StreamResponse:
        return ok([{"work_item_id": 1}], pagination={"search_after": "same"})

    stub.handler = same
    with pytest.raises(MeeglePaginationError):
        async for _ in client.resources.iter_search(SOURCES, GROUP):
            pass


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda r: r.get_details("space", "component", [1], fields=["a", "-b"]), "one mode"),
        (lambda r: r.get_details("", "component", [1]), "project_key"),
        (lambda r: r.get_details("space", "component", ["x"]), "work item id"),
        (lambda r: r.update("space", "component", 1, []), "empty"),
        (lambda r: r.update("space", "component", 1, [PAIR, PAIR]), "once"),
        (lambda r: r.update("space", "", 1, [PAIR]), "work_item_type_key"),
        (
            lambda r: r.search(SOURCES, GROUP, field_selected=[f"f{i}" for i in range(21)]),
            "at most 20",
        ),
        (lambda r: r.search(SOURCES, {"conjunction": "XOR"}), "AND or OR"),
        (
            lambda r: r.search(
                SOURCES, {"conjunction": "AND", "search_groups": [{"conjunction": "and"}]}
            ),
            r"search_groups\[0\]",
        ),
        (lambda r: r.search(SOURCES, {}), "conjunction"),
        (lambda r: r.search([], GROUP), "data_sources is empty"),
        (
            lambda r: r.search(
                [{"project_key": "space", "work_item_type_keys": ["a", "b"]}], GROUP
            ),
            "one type key",
        ),
        (
            lambda r: r.search([{"project_key": "", "work_item_type_keys": "a"}], GROUP),
            "project_key",
        ),
        (lambda r: r.search(SOURCES, GROUP, page_size=0), "page_size"),
        (lambda r: r.search(SOURCES, GROUP, search_after=5), "search_after"),
        (lambda r: r.search(SOURCES, GROUP, features=["FindAborted"]), "features"),
        (lambda r: r.search(SOURCES, GROUP, field_selected="name"), "field_selected"),
        (lambda r: r.create("space", "component", template_id=0), "template_id"),
        (lambda r: r.create("space", "component", field_value_pairs=[PAIR, PAIR]), "once"),
        (lambda r: r.create_work_item("space", 1, work_item_type_key=""), "work_item_type_key"),
        (
            lambda r: r.create_work_item("space", 0, work_item_type_key="story"),
            "resource_work_item_id",
        ),
        (
            lambda r: r.create_work_item(
                "space",
                1,
                work_item_type_key="story",
                field_value_pairs=[{"field_key": "name", "field_value": "x"}],
            ),
            "name=",
        ),
    ],
)
async def test_bad_input_is_refused_before_sending(
    stub: Stub, client: MeegleClient, call: Callable[[Any], Awaitable[Any]], match: str
) -> None:
    with pytest.raises(MeegleValidationError, match=match):
        await call(client.resources)
    assert stub.requests == []


def test_iter_search_checks_its_input_when_called(client_kwargs: dict[str, Any]) -> None:
    client = MeegleClient(**client_kwargs)
    with pytest.raises(MeegleValidationError, match="AND or OR"):
        client.resources.iter_search(SOURCES, {"conjunction": "NOT"})


@pytest.mark.parametrize(
    ("call", "code", "cls"),
    [
        (lambda r: r.get_details("s", "t", [1], missing="raise"), 30005, MeegleMissingIdsError),
        (lambda r: r.get_details("s", "t", [1]), 20005, MeegleInvalidParamsError),
        (lambda r: r.get_details("s", "t", [1]), 1000050178, MeegleInvalidParamsError),
        (lambda r: r.update("s", "t", 1, [PAIR]), 30014, MeegleNotFoundError),
        (lambda r: r.update("s", "t", 1, [PAIR]), 1000053593, MeegleInvalidParamsError),
        (lambda r: r.update("s", "t", 1, [PAIR]), 1000050438, MeegleInvalidParamsError),
        (lambda r: r.update("s", "t", 1, [PAIR]), 1000050183, MeegleInvalidParamsError),
        (lambda r: r.search(SOURCES, GROUP), 20068, MeegleInvalidParamsError),
        (lambda r: r.search(SOURCES, GROUP), 30014, MeegleNotFoundError),
        (lambda r: r.search(SOURCES, GROUP), 20069, MeegleInvalidParamsError),
        (lambda r: r.search(SOURCES, GROUP), 20063, MeegleInvalidParamsError),
        (lambda r: r.search(SOURCES, GROUP), 20072, MeegleInvalidParamsError),
        (lambda r: r.search(SOURCES, GROUP), 30001, MeegleNotFoundError),
        (lambda r: r.create("s", "t"), 1000053507, MeegleInvalidParamsError),
        (
            lambda r: r.create_work_item("s", 1, work_item_type_key="t"),
            20006,
            MeegleInvalidParamsError,
        ),
    ],
)
async def test_spec_error_codes_map_to_their_exceptions(
    stub: Stub, client: MeegleClient, call: Callable[[Any], Awaitable[Any]], code: int, cls: type
) -> None:
    answer_with(stub, lambda rec: fail(code, "nope"))
    with pytest.raises(MeegleAPIError) as info:
        await call(client.resources)
    assert type(info.value) is cls
    assert info.value.code == code
    assert info.value.endpoint in {
        "get_work_item_resource_instance_detail",
        "update_work_item_resource_instance",
        "search_work_item_resource_instances",
        "create_work_item_resource_repository",
        "create_work_item_through_resources",
    }


async def test_the_group_against_the_fake_server() -> None:
    from meegle_async.testing import FakeMeegle

    async with FakeMeegle(seed_items=80, seed=5, rate_limits=False) as fake:
        kinds = {(i.project_key, i.type_key) for i in fake.store.items.values() if i.is_resource}
        assert kinds
        project_key, type_key = sorted(kinds)[0]
        ids = [
            i.id
            for i in fake.store.items.values()
            if i.is_resource and (i.project_key, i.type_key) == (project_key, type_key)
        ]
        async with MeegleClient(
            base_url=fake.base_url,
            plugin_id=fake.plugin_id,
            plugin_secret=fake.plugin_secret,
            user_key=fake.user_key,
            default_qps=1000,
        ) as client:
            res = client.resources
            got = await res.get_details(project_key, type_key, list(reversed(ids)))
            assert [g.id for g in got] == list(reversed(ids))
            new_id = await res.create(project_key, type_key)
            found = [
                i.work_item_id
                async for i in res.iter_search(
                    [DataSource(project_key=project_key, work_item_type_keys=type_key)],
                    {"conjunction": "AND", "search_params": []},
                    page_size=2,
                )
            ]
            assert sorted(found) == sorted([*ids, new_id])
            made = await res.create_work_item(project_key, new_id, work_item_type_key=type_key)
            assert made.work_item_id not in (None, new_id)
