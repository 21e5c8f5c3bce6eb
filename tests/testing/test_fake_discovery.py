"""The fake's discovery endpoints: filters, condition search, cross-space filter, spaces and
users, with their paging, caps and documented error codes (checked over plain HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from meegle_async.testing import FakeMeegle
from meegle_async.testing import discovery as disc
from meegle_async.testing.store import WorkItem

from .conftest import Api


def live(
    fake: FakeMeegle, type_key: str = "story", project_key: str | None = None
) -> list[WorkItem]:
    pk = project_key or fake.project_key
    return sorted(
        (
            i
            for i in fake.store.items.values()
            if i.project_key == pk and i.type_key == type_key and not i.is_resource
        ),
        key=lambda i: i.id,
    )


def filter_path(fake: FakeMeegle) -> str:
    return f"/open_api/{fake.project_key}/work_item/filter"


def search_path(fake: FakeMeegle, type_key: str = "story") -> str:
    return f"/open_api/{fake.project_key}/work_item/{type_key}/search/params"


ACROSS = "/open_api/work_items/filter_across_project"


async def pages(api: Api, path: str, body: dict[str, Any], size: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    num = 1
    while True:
        answer = await api.ok("POST", path, json={**body, "page_num": num, "page_size": size})
        assert answer["pagination"]["page_num"] == num
        out += answer["data"]
        if len(answer["data"]) < size or len(out) >= answer["pagination"]["total"]:
            return out
        num += 1


# -- filter ------------------------------------------------------------------------------------


async def test_filter_pages_through_a_type_in_id_order(api: Api, fake: FakeMeegle) -> None:
    stories = live(fake)
    first = await api.ok(
        "POST", filter_path(fake), json={"work_item_type_keys": ["story"], "page_size": 7}
    )
    assert first["pagination"] == {"page_num": 1, "page_size": 7, "total": len(stories)}
    got = await pages(api, filter_path(fake), {"work_item_type_keys": ["story"]}, 7)
    assert [i["id"] for i in got] == [i.id for i in stories]
    assert got[0]["work_item_type_key"] == "story"
    assert "fields" in got[0]
    # Without types: every type of the space except resource instances.
    everything = await pages(api, filter_path(fake), {}, 200)
    assert len(everything) == len(live(fake)) + len(live(fake, "bug"))


async def test_filter_defaults_to_20_and_caps_page_size_at_200_silently(
    api: Api, fake: FakeMeegle
) -> None:
    answer = await api.ok("POST", filter_path(fake), json={})
    assert answer["pagination"]["page_size"] == 20
    assert len(answer["data"]) == 20
    answer = await api.ok("POST", filter_path(fake), json={"page_size": 500})
    assert answer["pagination"]["page_size"] == 200


async def test_filter_conditions(api: Api, fake: FakeMeegle) -> None:
    stories = live(fake)
    target = stories[3]

    async def ids(**body: Any) -> list[int]:
        data = await pages(api, filter_path(fake), {"work_item_type_keys": ["story"], **body}, 200)
        return [i["id"] for i in data]

    assert await ids(work_item_ids=[target.id, stories[5].id]) == [target.id, stories[5].id]
    word = target.name.split()[-1].upper()
    assert target.id in await ids(work_item_name=word)
    assert all(
        word.lower() in fake.store.items[i].name.lower() for i in await ids(work_item_name=word)
    )
    span = {"start": target.created_at, "end": target.created_at}
    assert await ids(created_at=span) == [target.id]
    assert target.id in await ids(updated_at={"start": target.updated_at})
    assert await ids(work_item_status=[{"state_key": target.state_key}]) == [
        i.id for i in stories if i.state_key == target.state_key
    ]
    assert await ids(sub_stages=[target.state_key]) == [
        i.id for i in stories if i.state_key == target.state_key
    ]
    assert await ids(priorities=["0"]) == [
        i.id for i in stories if i.values["priority"]["value"] == "0"
    ]
    assert await ids(tags=["k3x9a5"]) == [
        i.id
        for i in stories
        if any(t["value"] == "k3x9a5" for t in i.values.get("field_6b2d31") or [])
    ]
    watcher = target.values["watchers"][0]
    assert target.id in await ids(user_keys=[watcher])
    assert await ids(businesses=["b1"]) == []


async def test_filter_leaves_out_terminated_items(api: Api, fake: FakeMeegle) -> None:
    target = live(fake)[0]
    target.aborted = True
    data = await pages(api, filter_path(fake), {"work_item_ids": [target.id]}, 20)
    assert data == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"work_item_type_keys": ["nope"]}, 20003),
        ({"user_keys": [f"u{i}" for i in range(11)]}, 20004),
        ({"created_at": {"start": 1_700_000_000}}, 20013),
        ({"updated_at": {"start": 1_700_000_000_001, "end": 1_700_000_000_000}}, 20013),
        ({"search_id": "saved"}, 20005),
        ({"page_size": -1}, 20006),  # 0 is the v1 SDK's "not given" (test_fake_sdk_values)
    ],
)
async def test_filter_refusals(api: Api, fake: FakeMeegle, body: dict[str, Any], code: int) -> None:
    assert await api.err("POST", filter_path(fake), json=body) == code


async def test_filter_unknown_space(api: Api) -> None:
    assert await api.err("POST", "/open_api/nowhere/work_item/filter", json={}) == 1000052062


# -- search by params --------------------------------------------------------------------------


async def test_search_by_params_condition_tree(api: Api, fake: FakeMeegle) -> None:
    stories = live(fake)
    pivot = stories[len(stories) // 2].created_at
    group = {
        "conjunction": "AND",
        "search_params": [{"param_key": "created_at", "operator": ">=", "value": pivot}],
        "search_groups": [
            {
                "conjunction": "OR",
                "search_params": [
                    {"param_key": "priority", "operator": "HAS ANY OF", "value": ["0"]},
                    {"param_key": "priority", "operator": "=", "value": "1"},
                ],
            }
        ],
    }
    got = await pages(api, search_path(fake), {"search_group": group}, 5)
    assert [i["id"] for i in got] == [
        i.id
        for i in stories
        if i.created_at >= pivot and i.values["priority"]["value"] in ("0", "1")
    ]


@pytest.mark.parametrize(
    ("param", "expect"),
    [
        (
            {"param_key": "work_item_status", "operator": "HAS ANY OF", "value": ["develop"]},
            lambda i: i.state_key == "develop",
        ),
        (
            {"param_key": "owner", "operator": "HAS NONE OF", "value": ["7000000000000000019"]},
            lambda i: i.values.get("owner") != "7000000000000000019",
        ),
        (
            {"param_key": "created_by", "operator": "!=", "value": "7000000000000000019"},
            lambda i: i.created_by != "7000000000000000019",
        ),
        (
            {"param_key": "updated_at", "operator": "<", "value": 1_740_000_000_000},
            lambda i: i.updated_at < 1_740_000_000_000,
        ),
        (
            {
                "param_key": "current_status_operator",
                "operator": "IN",
                "value": ["7000000000000000019"],
            },
            lambda i: any(n.status == 2 and "7000000000000000019" in n.owners for n in i.nodes),
        ),
    ],
)
async def test_search_by_params_keys(
    api: Api, fake: FakeMeegle, param: dict[str, Any], expect: Any
) -> None:
    group = {"conjunction": "AND", "search_params": [param]}
    got = await pages(api, search_path(fake), {"search_group": group}, 50)
    assert [i["id"] for i in got] == [i.id for i in live(fake) if expect(i)]


async def test_search_by_params_name_and_fields(api: Api, fake: FakeMeegle) -> None:
    target = live(fake)[2]
    group = {
        "conjunction": "AND",
        "search_params": [{"param_key": "name", "operator": "=", "value": target.name}],
    }
    answer = await api.ok(
        "POST", search_path(fake), json={"search_group": group, "fields": ["priority"]}
    )
    assert target.id in [i["id"] for i in answer["data"]]
    assert {f["field_key"] for i in answer["data"] for f in i["fields"]} == {"priority"}
    assert answer["pagination"]["page_size"] == 10  # the default
    answer = await api.ok(
        "POST", search_path(fake), json={"search_group": {"conjunction": "OR"}, "page_size": 99}
    )
    assert answer["pagination"]["page_size"] == 50  # capped silently
    assert answer["pagination"]["total"] == len(live(fake))


async def test_search_by_params_refuses_more_than_the_cap(
    api: Api, fake: FakeMeegle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(disc, "MAX_SEARCH_RESULTS", 10)
    group = {"conjunction": "AND", "search_params": []}
    assert await api.err("POST", search_path(fake), json={"search_group": group}) == 20094
    narrow = {
        "conjunction": "AND",
        "search_params": [
            {
                "param_key": "work_item_id",
                "operator": "IN",
                "value": [i.id for i in live(fake)[:10]],
            }
        ],
    }
    answer = await api.ok("POST", search_path(fake), json={"search_group": narrow})
    assert answer["pagination"]["total"] == 10


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 20005),
        ({"search_group": {"conjunction": "XOR"}}, 20072),
        (
            {
                "search_group": {
                    "conjunction": "AND",
                    "search_params": [{"param_key": "field_zzz", "operator": "=", "value": "x"}],
                }
            },
            20068,
        ),
        (
            {
                "search_group": {
                    "conjunction": "AND",
                    "search_params": [{"param_key": "name", "operator": "LIKE", "value": "x"}],
                }
            },
            20063,
        ),
        (
            {
                "search_group": {
                    "conjunction": "AND",
                    "search_params": [{"param_key": "name", "operator": ">", "value": "x"}],
                }
            },
            20063,
        ),
        (
            {
                "search_group": {
                    "conjunction": "AND",
                    "search_params": [
                        {"param_key": "created_at", "operator": ">", "value": "soon"}
                    ],
                }
            },
            20069,
        ),
        (
            {
                "search_group": {
                    "conjunction": "OR",
                    "search_params": [
                        {"param_key": "work_item_id", "operator": "=", "value": i}
                        for i in range(51)
                    ],
                }
            },
            20006,
        ),
        ({"search_group": {"conjunction": "AND"}, "fields": ["a", "-b"]}, 20006),
    ],
)
async def test_search_by_params_refusals(
    api: Api, fake: FakeMeegle, body: dict[str, Any], code: int
) -> None:
    assert await api.err("POST", search_path(fake), json=body) == code


async def test_search_by_params_unknown_type(api: Api, fake: FakeMeegle) -> None:
    body = {"search_group": {"conjunction": "AND"}}
    assert await api.err("POST", search_path(fake, "epic"), json=body) == 30014


# -- filter across projects --------------------------------------------------------------------


async def test_filter_across_project_spans_spaces(api: Api, fake: FakeMeegle) -> None:
    both = live(fake) + live(fake, project_key=fake.second_project_key)
    got = await pages(api, ACROSS, {"work_item_type_key": "story"}, 9)
    assert sorted(i["id"] for i in got) == sorted(i.id for i in both)
    assert {i["project_key"] for i in got} == {fake.project_key, fake.second_project_key}
    only = await pages(api, ACROSS, {"work_item_type_key": "story", "simple_names": ["ops"]}, 50)
    assert {i["project_key"] for i in only} == {fake.second_project_key}
    answer = await api.ok("POST", ACROSS, json={"work_item_type_key": "story"})
    assert answer["pagination"]["page_size"] == 20
    answer = await api.ok("POST", ACROSS, json={"work_item_type_key": "story", "page_size": 200})
    assert answer["pagination"]["page_size"] == 50


async def test_filter_across_project_search_user_and_templates(api: Api, fake: FakeMeegle) -> None:
    stories = live(fake)
    owner = stories[0].values["owner"]
    got = await pages(
        api,
        ACROSS,
        {
            "work_item_type_key": "story",
            "project_keys": [fake.project_key],
            "search_user": {"user_keys": [owner], "field_key": "owner"},
        },
        50,
    )
    assert [i["id"] for i in got] == [i.id for i in stories if i.values.get("owner") == owner]
    role_member = stories[0].values["role_owners"][0]["owners"][0]
    role = stories[0].values["role_owners"][0]["role"]
    got = await pages(
        api,
        ACROSS,
        {
            "work_item_type_key": "story",
            "project_keys": [fake.project_key],
            "search_user": {"user_keys": [role_member], "role": role},
        },
        50,
    )
    assert stories[0].id in [i["id"] for i in got]
    got = await pages(
        api,
        ACROSS,
        {"work_item_type_key": "story", "template_ids": [999], "project_keys": [fake.project_key]},
        50,
    )
    assert got == []


async def test_filter_across_project_refuses_more_than_the_cap(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(disc, "MAX_SEARCH_RESULTS", 5)
    assert await api.err("POST", ACROSS, json={"work_item_type_key": "story"}) == 20094


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 20003),
        ({"work_item_type_key": "epic"}, 20003),
        ({"work_item_type_key": "story", "search_user": {"field_key": "owner"}}, 20059),
        (
            {"work_item_type_key": "story", "search_user": {"user_keys": ["u"], "field_key": "x"}},
            20005,
        ),
        ({"work_item_type_key": "story", "work_item_ids": list(range(1, 52))}, 20028),
        ({"work_item_type_key": "story", "created_at": {"start": 5}}, 20013),
    ],
)
async def test_filter_across_project_refusals(api: Api, body: dict[str, Any], code: int) -> None:
    assert await api.err("POST", ACROSS, json=body) == code


# -- spaces and users --------------------------------------------------------------------------


async def test_projects_order_and_unknown_user(api: Api, fake: FakeMeegle) -> None:
    keys = [fake.project_key, fake.second_project_key]
    assert await api.data("POST", "/open_api/projects", json={"user_key": fake.user_key}) == keys
    reverse = await api.data("POST", "/open_api/projects", json={"order": ["-last_visited"]})
    assert reverse == keys[::-1]
    assert await api.err("POST", "/open_api/projects", json={"user_key": "nobody"}) == 30006
    assert await api.err("POST", "/open_api/projects", json={"order": ["name"]}) == 20006


async def test_project_detail_rules(api: Api, fake: FakeMeegle) -> None:
    detail = await api.data(
        "POST", "/open_api/projects/detail", json={"project_keys": [fake.project_key, "nope"]}
    )
    assert detail == {
        fake.project_key: {
            "project_key": fake.project_key,
            "name": "Demo Space",
            "simple_name": fake.simple_name,
            "administrators": [fake.user_key],
        }
    }
    other = await api.data(
        "POST",
        "/open_api/projects/detail",
        json={"simple_names": ["ops"], "user_key": "7000000000000000002"},
    )
    assert "administrators" not in other[fake.second_project_key]
    assert await api.err("POST", "/open_api/projects/detail", json={}) == 20005
    many = {"project_keys": [f"p{i}" for i in range(101)]}
    assert await api.err("POST", "/open_api/projects/detail", json=many) == 20006


async def test_user_query_rules(api: Api, fake: FakeMeegle) -> None:
    key = "7000000000000000002"
    users = await api.data(
        "POST",
        "/open_api/user/query",
        json={"out_ids": [f"ou_{key}"], "emails": ["demo.user@example.com"]},
    )
    assert sorted(u["user_key"] for u in users) == [fake.user_key, key]
    assert all(u["out_id"] == f"ou_{u['user_key']}" for u in users)
    assert await api.err("POST", "/open_api/user/query", json={"user_keys": ["nobody"]}) == 30006
    assert await api.err("POST", "/open_api/user/query", json={}) == 20005
    many = {"user_keys": [f"u{i}" for i in range(60)], "emails": [f"e{i}" for i in range(41)]}
    assert await api.err("POST", "/open_api/user/query", json=many) == 20004


async def test_user_search(api: Api, fake: FakeMeegle) -> None:
    found = await api.data("POST", "/open_api/user/search", json={"query": "DEMO"})
    assert [u["user_key"] for u in found] == [fake.user_key]
    found = await api.data(
        "POST", "/open_api/user/search", json={"query": "li", "project_key": fake.simple_name}
    )
    assert found
    assert all(
        "li" in (u["username"] + u["name_en"] + u["name_cn"] + u["email"]).lower() for u in found
    )
    assert await api.err("POST", "/open_api/user/search", json={}) == 20005
    body = {"query": "a", "project_key": "nowhere"}
    assert await api.err("POST", "/open_api/user/search", json=body) == 1000052063
